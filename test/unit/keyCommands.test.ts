// `helm-prov keys find` and `helm-prov verify --fetch-keys` (main() in this process, and once the built
// bin/helm-prov.js) against a keyserver on loopback (test/support/keyServer.ts: a protocol-level
// stand-in speaking VKS and HKP, since no real keyserver software is packaged here).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as openpgp from 'openpgp';
import { main } from '../../server/src/cli/helmProv';
import { loadKeyringFile } from '../../server/src/provenance/keyring';
import { KeyServer } from '../support/keyServer';
import { repoRoot, signedCases, signedKeys, tempDir } from '../support/tools';

const armored = (name: string) => fs.readFileSync(path.join(signedKeys, `${name}.pub.asc`), 'utf8');
const fpr = (name: string) => fs.readFileSync(path.join(signedKeys, `${name}.fpr`), 'utf8').trim();
const execFileAsync = promisify(execFile);
const chart = (name: string, file = 'devapp-1.2.3.tgz') => path.join(signedCases, name, file);

async function run(...args: string[]): Promise<{ status: number; out: string }> {
  let out = '';
  const io = { out: (s: string) => { out += s + '\n'; }, err: (s: string) => { out += s + '\n'; }, stdin: () => '' };
  const status = await main(args, io);
  return { status, out };
}

