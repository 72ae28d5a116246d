// bin/helm-prov-ls.js hands its private cache folder to the server, whose keyrings are then described
// through the keyring description cache (keyStore.ts, keyCache.ts): a start on RSA- and Ed25519-signed
// charts with that cache warm evaluates no part of openpgp.js, and shows what a start that parsed the
// keyrings shows (statuses, diagnostics, and each keyring's problems in the log and as warnings), as a
// start on every case of the signed corpus does with every kind of keyring. openpgp.js is
// inside the bundle, so whether it ran is read from V8's coverage of the bundle (NODE_V8_COVERAGE):
// the execution count of openpgp.js's module body. Nor does a start load Node's network modules, which
// only key look-ups, Sigstore, OCI and policy requests use (a preload records the built-in modules the
// process requires). Nor does it copy a module's exports for each module that imports it (a preload
// counts the getters defined: scripts/build.mjs shares them), nor evaluate @noble/curves' NIST curves,
// which only a Sigstore EC signature checked on a digest needs. Counted, never timed.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, signedCases, signedKeyrings, signedKeys, tempDir } from '../support/tools';
import type * as Session from './lspSession';

const launcher = path.join(repoRoot, 'bin', 'helm-prov-ls.js');
const bundle = path.join(repoRoot, 'dist', 'server.js');
// lspSession.ts reads HELM_PROV_LS when it is loaded: this file's sessions start the launcher.
process.env.HELM_PROV_LS = launcher;
const { LspSession, uriOf } = require('./lspSession') as typeof Session;

/** bin/codeCache.js runs the bundle as this function's body: coverage offsets count from the script's start. */
const WRAPPER_BEFORE = '(function (exports, require, module, __filename, __dirname) {\n';
const WRAPPER_AFTER = '\n})';
/** Evaluated first thing in openpgp.js 6's module body (dist/node/openpgp.min.cjs), nowhere else in the bundle. */
const OPENPGP_MARKER = 'Symbol("doneWritingPromise")';
/** Evaluated in the module body of @noble/curves' NIST curves (nist.js, whose load precomputes tables), nowhere else. */
const NIST_CURVES_MARKER = '.p521_hasher=(0,';

interface CoverageRange { startOffset: number; endOffset: number; count: number }
interface ScriptCoverage { url: string; functions: { ranges: CoverageRange[] }[] }

/** How many times the bundle evaluated the code at `marker` (a module body's), from the coverage files in `dir`. */
function evaluations(dir: string, marker: string): number {
  const text = fs.readFileSync(bundle, 'latin1');
  const at = text.indexOf(marker);
  assert.ok(at > 0 && text.indexOf(marker, at + 1) < 0, `the marker ${marker} is in the bundle once`);
  const scripts = fs.readdirSync(dir).flatMap((f) => (JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { result: ScriptCoverage[] }).result);
  const script = scripts.find((s) => s.url === uriOf(bundle));
  assert.ok(script, 'the server ran the bundle');
  assert.equal(script.functions[0].ranges[0].endOffset, WRAPPER_BEFORE.length + text.length + WRAPPER_AFTER.length, 'the bundle ran in the wrapper this file assumes');
  // The innermost range holding the marker gives its count (block coverage nests ranges).
  const offset = WRAPPER_BEFORE.length + at;
  let innermost: CoverageRange | undefined;
  for (const fn of script.functions) {
    for (const r of fn.ranges) {
      if (r.startOffset <= offset && offset < r.endOffset && (!innermost || r.endOffset - r.startOffset <= innermost.endOffset - innermost.startOffset)) innermost = r;
    }
  }
  return innermost!.count;
}

/** Records the built-in modules the server process requires, written to BUILTINS_OUT at exit. */
const BUILTINS_HOOK = `
const Module = require('node:module');
const required = new Set();
const original = Module.prototype.require;
Module.prototype.require = function (id) {
  if (Module.isBuiltin(id)) required.add(id.replace(/^node:/, ''));
  return original.apply(this, arguments);
};
process.on('exit', () => require('node:fs').writeFileSync(process.env.BUILTINS_OUT, [...required].sort().join('\\n')));
`;

