#!/usr/bin/env node
'use strict';
// Prefer the bundle (fast start), compiled through the V8 code cache of bin/codeCache.js; fall back to
// the tsc output in a development checkout.
// The keyring description cache (keyCache.ts) lives in the same private folder, by the same rules, and
// is on when the code cache is (HELM_PROV_NO_CODE_CACHE=1 turns both off): its entries are tied to the
// digest of these bundle bytes.
const fs = require('node:fs');
const path = require('node:path');
const privateCache = require('./privateCache');
const { codeCacheWanted, prepareCached } = require('./codeCache');

const argv = process.argv.slice(2);
const bundle = path.join(__dirname, '..', 'dist', 'helm-prov.js');
const entry = fs.existsSync(bundle) ? bundle : path.join(__dirname, '..', 'out', 'server', 'src', 'cli', 'helmProv.js');

const cached = entry === bundle && codeCacheWanted() ? prepareCached(bundle) : undefined;
const cli = cached ? cached.run() : require(entry);
if (cached) cli.setPrivateCache?.({ ...privateCache, codeId: cached.codeId });
cli.main(argv).then((code) => {
  process.exitCode = code;
  if (cached) cached.saveIfUseful(argv[0]);
});