describe('helm-prov keys find', () => {
  let server: KeyServer;
  before(async () => {
    process.env.GNUPGHOME = tempDir(); // no keyring of the machine's user counts
    server = await new KeyServer().start();
    await server.serveKey(armored('rsa2048'));
    await server.serveKey(armored('subkey'));
    server.answers.set(fpr('ed25519'), { kind: 'bytes', bytes: armored('stranger') });
  });
  after(() => server.stop());

  test('shows the key (fingerprint, user ids, created, expiry, where from) and imports nothing without --import', async () => {
    const dir = tempDir();
    const { status, out } = await run('keys', 'find', fpr('rsa2048'), '--keyserver', server.url);
    assert.equal(status, 0, out);
    assert.match(out, new RegExp(`vks +lookup-found`));
    assert.match(out, new RegExp(`pub  rsa2048  ${fpr('rsa2048')}  \\[SC\\]  created \\d{4}-\\d\\d-\\d\\d  expires never`));
    assert.match(out, /uid dev Rsa Signer <rsa2048@dev\.example>/);
    assert.ok(out.includes(`found at ${server.url}/vks/v1/by-fingerprint/${fpr('rsa2048')} (vks)`), out);
    assert.match(out, /Not imported/);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  test('unknown signer → look up → import → the chart verifies', async () => {
    const ring = path.join(tempDir(), 'pubring.gpg');
    const before = await run('verify', chart('valid-rsa2048'), '--keyring', path.join(signedKeys, 'stranger.pub.gpg'), '--fetch-keys', '--keyserver', server.url);
    assert.equal(before.status, 1, before.out);
    assert.match(before.out, /rejected \(unknown-signer\)/);
    assert.match(before.out, /lookup-found/);
    assert.match(before.out, /Still rejected: a key found is not trusted/);
    assert.equal(fs.existsSync(ring), false);
    const found = await run('keys', 'find', fpr('rsa2048'), '--keyserver', server.url, '--import', ring);
    assert.equal(found.status, 0, found.out);
    assert.match(found.out, new RegExp(`Key ${fpr('rsa2048')} imported into`));
    const after = await run('verify', chart('valid-rsa2048'), '--keyring', ring);
    assert.equal(after.status, 0, after.out);
    assert.match(after.out, /Chart Hash Verified/);
  });

  test('verify --fetch-keys --json adds a look-up object and keeps the verdict', async () => {
    const { status, out } = await run('verify', chart('valid-subkey', 'devsub-1.0.0.tgz'), '--keyring', path.join(signedKeys, 'stranger.pub.gpg'), '--fetch-keys', '--keyserver', server.url, '--json');
    assert.equal(status, 1);
    const [outcome, lookup] = out.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(outcome.verdict, 'rejected');
    assert.equal(outcome.code, 'unknown-signer');
    assert.equal(lookup.attempts[0].code, 'lookup-found');
    assert.deepEqual(lookup.found.map((k: { fingerprint: string }) => k.fingerprint), [fpr('subkey')]);
  });

  test('a keyserver serving another key: refused, exit 1, and --import writes nothing', async () => {
    const ring = path.join(tempDir(), 'pubring.gpg');
    const { status, out } = await run('keys', 'find', fpr('ed25519'), '--keyserver', server.url, '--import', ring);
    assert.equal(status, 1, out);
    assert.match(out, /lookup-other-key/);
    assert.match(out, /No key found/);
    assert.equal(fs.existsSync(ring), false);
  });

  test('by e-mail address (VKS by-email)', async () => {
    const { status, out } = await run('keys', 'find', 'sub@dev.example', '--keyserver', server.url);
    assert.equal(status, 0, out);
    assert.ok(out.includes(fpr('subkey')));
    assert.ok(server.requests.includes('/vks/v1/by-email/sub%40dev.example'));
    assert.match(out, /Found by e-mail address \(anyone can put any address in a user id\) only/);
  });

  test('--keys-file only: information from the repository, no request to any server', async () => {
    const keysFile = path.join(tempDir(), 'KEYS');
    fs.writeFileSync(keysFile, armored('twouid'));
    const asked = server.requests.length;
    const { status, out } = await run('keys', 'find', fpr('twouid'), '--keys-file', keysFile);
    assert.equal(status, 0, out);
    assert.match(out, /keys-file +lookup-found .*information only/);
    assert.equal(server.requests.length, asked);
  });

  test('usage: a short key id or junk is a usage error naming keys find; --help shows it; the listing still works', async () => {
    const bad = await run('keys', 'find', 'DEADBEEF', '--keyserver', server.url);
    assert.equal(bad.status, 2);
    assert.match(bad.out, /Usage: helm-prov keys find <FPR\|keyid\|email>/);
    const help = await run('keys', 'find', '--help');
    assert.equal(help.status, 0);
    assert.match(help.out, /--import KEYRING/);
    const listing = await run('keys', path.join(signedKeys, 'rsa2048.pub.gpg'));
    assert.equal(listing.status, 0, listing.out);
    assert.match(listing.out, /\(binary, 1 key\)/);
  });

  test('a user id served with terminal escapes and a bidi override is printed escaped', async () => {
    const { publicKey } = await openpgp.generateKey({ type: 'curve25519', userIDs: [{ name: 'Mallory \u001b]8;;http://evil\u0007\u202e', email: 'm@example.org' }], format: 'object' });
    await server.serveKey(publicKey.armor());
    const { status, out } = await run('keys', 'find', publicKey.getFingerprint(), '--keyserver', server.url);
    assert.equal(status, 0, out);
    assert.ok(!/[\u001b\u0007\u202e]/.test(out), 'a raw control or bidi character reached the output');
    assert.ok(out.includes('uid Mallory \\u001b]8;;http://evil\\u0007\\u202e <m@example.org>'), out);
  });

  test('two places serving different keys for one address: both shown, nothing imported', async () => {
    const other = await new KeyServer().start();
    try {
      const make = async () => (await openpgp.generateKey({ type: 'curve25519', userIDs: [{ name: 'Same Name', email: 'same@example.org' }], format: 'object' })).publicKey;
      const [a, b] = [await make(), await make()];
      await server.serveKey(a.armor());
      await other.serveKey(b.armor());
      const ring = path.join(tempDir(), 'pubring.gpg');
      const { status, out } = await run('keys', 'find', 'same@example.org', '--keyserver', server.url, '--keyserver', other.url, '--import', ring);
      assert.equal(status, 1, out);
      assert.ok(out.includes(a.getFingerprint().toUpperCase()) && out.includes(b.getFingerprint().toUpperCase()), out);
      assert.match(out, /2 different keys found: nothing imported/);
      assert.equal(fs.existsSync(ring), false);
    } finally {
      await other.stop();
    }
  });

  test('the built CLI (bin/helm-prov.js), as a user types it: imports into an armored keyring', async () => {
    const ring = path.join(tempDir(), 'mine.asc');
    const { stdout } = await execFileAsync(process.execPath, [path.join(repoRoot, 'bin', 'helm-prov.js'), 'keys', 'find', fpr('rsa2048'), '--keyserver', server.url, '--import', ring], { encoding: 'utf8', env: { ...process.env, HELM_PROV_NO_CODE_CACHE: '1' } });
    assert.match(stdout, /imported into/);
    const loaded = await loadKeyringFile(ring);
    assert.ok(loaded.ok);
    assert.equal(loaded.value.format, 'armored');
    assert.deepEqual(loaded.value.keys.map((k) => k.info.fingerprint), [fpr('rsa2048')]);
  });
});
