// `helm-prov release-check` on Helm's real KEYS file (test/fixtures/keys-files/helm.KEYS, 10 keys) with a
// keyserver on loopback that holds some of its keys and not others (test/support/keyServer.ts: a
// protocol-level stand-in speaking VKS and HKP, since no real keyserver software is packaged here), and
// artifacts signed in test setup checked against a KEYS file as a user's install would check them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as openpgp from 'openpgp';
import { main } from '../../server/src/cli/helmProv';
import { releaseCheck } from '../../server/src/keyLookup/releaseCheck';
import { wkdHash } from '../../server/src/keyLookup/wkd';
import { loadKeyringFile } from '../../server/src/provenance/keyring';
import { KeyServer } from '../support/keyServer';
import { fixtures, signedCases, signedKeyrings, signedKeys, tempDir } from '../support/tools';

const HELM_KEYS = path.join(fixtures, 'keys-files', 'helm.KEYS');
const GEORGE = 'BF888333D96A1C18E2682AAED79D67C9EC016739'; // ed25519, no expiry; on the keyserver
const SCOTT = '208DD36ED5BB3745A16743A4C7C6FBB5B91C1155'; // on the keyserver
const BUTCHER = '4AB45F1CB0D292975C6371436E2A23D806B6E6DD'; // expires 2037-03-08; not on the keyserver
const TAYLOR = '76939899B137D575D3274E756DCCB9D752D35BA8'; // expired 2022-08-06
const fpr = (name: string) => fs.readFileSync(path.join(signedKeys, `${name}.fpr`), 'utf8').trim();

async function run(...args: string[]): Promise<{ status: number; out: string; lines: { ok: boolean; code: string }[] }> {
  let out = '';
  const io = { out: (s: string) => { out += s + '\n'; }, err: (s: string) => { out += s + '\n'; }, stdin: () => '' };
  const status = await main(args, io);
  const lines = [...out.matchAll(/^(ok  |FAIL)  (release-[a-z-]+)/gm)].map((m) => ({ ok: m[1] === 'ok  ', code: m[2] }));
  return { status, out, lines };
}

const codes = (r: { lines: { ok: boolean; code: string }[] }) => r.lines.map((l) => `${l.ok ? 'ok' : 'FAIL'} ${l.code}`);

describe('release-check on Helm\'s KEYS file', () => {
  let server: KeyServer;
  let empty: string;
  before(async () => {
    empty = path.join(tempDir(), 'empty.gpg');
    fs.writeFileSync(empty, new Uint8Array());
    server = await new KeyServer().start();
    const ring = await loadKeyringFile(HELM_KEYS);
    assert.ok(ring.ok);
    for (const key of ring.value.keys.filter((k) => k.info.fingerprint === GEORGE || k.info.fingerprint === SCOTT)) {
      await server.serveKey(openpgp.armor(openpgp.enums.armor.publicKey, key.key.write()));
    }
  });
  after(() => server.stop());

  const check = (key: string, ...more: string[]) => run('release-check', '--key', key, '--keys-file', HELM_KEYS, '--keyserver', server.url, '--keyring', empty, ...more);

  test('a key that can sign, is in KEYS and is published: every check passes, exit 0', async () => {
    const r = await check(GEORGE);
    assert.equal(r.status, 0, r.out);
    assert.deepEqual(codes(r), ['ok release-can-sign', 'ok release-valid-for-days', 'ok release-in-keys', 'ok release-published']);
  });

  test('a key in KEYS but on no keyserver fails release-not-published (the Helm 3.17.1 story)', async () => {
    const r = await check(BUTCHER);
    assert.equal(r.status, 1, r.out);
    assert.deepEqual(codes(r), ['ok release-can-sign', 'ok release-valid-for-days', 'ok release-in-keys', 'FAIL release-not-published']);
    assert.match(r.out, /vks lookup-not-found, hkp lookup-not-found/);
  });

  test('a key expiring within --days fails release-expires-soon; an expired one release-cannot-sign', async () => {
    const soon = await check(BUTCHER, '--days', '5000');
    assert.ok(codes(soon).includes('FAIL release-expires-soon'), soon.out);
    assert.match(soon.out, /expires on 2037-03-08/);
    const expired = await check(TAYLOR);
    assert.equal(expired.status, 1);
    assert.equal(codes(expired)[0], 'FAIL release-cannot-sign');
  });

  test('a key missing from KEYS fails release-not-in-keys', async () => {
    const r = await run('release-check', '--key', fpr('rsa2048'), '--keys-file', HELM_KEYS, '--keyring', path.join(signedKeys, 'rsa2048.pub.gpg'));
    assert.equal(r.status, 1, r.out);
    assert.deepEqual(codes(r), ['ok release-can-sign', 'ok release-valid-for-days', 'FAIL release-not-in-keys']);
  });

  test('a KEYS listing that names another fingerprint than its block holds is flagged', async () => {
    const edited = path.join(tempDir(), 'KEYS');
    const text = fs.readFileSync(HELM_KEYS, 'utf8');
    const listed = `      ${GEORGE}\n`;
    assert.ok(text.includes(listed));
    fs.writeFileSync(edited, text.replace(listed, `      ${'0'.repeat(40)}\n`));
    const r = await run('release-check', '--key', GEORGE, '--keys-file', edited, '--keyring', empty);
    assert.equal(r.status, 1, r.out);
    assert.ok(codes(r).includes('FAIL release-keys-listing-mismatch'), r.out);
  });

  test('a subkey fingerprint or a key nobody has is release-key-unknown; no --key is a usage error', async () => {
    const r = await run('release-check', '--key', 'A'.repeat(40), '--keys-file', HELM_KEYS, '--keyring', empty);
    assert.equal(r.status, 1);
    assert.equal(codes(r)[0], 'FAIL release-key-unknown');
    const usage = await run('release-check', '--keys-file', HELM_KEYS);
    assert.equal(usage.status, 2);
  });
});

