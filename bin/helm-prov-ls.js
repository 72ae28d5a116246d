#!/usr/bin/env node
'use strict';
// The language server: `helm-prov-ls --stdio` for any LSP editor, and what the VS Code client starts
// (over IPC). Prefer the bundle, compiled through the V8 code cache of bin/codeCache.js (a server
// spends about 120 ms compiling it otherwise); fall back to the tsc output in a development checkout.
// The cache is written once the server has indexed its workspace (`started`), so it holds the
// functions a start needs.
const fs = require('node:fs');
const path = require('node:path');
const privateCache = require('./privateCache');
const { codeCacheWanted, prepareCached } = require('./codeCache');

const bundle = path.join(__dirname, '..', 'dist', 'server.js');
const entry = fs.existsSync(bundle) ? bundle : path.join(__dirname, '..', 'out', 'server', 'src', 'lsp', 'server.js');

const cached = entry === bundle && codeCacheWanted() ? prepareCached(bundle, 'server') : undefined;
const server = cached ? cached.run() : require(entry);
// The keyring description cache (keyCache.ts) lives in the same private folder, by the same rules, and is
// on when the code cache is, as for the CLI (bin/helm-prov.js): its entries are tied to the digest of these
// bundle bytes. Handed over before the server reads its first message. A start that wrote an entry writes
// no code cache, the next start does (privateCache.oneOffTracker).
const oneOff = privateCache.oneOffTracker();
if (cached) server.setPrivateCache?.(oneOff.storeFor(cached.codeId));
if (cached) Promise.resolve(server.started).then(() => { if (!oneOff.wroteOneOff()) cached.saveIfUseful(); }, () => undefined);
