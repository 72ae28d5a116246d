#!/usr/bin/env node
'use strict';
// Prefer the bundles (fast start), compiled through the V8 code cache of bin/codeCache.js (one cache file
// per bundle and command); fall back to the tsc output in a development checkout.
const fs = require('node:fs');
const path = require('node:path');
const privateCache = require('./privateCache');
const { codeCacheWanted, prepareCached } = require('./codeCache');

const argv = process.argv.slice(2);
const dist = path.join(__dirname, '..', 'dist');
const bundle = path.join(dist, 'helm-prov.js');
// A command's --help prints data, as `--help` does, and shares its cache file (`other`): written by such a
// run, the command's own file would hold none of the command's functions, and it is not written again.
const end = argv.indexOf('--');
const asksForHelp = (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
const command = !asksForHelp && /^[a-z][a-z-]{0,31}$/.test(argv[0] ?? '') ? argv[0] : 'other';
// `verify` of local files has a bundle of its own (server/src/cli/verifyMain.ts), smaller to load; its
// main declines anything else (undefined, nothing printed) and the whole CLI runs it. Its libraries
// (openpgp.js, yaml, Sigstore) are a bundle it requires at their first use, through codeCache.js.
const verifyBundle = path.join(dist, 'helm-prov-verify.js');
const bundles = !fs.existsSync(bundle) ? [] : command === 'verify' && fs.existsSync(verifyBundle) ? [verifyBundle, bundle] : [bundle];
const tscOutput = path.join(__dirname, '..', 'out', 'server', 'src', 'cli', 'helmProv.js');

// The keyring description cache (keyCache.ts) lives in the same private folder, by the same rules, and
// is on when the code cache is (HELM_PROV_NO_CODE_CACHE=1 turns both off): its entries are tied to the
// digest of the bundle's bytes. A run that wrote one writes no code cache (privateCache.oneOffTracker);
// nor does a usage error (exit status 2: an unknown command, a wrong option), so mistyped commands leave
// no files.
const oneOff = privateCache.oneOffTracker();

async function run() {
  for (const entry of bundles.length > 0 ? bundles : [tscOutput]) {
    const cached = entry !== tscOutput && codeCacheWanted() ? prepareCached(entry, command) : undefined;
    const cli = cached ? cached.run() : require(entry);
    if (cached) cli.setPrivateCache?.(oneOff.storeFor(cached.codeId));
    const code = await cli.main(argv);
    if (code === undefined) continue;
    process.exitCode = code;
    if (cached && !oneOff.wroteOneOff() && (code === 0 || code === 1)) cached.saveIfUseful();
    return;
  }
}
run();