describe('release-check: what users find and what they verify', () => {
  test('a keyserver serving an older, expired copy of a key renewed since: release-published-outdated', async () => {
    const now = new Date();
    const { privateKey } = await openpgp.generateKey({ type: 'curve25519', userIDs: [{ name: 'Rel Ease', email: 'rel@example.org' }], keyExpirationTime: 24 * 3600, date: new Date(now.getTime() - 30 * 86400_000), format: 'object' });
    const renewed = await openpgp.reformatKey({ privateKey, userIDs: [{ name: 'Rel Ease', email: 'rel@example.org' }], keyExpirationTime: 0, date: new Date(now.getTime() - 86400_000), format: 'object' });
    const dir = tempDir();
    const own = path.join(dir, 'own.asc');
    fs.writeFileSync(own, renewed.publicKey.armor());
    const server = await new KeyServer().start();
    try {
      await server.serveKey(privateKey.toPublic().armor());
      const fingerprint = privateKey.getFingerprint().toUpperCase();
      const r = await run('release-check', '--key', fingerprint, '--keyring', own, '--keyserver', server.url);
      assert.equal(r.status, 1, r.out);
      assert.deepEqual(codes(r), ['ok release-can-sign', 'ok release-valid-for-days', 'FAIL release-published-outdated']);
      // The KEYS file holds the old copy too: users verifying against it would fail.
      const keys = path.join(dir, 'KEYS');
      fs.writeFileSync(keys, privateKey.toPublic().armor());
      const stale = await run('release-check', '--key', fingerprint, '--keyring', own, '--keys-file', keys);
      assert.ok(codes(stale).includes('FAIL release-keys-outdated'), stale.out);
    } finally {
      await server.stop();
    }
  });

  test('a keyserver copy without the signing subkey you sign with: release-published-outdated, though its primary could sign', async () => {
    const { privateKey } = await openpgp.generateKey({ type: 'curve25519', userIDs: [{ name: 'Sub Signer', email: 'subsigner@example.org' }], subkeys: [{ sign: true }, {}], format: 'object' });
    const full = privateKey.toPublic();
    // The copy on the keyserver predates the signing subkey: primary, user id, and the encryption subkey only.
    const stripped = new openpgp.PacketList<openpgp.AnyPacket>();
    const signingSubkey = full.subkeys.find((s) => s.keyPacket.algorithm === openpgp.enums.publicKey.ed25519 || s.keyPacket.algorithm === openpgp.enums.publicKey.eddsaLegacy)!;
    let skipping = false;
    for (const p of full.toPacketList()) {
      if (p instanceof openpgp.PublicSubkeyPacket) skipping = p.getFingerprint() === signingSubkey.getFingerprint();
      if (!skipping) stripped.push(p);
    }
    const dir = tempDir();
    const own = path.join(dir, 'own.asc');
    fs.writeFileSync(own, full.armor());
    const server = await new KeyServer().start();
    try {
      await server.serveKey(openpgp.armor(openpgp.enums.armor.publicKey, stripped.write()));
      const r = await run('release-check', '--key', full.getFingerprint().toUpperCase(), '--keyring', own, '--keyserver', server.url);
      assert.equal(r.status, 1, r.out);
      assert.deepEqual(codes(r), ['ok release-can-sign', 'ok release-valid-for-days', 'FAIL release-published-outdated']);
      assert.ok(r.out.includes(`lacks subkey ${signingSubkey.getFingerprint().toUpperCase()}`), r.out);
    } finally {
      await server.stop();
    }
  });

  test('WKD: published under each address of the key (engine, WKD host on loopback)', async () => {
    const ring = await loadKeyringFile(path.join(signedKeys, 'rsa2048.pub.gpg'));
    assert.ok(ring.ok);
    const host = await new KeyServer(['wkd']).start();
    try {
      const input = { fingerprint: fpr('rsa2048'), ownKeys: ring.value.keys, keysFiles: [], keyservers: [], wkd: true, days: 30, artifacts: [], lookup: { wkdOrigins: { advanced: () => host.url, direct: () => host.url }, wkdOnLoopback: true } };
      const missing = await releaseCheck(input);
      assert.deepEqual(missing.map((l) => `${l.ok} ${l.code}`), ['true release-can-sign', 'true release-valid-for-days', 'false release-not-published']);
      host.answers.set(wkdHash('rsa2048'), { kind: 'bytes', bytes: ring.value.keys[0].key.write() });
      const published = await releaseCheck(input);
      assert.equal(published.at(-1)!.code, 'release-published');
      assert.match(published.at(-1)!.message, /WKD rsa2048@dev\.example/);
    } finally {
      await host.stop();
    }
  });

  test('artifacts: a chart with its .prov, a tampered chart, and a signed SHA256SUMS (then a tampered file)', async () => {
    const dir = tempDir();
    const sec = await openpgp.readPrivateKey({ binaryKey: fs.readFileSync(path.join(signedKeys, 'rsa2048.sec.gpg')) });
    for (const [name, body] of [['a.txt', 'alpha\n'], ['b.txt', 'beta\n']]) fs.writeFileSync(path.join(dir, name), body);
    const sums = ['a.txt', 'b.txt'].map((n) => `${createHash('sha256').update(fs.readFileSync(path.join(dir, n))).digest('hex')}  ${n}`).join('\n') + '\n';
    const sumsFile = path.join(dir, 'SHA256SUMS');
    fs.writeFileSync(sumsFile, sums);
    const signature = await openpgp.sign({ message: await openpgp.createMessage({ binary: Buffer.from(sums) }), signingKeys: sec, detached: true });
    fs.writeFileSync(`${sumsFile}.asc`, signature as string);
    const keys = path.join(signedKeyrings, 'KEYS');
    const args = ['release-check', '--key', fpr('rsa2048'), '--keys-file', keys, '--keyring', path.join(signedKeys, 'rsa2048.pub.gpg')];
    const good = await run(...args, path.join(signedCases, 'valid-rsa2048', 'devapp-1.2.3.tgz'), sumsFile);
    assert.equal(good.status, 0, good.out);
    assert.deepEqual(codes(good).slice(-2), ['ok release-artifact-verified', 'ok release-artifact-verified']);
    assert.match(good.out, /2 listed file\(s\) beside it match/);
    fs.writeFileSync(path.join(dir, 'b.txt'), 'tampered\n');
    const bad = await run(...args, path.join(signedCases, 'tgz-replaced', 'devapp-1.2.3.tgz.prov'), sumsFile);
    assert.equal(bad.status, 1, bad.out);
    assert.deepEqual(codes(bad).slice(-2), ['FAIL release-artifact-rejected', 'FAIL release-artifact-rejected']);
    assert.match(bad.out, /hash-mismatch/);
    assert.match(bad.out, /b\.txt \(sha256/);
  });

  test('artifacts: a detached .asc by the release key verifies; one by a key not in KEYS is rejected (unknown-signer)', async () => {
    const dir = tempDir();
    const artifact = path.join(dir, 'helm-v4.0.0-linux-amd64.tar.gz');
    fs.writeFileSync(artifact, 'release bytes\n');
    const sign = async (name: string, file: string) => {
      const sec = await openpgp.readPrivateKey({ binaryKey: fs.readFileSync(path.join(signedKeys, `${name}.sec.gpg`)) });
      const message = await openpgp.createMessage({ binary: fs.readFileSync(artifact) });
      fs.writeFileSync(file, await openpgp.sign({ message, signingKeys: sec, detached: true }) as string);
    };
    await sign('rsa2048', `${artifact}.asc`);
    const other = path.join(dir, 'copy', path.basename(artifact));
    fs.mkdirSync(path.dirname(other));
    fs.copyFileSync(artifact, other);
    await sign('stranger', `${other}.asc`);
    const r = await run('release-check', '--key', fpr('rsa2048'), '--keys-file', path.join(signedKeyrings, 'KEYS'), '--keyring', path.join(signedKeys, 'rsa2048.pub.gpg'), `${artifact}.asc`, `${other}.asc`);
    assert.equal(r.status, 1, r.out);
    assert.deepEqual(codes(r).slice(-2), ['ok release-artifact-verified', 'FAIL release-artifact-rejected']);
    assert.match(r.out, /unknown-signer/);
  });
});
