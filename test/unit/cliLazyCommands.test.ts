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
/** The entry of the verify bundle (dist/helm-prov-verify.js), which bin/helm-prov.js runs first for `verify`. */
const verifyEntry = path.join(repoRoot, 'out', 'server', 'src', 'cli', 'verifyMain.js');
const ourRoot = path.join(repoRoot, 'out', 'server', 'src') + path.sep;

interface Loaded { code: number | null; printed: number; ours: string[]; packages: string[]; builtins: string[] }

/**
 * Runs main(args) of `entry` in a fresh Node with a silent Io and answers what it evaluated (before anything
 * is printed), its exit status (null: declined) and how many lines it printed.
 */
function modulesFor(args: string[], entry = cli): Loaded {
  const script = `
    const before = new Set(process.moduleLoadList);
    const { main } = require(${JSON.stringify(entry)});
    let printed = 0;
    main(${JSON.stringify(args)}, { out() { printed++; }, err() { printed++; }, stdin: () => '' }).then((code = null) => {
      const keys = Object.keys(require.cache);
      const builtins = process.moduleLoadList.filter((m) => !before.has(m) && m.startsWith('NativeModule ')).map((m) => m.slice(13));
      const ours = keys.filter((k) => k.startsWith(${JSON.stringify(ourRoot)})).map((k) => k.slice(${ourRoot.length}).replace(/\\\\/g, '/').replace(/\\.js$/, ''));
      const packages = [...new Set(keys.map((k) => /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)[\\\\/](?!.*node_modules)/.exec(k)?.[1]).filter(Boolean))];
      process.stdout.write(JSON.stringify({ code, printed, ours, packages, builtins }));
    });`;
  const env = { ...process.env, GNUPGHOME: path.join(repoRoot, 'no-such-gnupg-home') };
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Loaded;
}

const under = (loaded: Loaded, folder: string) => loaded.ours.filter((m) => m.startsWith(`${folder}/`)).sort();

/** What every command loads: the table, the specs and usage text it prints from, and their helpers. */
// loadKeys.ts holds the launcher's private cache folder (set at start); what it loads, it loads when called.
const CLI_CORE = ['cli/args', 'cli/cliMain', 'cli/commandSpecs', 'cli/familyUsage', 'cli/helmProv', 'cli/io', 'cli/keyCommandSpecs', 'cli/loadKeys', 'cli/version'];

const signedChart = ['verify', path.join(signedCases, 'valid-rsa2048', 'devapp-1.2.3.tgz'), '--keyring', path.join(signedKeys, 'rsa2048.pub.gpg')];

describe('helm-prov loads only what the command needs', () => {
  test('verify of a signed chart with a flat Chart.yaml: the OpenPGP path, no other command, no YAML library', () => {
    const loaded = modulesFor(signedChart);
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

describe('the verify bundle (verifyMain.ts) runs verify of local files and declines the rest', () => {
  test('verify of a signed chart: what the whole CLI evaluates for it, without its command table', () => {
    const whole = modulesFor(signedChart);
    const alone = modulesFor(signedChart, verifyEntry);
    assert.equal(alone.code, 0);
    assert.equal(alone.printed, whole.printed);
    assert.deepEqual(alone.packages, whole.packages);
    assert.deepEqual(alone.ours.sort(), whole.ours.filter((m) => m !== 'cli/helmProv').concat('cli/verifyMain').sort());
  });

  test('a registry verify, another command, no command: declined, nothing printed, no command module evaluated', () => {
    for (const args of [['verify', 'oci://127.0.0.1:1/x:1.0'], ['verify', '--repo', 'http://127.0.0.1:1', 'x'], ['verify', 'a.tgz', '--repo=http://x'], ['keys', 'x'], ['--version'], []]) {
      const loaded = modulesFor(args, verifyEntry);
      assert.equal(loaded.code, null, args.join(' '));
      assert.equal(loaded.printed, 0, args.join(' '));
      assert.deepEqual(loaded.packages, [], args.join(' '));
      for (const module of ['cli/ociCommands', 'cli/fileCommands', 'cli/keyCommands', 'cli/helmProv']) assert.ok(!loaded.ours.includes(module), `${args.join(' ')}: ${module}`);
    }
  });
});