/** Counts the accessor properties the process defines (esbuild's copies of a module's exports are getters), written to GETTERS_OUT at exit. */
const GETTERS_HOOK = `
const define = Object.defineProperty;
let getters = 0;
Object.defineProperty = function (o, key, descriptor) {
  if (descriptor && typeof descriptor.get === 'function') getters++;
  return define(o, key, descriptor);
};
process.on('exit', () => require('node:fs').writeFileSync(process.env.GETTERS_OUT, String(getters)));
`;

describe('what a server start loads, with the keyring description cache', () => {
  const work = tempDir('lsp-server-start-');
  after(() => fs.rmSync(work, { recursive: true, force: true }));
  const hook = path.join(work, 'builtins-hook.js');
  fs.writeFileSync(hook, BUILTINS_HOOK);
  let runs = 0;

  /** A workspace of these corpus cases, each its files and, when its archive unpacks, the chart folder beside them; answers its Chart.yaml files. */
  function workspaceOf(name: string, cases: string[]): { workspace: string; charts: string[] } {
    const workspace = path.join(work, name);
    const charts: string[] = [];
    for (const caseName of cases) {
      const dir = path.join(workspace, caseName);
      fs.mkdirSync(dir, { recursive: true });
      const files = fs.readdirSync(path.join(signedCases, caseName));
      const archive = files.find((f) => f.endsWith('.tgz'));
      const unpacked = archive && spawnSync('tar', ['xzf', path.join(signedCases, caseName, archive), '-C', dir]).status === 0;
      if (unpacked) charts.push(path.join(dir, fs.readdirSync(dir)[0], 'Chart.yaml'));
      else fs.rmSync(dir, { recursive: true, force: true }); // a corrupt archive may leave part of a folder
      fs.mkdirSync(dir, { recursive: true });
      for (const f of files) fs.copyFileSync(path.join(signedCases, caseName, f), path.join(dir, f));
    }
    return { workspace, charts };
  }

  // A keyring the loader reports a problem for: it must be reported the same from the cache.
  const broken = path.join(work, 'broken.gpg');
  fs.writeFileSync(broken, 'not a keyring\n');

  /** One start of the launcher with its cache folder in `home`: what it showed, openpgp.js's evaluations and the built-in modules loaded. */
  async function start(home: string, { workspace, charts }: { workspace: string; charts: string[] }, keyrings: string[]) {
    const coverage = path.join(work, `coverage${runs}`);
    const builtins = path.join(work, `builtins${runs++}`);
    const env = { XDG_CACHE_HOME: home, HELM_PROV_NO_CODE_CACHE: '0', NODE_OPTIONS: `--require ${hook}`, NODE_V8_COVERAGE: coverage, BUILTINS_OUT: builtins };
    const session = await LspSession.start({ workspace, settings: { keyrings }, env });
    let shown;
    try {
      const statuses = await Promise.all(charts.map((chart) => session.waitForStatus(`${chart}'s status`, (s) => s.scope === 'chart' && s.uri === uriOf(chart) && s.state !== 'checking')));
      await session.waitFor('the index to end', () => session.logs.find((l) => l.includes(`indexed ${charts.length} charts`)));
      shown = {
        statuses: statuses.map((s) => JSON.stringify(s)),
        diagnostics: [...session.diagnostics].map(([uri, list]) => JSON.stringify([uri, list.map((p) => p.diagnostics)])).sort(),
        keyringLogs: session.logs.filter((l) => / keyrings?[ :]/.test(l)),
        warnings: [...session.messages],
      };
    } finally {
      await session.stop();
    }
    return { ...shown, openpgp: evaluations(coverage, OPENPGP_MARKER), nistCurves: evaluations(coverage, NIST_CURVES_MARKER), builtins: fs.readFileSync(builtins, 'utf8').split('\n') };
  }

  function freshHome(): string {
    const home = path.join(work, `home${runs}`);
    fs.mkdirSync(home, { mode: 0o700 });
    return home;
  }

  test('the bundle is built (npm test builds it first)', () => assert.ok(fs.existsSync(bundle), 'run node scripts/build.mjs server'));

  test('a start copies the exports of vscode-languageserver/node and node:fs once, not once per module that imports them', () => {
    const getterHook = path.join(work, 'getters-hook.js');
    fs.writeFileSync(getterHook, GETTERS_HOOK);
    const out = path.join(work, 'getters');
    // No client: the server reads the end of its input and exits, having evaluated the whole bundle.
    spawnSync(process.execPath, ['--require', getterHook, launcher, '--stdio'], { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, GETTERS_OUT: out, HELM_PROV_NO_CODE_CACHE: '1' } });
    const getters = Number(fs.readFileSync(out, 'utf8'));
    assert.ok(getters > 1000, `the hook sees the bundle's getters: ${getters}`);
    // 11 678 when each of the 18 modules importing vscode-languageserver/node made its own copy; 4 090 shared.
    assert.ok(getters < 6000, `${getters} getters defined by a start`);
  });

  test('a start with the keyring described in the cache evaluates no part of openpgp.js and shows what a start that parsed them shows', async () => {
    const home = freshHome();
    const signed = workspaceOf('signed', ['valid-rsa2048', 'valid-ed25519']);
    const keyrings = [path.join(signedKeys, 'rsa2048.pub.gpg'), path.join(signedKeys, 'ed25519.pub.gpg'), broken];
    const cold = await start(home, signed, keyrings);
    assert.equal(cold.openpgp, 1, 'a start that describes the keyrings loads openpgp.js (the count can see it)');
    assert.equal(cold.nistCurves, 0, 'no EC signature, no NIST curves (their load precomputes tables)');
    assert.ok(cold.builtins.includes('fs') && cold.builtins.includes('net'), `the hook sees the bundle's requires: ${cold.builtins.join(' ')}`);
    for (const network of ['http', 'https', 'tls', 'dns']) assert.ok(!cold.builtins.includes(network), `node:${network} loaded at start`);
    assert.deepEqual(cold.statuses.map((s) => JSON.parse(s).state), ['verified', 'verified']);
    assert.equal(cold.keyringLogs.filter((l) => l.includes(broken)).length, 2, `the broken keyring's problem and the list of keyrings: ${cold.keyringLogs.join('\n')}`);
    assert.equal(cold.warnings.length, 1, 'the problem is shown as a warning once');
    assert.equal(fs.readdirSync(path.join(home, 'helm-provenance')).filter((f) => f.startsWith('keyring-')).length, 1, 'the description is cached');

    for (let i = 0; i < 2; i++) {
      const warm = await start(home, signed, keyrings);
      assert.equal(warm.openpgp, 0, `start ${i + 2}: openpgp.js evaluated`);
      assert.deepEqual({ ...warm, openpgp: 0, builtins: [] }, { ...cold, openpgp: 0, builtins: [] });
    }
  });

  test('every case of the signed corpus, with every kind of keyring: a start from the cache shows what a start that parsed them shows', async () => {
    const home = freshHome();
    const corpus = workspaceOf('corpus', fs.readdirSync(signedCases).sort());
    const keyrings = [
      ...['pubring.kbx', 'pubring.asc', 'KEYS'].map((r) => path.join(signedKeyrings, r)),
      ...['expired', 'revoked', 'subkey', 'brainpool', 'dsa'].map((k) => path.join(signedKeys, `${k}.pub.gpg`)),
      broken,
    ];
    const cold = await start(home, corpus, keyrings);
    const states = new Set(cold.statuses.map((s) => JSON.parse(s).state));
    assert.ok(states.has('verified') && states.has('rejected') && corpus.charts.length >= 30, `${corpus.charts.length} charts in the states ${[...states].join(', ')}`);
    const entries = () => fs.readdirSync(path.join(home, 'helm-provenance')).filter((f) => f.startsWith('keyring-'));
    const written = entries();
    assert.equal(written.length, 1);
    const warm = await start(home, corpus, keyrings);
    assert.deepEqual(entries(), written, 'described from the entry, not again');
    assert.deepEqual({ ...warm, openpgp: 0, builtins: [] }, { ...cold, openpgp: 0, builtins: [] });
  });
});
