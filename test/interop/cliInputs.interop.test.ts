// What the CLI is handed besides archives: passphrase files that are devices or pipes, a `.prov` named
// where its archive is meant, a `.prov` to lint. A real `helm-prov` process each time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type StdioOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, scratch, signedCases, signedKeyrings, signedKeys, tempDir } from '../support/tools';

const cli = path.join(repoRoot, 'bin', 'helm-prov.js');
const cacheHome = tempDir('cli-cache-');
const lockedKey = fs.readFileSync(path.join(signedKeys, 'locked.fpr'), 'utf8').trim();
const lockedSecret = path.join(signedKeys, 'locked.sec.gpg');
const passphraseFile = path.join(signedKeys, 'locked.passphrase');
const pubring = path.join(signedKeyrings, 'pubring.gpg');

interface Run { status: number | null; stdout: string; stderr: string }

/** `helm-prov args`; `command` runs it through bash instead (for `<(...)`). The timeout is a safety net: a hang fails the test. */
function helmProv(args: string[], options: { input?: string; stdin?: number; viaBash?: boolean } = {}): Run {
  const stdio: StdioOptions = [options.stdin ?? 'pipe', 'pipe', 'pipe'];
  const env = { ...process.env, GNUPGHOME: tempDir('empty-gnupg-'), XDG_CACHE_HOME: cacheHome, HELM_PROV_PASSPHRASE: '' };
  const r = options.viaBash
    ? spawnSync('bash', ['-c', `"${process.execPath}" "${cli}" ${args.join(' ')}`], { encoding: 'utf8', env, timeout: 60_000 })
    : spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', input: options.input, stdio, env, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function freshArchive(): string {
  const archive = path.join(scratch('cli-inputs-'), 'devlocked-0.1.0.tgz');
  fs.copyFileSync(path.join(signedCases, 'valid-locked', 'devlocked-0.1.0.tgz'), archive);
  return archive;
}

const signArgs = (archive: string, passphrase: string): string[] => ['sign', archive, '--key', lockedKey, '--keyring', lockedSecret, '--passphrase-file', passphrase];

test('--passphrase-file /dev/zero is refused before reading (it was read whole: 4 GB)', () => {
  const archive = freshArchive();
  const r = helmProv(signArgs(archive, '/dev/zero'));
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /--passphrase-file: \/dev\/zero is not a regular file or a pipe/);
  assert.ok(!fs.existsSync(`${archive}.prov`));
});

test('--passphrase-file - with /dev/zero as standard input is refused', () => {
  const archive = freshArchive();
  const zero = fs.openSync('/dev/zero', 'r');
  try {
    const r = helmProv(signArgs(archive, '-'), { stdin: zero });
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /standard input is a device/);
  } finally {
    fs.closeSync(zero);
  }
});

test('a passphrase file over 64 KiB is refused', () => {
  const big = path.join(scratch('cli-inputs-'), 'big');
  fs.writeFileSync(big, 'x'.repeat(64 * 1024 + 1));
  const r = helmProv(signArgs(freshArchive(), big));
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /over the 65536-byte limit/);
});

test('pipes still work: --passphrase-file <(cat file) and --passphrase-file - from a pipe', () => {
  const viaSubstitution = helmProv(signArgs(freshArchive(), `<(cat "${passphraseFile}")`), { viaBash: true });
  assert.equal(viaSubstitution.status, 0, viaSubstitution.stdout + viaSubstitution.stderr);
  const viaStdin = helmProv(signArgs(freshArchive(), '-'), { input: fs.readFileSync(passphraseFile, 'utf8') });
  assert.equal(viaStdin.status, 0, viaStdin.stdout + viaStdin.stderr);
});

test('verify given x.tgz.prov verifies x.tgz (it looked for x.tgz.prov.prov)', () => {
  const archive = path.join(signedCases, 'valid-rsa2048', 'devapp-1.2.3.tgz');
  const r = helmProv(['verify', `${archive}.prov`, archive, '--keyring', pubring, '--json']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 1, 'the archive named twice is verified once');
  assert.equal(lines[0].archive, archive);
  assert.equal(lines[0].code, 'verified');
});

test('lint of a .prov with a broken signature says that it checks the structure only, and how to verify', () => {
  const dir = scratch('cli-inputs-');
  const prov = path.join(dir, 'devapp-1.2.3.tgz.prov');
  const good = fs.readFileSync(path.join(signedCases, 'valid-rsa2048', 'devapp-1.2.3.tgz.prov'), 'utf8');
  // One base64 character of the signature's last bytes changed: it still reads, it no longer matches.
  const at = good.lastIndexOf('\n', good.indexOf('-----END PGP SIGNATURE-----') - 2) - 20;
  fs.copyFileSync(path.join(signedCases, 'valid-rsa2048', 'devapp-1.2.3.tgz'), path.join(dir, 'devapp-1.2.3.tgz'));
  fs.writeFileSync(prov, good.slice(0, at) + (good[at] === 'A' ? 'B' : 'A') + good.slice(at + 1));
  const verify = helmProv(['verify', prov, '--keyring', pubring, '--json']);
  assert.equal(JSON.parse(verify.stdout).code, 'signature-invalid', verify.stdout + verify.stderr);
  const r = helmProv(['lint', prov]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /devapp-1\.2\.3\.tgz\.prov: no problems\n/);
  assert.match(r.stdout, /structure only: lint does not check the signature or the archive's digest; run: helm-prov verify .*devapp-1\.2\.3\.tgz --keyring <keyring>/);
});
