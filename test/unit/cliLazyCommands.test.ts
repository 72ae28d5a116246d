// The CLI loads only what the command at hand needs (helmProv.ts: each command's code is a dynamic
// import; names and help are data). Asserted as sets of modules a fresh process evaluated, on the tsc
// output, where a module evaluated is a module in require.cache (the bundle evaluates the same ones:
// esbuild keeps a dynamically imported module unevaluated until the import runs).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot, signedCases, signedKeys } from '../support/tools';

const cli = path.join(repoRoot, 'out', 'server', 'src', 'cli', 'helmProv.js');
const ourRoot = path.join(repoRoot, 'out', 'server', 'src') + path.sep;

interface Loaded { code: number; ours: string[]; packages: string[]; builtins: string[] }

/** Runs main(args) in a fresh Node with a silent Io and answers what it evaluated (before anything is printed). */
function modulesFor(args: string[]): Loaded {
  const script = `
    const before = new Set(process.moduleLoadList);
    const { main } = require(${JSON.stringify(cli)});
    main(${JSON.stringify(args)}, { out() {}, err() {}, stdin: () => '' }).then((code) => {
      const keys = Object.keys(require.cache);
      const builtins = process.moduleLoadList.filter((m) => !before.has(m) && m.startsWith('NativeModule ')).map((m) => m.slice(13));
      const ours = keys.filter((k) => k.startsWith(${JSON.stringify(ourRoot)})).map((k) => k.slice(${ourRoot.length}).replace(/\\\\/g, '/').replace(/\\.js$/, ''));
      const packages = [...new Set(keys.map((k) => /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)[\\\\/](?!.*node_modules)/.exec(k)?.[1]).filter(Boolean))];
      process.stdout.write(JSON.stringify({ code, ours, packages, builtins }));
    });`;
  const env = { ...process.env, GNUPGHOME: path.join(repoRoot, 'no-such-gnupg-home') };
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Loaded;
}

const under = (loaded: Loaded, folder: string) => loaded.ours.filter((m) => m.startsWith(`${folder}/`)).sort();

/** What every command loads: the table, the specs and usage text it prints from, and their helpers. */
// loadKeys.ts holds the launcher's private cache folder (set at start); what it loads, it loads when called.
const CLI_CORE = ['cli/args', 'cli/commandSpecs', 'cli/familyUsage', 'cli/helmProv', 'cli/io', 'cli/keyCommandSpecs', 'cli/loadKeys', 'cli/version'];

describe('helm-prov loads only what the command needs', () => {
  test('verify of a signed chart with a flat Chart.yaml: the OpenPGP path, no other command, no YAML library', () => {
    const chart = path.join(signedCases, 'valid-rsa2048', 'devapp-1.2.3.tgz');
    const loaded = modulesFor(['verify', chart, '--keyring', path.join(signedKeys, 'rsa2048.pub.gpg')]);
    assert.equal(loaded.code, 0);
    assert.deepEqual(loaded.packages, ['openpgp']);
    assert.deepEqual(under(loaded, 'cli'), [...CLI_CORE, 'cli/chartSigstore', 'cli/format', 'cli/sigstoreFormat', 'cli/sigstoreTrust', 'cli/verifyCommand'].sort());
    // Of the Sigstore code only the look for cosign files beside the archive (none here), the chart's verdict
    // from all its signatures and the words per Sigstore code (each one owner for the CLI and the editor).
    assert.deepEqual(under(loaded, 'sigstore'), ['sigstore/chartVerdict', 'sigstore/outcomeWords', 'sigstore/siblingFiles']);
    for (const folder of ['oci', 'policy', 'keyLookup', 'lsp']) assert.deepEqual(under(loaded, folder), [], folder);
    // Standard input is never created (net or tty), nor Node's promise file API.
    for (const builtin of ['net', 'tty', 'readline', 'fs/promises']) assert.ok(!loaded.builtins.includes(builtin), builtin);
  });

  test('--help and a command\'s --help load no command at all', () => {
    for (const args of [['--help'], ['verify', '--help'], ['policy', '--help'], ['bogus']]) {
      const loaded = modulesFor(args);
      assert.deepEqual(loaded.packages, [], args.join(' '));
      assert.deepEqual(under(loaded, 'cli'), CLI_CORE, args.join(' '));
    }
  });

  test('each command family is loaded by its own commands only', () => {
    const loaded = modulesFor(['verify-blob']);
    assert.equal(loaded.code, 2);
    assert.ok(loaded.ours.includes('cli/sigstoreCommands'));
    for (const other of ['cli/ociCommands', 'cli/policyCommands', 'cli/doctorCommand', 'cli/signCommands', 'cli/verifyCommand']) assert.ok(!loaded.ours.includes(other), other);
  });
});
