#!/usr/bin/env node
'use strict';
// Prefer the bundle (fast start), compiled through the V8 code cache of bin/codeCache.js (one cache file
// per command); fall back to the tsc output in a development checkout.
const fs = require('node:fs');
const path = require('node:path');
const privateCache = require('./privateCache');
const { codeCacheWanted, prepareCached } = require('./codeCache');

const argv = process.argv.slice(2);
const bundle = path.join(__dirname, '..', 'dist', 'helm-prov.js');
const entry = fs.existsSync(bundle) ? bundle : path.join(__dirname, '..', 'out', 'server', 'src', 'cli', 'helmProv.js');

const command = /^[a-z][a-z-]{0,31}$/.test(argv[0] ?? '') ? argv[0] : 'other';
const cached = entry === bundle && codeCacheWanted() ? prepareCached(bundle, command) : undefined;
const cli = cached ? cached.run() : require(entry);
// The keyring description cache (keyCache.ts) lives in the same private folder, by the same rules, and
// is on when the code cache is (HELM_PROV_NO_CODE_CACHE=1 turns both off): its entries are tied to the
// digest of these bundle bytes.
// A run that wrote an entry there did one-off work the next run skips (on a keyring cache miss:
// openpgp.js parsing and describing the keys), and a code cache written after it would hold all of
// those functions for every later run to deserialise (722 against 350 KB for a verify): such a run
// writes no code cache, the next one does. Nor does a usage error (exit status 2: an unknown command, a
// wrong option), so mistyped commands leave no files.
let wroteOneOff = false;
const writePrivate = (name, contents) => {
  wroteOneOff = true;
  privateCache.writePrivate(name, contents);
};
if (cached) cli.setPrivateCache?.({ ...privateCache, writePrivate, codeId: cached.codeId });
cli.main(argv).then((code) => {
  process.exitCode = code;
  if (cached && !wroteOneOff && (code === 0 || code === 1)) cached.saveIfUseful();
});
