// Key look-ups against a keyserver and a WKD host on loopback (test/support/keyServer.ts: a
// protocol-level stand-in speaking VKS, HKP and WKD, since no real keyserver software is packaged
// here), with the real HTTP transport. Hostile answers each get their own code.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as openpgp from 'openpgp';
import { httpGet, type Transport } from '../../server/src/keyLookup/httpTransport';
import { importIntoKeyring } from '../../server/src/keyLookup/importKey';
import { foundKeys, lookUpKey } from '../../server/src/keyLookup/lookup';
import { lookUpSigners, signatureEmails } from '../../server/src/keyLookup/signerLookup';
import { hkpUrl, keyserverBase, vksUrl } from '../../server/src/keyLookup/keyserver';
import { wkdHash, wkdUrls } from '../../server/src/keyLookup/wkd';
import { loadKeyringFile } from '../../server/src/provenance/keyring';
import { KeyBudget } from '../../server/src/provenance/keyLoader';
import { resetWork, workDone } from '../../server/src/provenance/work';
import { bindingWithoutBackSignature, dsaSelfSignatureFlood } from '../hostile/support/keys';
import { KeyServer } from '../support/keyServer';
import { signedKeys, tempDir } from '../support/tools';

const armored = (name: string) => fs.readFileSync(path.join(signedKeys, `${name}.pub.asc`), 'utf8');
const fpr = (name: string) => fs.readFileSync(path.join(signedKeys, `${name}.fpr`), 'utf8').trim();
const SUBKEY_SIGNING = '2467C8B18C39A4E6C5399CB42ED82AD1800144E2';

/** The real transport, counting the requests it makes. */
function countingTransport(): { transport: Transport; urls: string[] } {
  const urls: string[] = [];
  return { urls, transport: (url, limits, allowLoopback) => { urls.push(url.href); return httpGet(url, limits, allowLoopback); } };
}

/** The `subkey` fixture with its signing subkey's binding signature removed (or the whole subkey). */
async function withoutSigningSubkey(dropPacket: boolean): Promise<string> {
  const key = await openpgp.readKey({ armoredKey: armored('subkey') });
  const packets = key.toPacketList();
  const kept = new openpgp.PacketList<openpgp.AnyPacket>();
  let inSubkey = false;
  for (const p of packets) {
    if (p instanceof openpgp.PublicSubkeyPacket) inSubkey = true;
    if (inSubkey && (dropPacket || p instanceof openpgp.SignaturePacket)) continue;
    kept.push(p);
  }
  return openpgp.armor(openpgp.enums.armor.publicKey, kept.write());
}

describe('WKD and keyserver addresses', () => {
  test('the WKD hash is z-base-32 of SHA-1 of the lowercased local part (the draft\'s own example)', () => {
    assert.equal(wkdHash('Joe.Doe'), 'iy9q119eutrkn8s1mk4r39qejnbu3n5q');
    const urls = wkdUrls('Joe.Doe@Example.ORG')!;
    assert.equal(urls.advanced.href, 'https://openpgpkey.example.org/.well-known/openpgpkey/example.org/hu/iy9q119eutrkn8s1mk4r39qejnbu3n5q?l=Joe.Doe');
    assert.equal(urls.direct.href, 'https://example.org/.well-known/openpgpkey/hu/iy9q119eutrkn8s1mk4r39qejnbu3n5q?l=Joe.Doe');
    assert.equal(wkdUrls('no-at-sign'), undefined);
    assert.equal(wkdUrls('a@evil.example/path'), undefined);
    assert.equal(wkdUrls('a@127.0.0.1'), undefined);
    assert.equal(wkdUrls('a@localhost'), undefined);
  });

  test('VKS and HKP paths; hkp:// means port 11371, other schemes are refused', () => {
    const base = keyserverBase('hkps://keys.openpgp.org')!;
    assert.equal(vksUrl(base, { fingerprint: 'AB'.repeat(20) }).href, `https://keys.openpgp.org/vks/v1/by-fingerprint/${'AB'.repeat(20)}`);
    assert.equal(hkpUrl(base, { fingerprint: 'AB'.repeat(20) }).href, `https://keys.openpgp.org/pks/lookup?op=get&options=mr&search=0x${'AB'.repeat(20)}`);
    assert.equal(keyserverBase('hkp://keyserver.ubuntu.com')!.href, 'http://keyserver.ubuntu.com:11371/');
    assert.equal(keyserverBase('file:///etc/passwd'), undefined);
  });
});

describe('look-ups on a loopback keyserver and WKD host', () => {
  let server: KeyServer;
  let hkpOnly: KeyServer;
  before(async () => {
    server = await new KeyServer().start();
    hkpOnly = await new KeyServer(['hkp']).start();
  });
  after(async () => { await server.stop(); await hkpOnly.stop(); });

  test('VKS serves the key holding the fingerprint: found, with where it looked', async () => {
    await server.serveKey(armored('rsa2048'));
    const report = await lookUpKey({ fingerprint: fpr('rsa2048') }, { keyservers: [server.url] });
    assert.deepEqual(report.attempts.map((a) => [a.source, a.code]), [['vks', 'lookup-found']]);
    assert.equal(report.attempts[0].where, `${server.url}/vks/v1/by-fingerprint/${fpr('rsa2048')}`);
    assert.deepEqual(foundKeys(report).map((k) => k.info.fingerprint), [fpr('rsa2048')]);
  });

  test('a signing subkey\'s fingerprint finds the key that holds it', async () => {
    await server.serveKey(armored('subkey'));
    const report = await lookUpKey({ fingerprint: SUBKEY_SIGNING }, { keyservers: [server.url] });
    assert.equal(report.attempts[0].code, 'lookup-found');
    assert.equal(report.attempts[0].key!.info.fingerprint, fpr('subkey'));
  });

  test('an HKP-only server: VKS says not found, HKP finds it', async () => {
    await hkpOnly.serveKey(armored('ed25519'));
    const report = await lookUpKey({ fingerprint: fpr('ed25519') }, { keyservers: [hkpOnly.url] });
    assert.deepEqual(report.attempts.map((a) => [a.source, a.code]), [['vks', 'lookup-not-found'], ['hkp', 'lookup-found']]);
    assert.ok(hkpOnly.requests.includes(`/pks/lookup?op=get&options=mr&search=0x${fpr('ed25519')}`));
  });

  test('an unknown fingerprint is not found on either protocol', async () => {
    const report = await lookUpKey({ fingerprint: 'F'.repeat(40) }, { keyservers: [server.url] });
    assert.deepEqual(report.attempts.map((a) => a.code), ['lookup-not-found', 'lookup-not-found']);
    assert.equal(foundKeys(report).length, 0);
  });

  test('hostile: another key served for the fingerprint is refused', async () => {
    server.answers.set(fpr('rsa4096'), { kind: 'bytes', bytes: armored('stranger') });
    const report = await lookUpKey({ fingerprint: fpr('rsa4096') }, { keyservers: [server.url] });
    assert.equal(report.attempts[0].code, 'lookup-other-key');
    assert.equal(report.attempts[0].key, undefined);
  });

  test('hostile: two keys served for one fingerprint (the right one among them) are refused', async () => {
    server.answers.set(fpr('nistp256'), { kind: 'bytes', bytes: armored('nistp256') + armored('stranger') });
    const report = await lookUpKey({ fingerprint: fpr('nistp256') }, { keyservers: [server.url] });
    assert.equal(report.attempts[0].code, 'lookup-several-keys');
    assert.equal(foundKeys(report).length, 0);
  });

  test('hostile: the right primary without a valid signing subkey is refused', async () => {
    // The subkey packet kept but its binding signature dropped: the packet is there, not bound.
    server.answers.set(SUBKEY_SIGNING, { kind: 'bytes', bytes: await withoutSigningSubkey(false) });
    const unbound = await lookUpKey({ fingerprint: SUBKEY_SIGNING }, { keyservers: [server.url] });
    assert.equal(unbound.attempts[0].code, 'lookup-subkey-missing');
    // The subkey dropped altogether: known to be this primary's subkey (a KEYS listing, the release key).
    server.answers.set(SUBKEY_SIGNING, { kind: 'bytes', bytes: await withoutSigningSubkey(true) });
    const dropped = await lookUpKey({ fingerprint: SUBKEY_SIGNING, primary: fpr('subkey') }, { keyservers: [server.url] });
    assert.equal(dropped.attempts[0].code, 'lookup-subkey-missing');
    assert.equal(foundKeys(dropped).length, 0);
  });

  test('hostile: a key that binds the signing subkey without its back-signature (someone else\'s subkey) is refused', async () => {
    const { privateKey } = await openpgp.generateKey({ type: 'curve25519', userIDs: [{ name: 'Owner', email: 'owner@example.org' }], subkeys: [{ sign: true }], format: 'object' });
    const pub = privateKey.toPublic();
    pub.subkeys[0].bindingSignatures = [await bindingWithoutBackSignature(privateKey, privateKey.subkeys[0])];
    const subkeyFpr = pub.subkeys[0].getFingerprint().toUpperCase();
    server.answers.set(subkeyFpr, { kind: 'bytes', bytes: pub.armor() });
    const report = await lookUpKey({ fingerprint: subkeyFpr }, { keyservers: [server.url] });
    assert.equal(report.attempts[0].code, 'lookup-subkey-missing');
    assert.equal(foundKeys(report).length, 0);
  });

  test('hostile: bytes that are no key', async () => {
    server.answers.set(fpr('brainpool'), { kind: 'bytes', bytes: '<html>rate limited</html>' });
    const report = await lookUpKey({ fingerprint: fpr('brainpool') }, { keyservers: [server.url] });
    assert.equal(report.attempts[0].code, 'lookup-not-a-key');
  });

  test('hostile: a key flooded with failing DSA self-signatures costs at most a KEYS file\'s budget of checking', async () => {
    server.answers.set(fpr('dsa'), { kind: 'bytes', bytes: dsaSelfSignatureFlood() });
    resetWork();
    const report = await lookUpKey({ fingerprint: fpr('dsa') }, { keyservers: [server.url] });
    const units = workDone()['signature-units'] ?? 0;
    assert.equal(report.attempts[0].code, 'lookup-not-a-key');
    // Read with a user keyring's budget this answer cost 9 990 units (measured); a server's answer gets a KEYS file's.
    assert.ok(units <= KeyBudget.VERIFICATION_UNITS_PER_KEYS_FILE + 20, `${units} signature units`);
  });

  test('a served secret key is kept as its public part only', async () => {
    server.answers.set(fpr('ed25519'), { kind: 'bytes', bytes: fs.readFileSync(path.join(signedKeys, 'ed25519.sec.gpg')) });
    const report = await lookUpKey({ fingerprint: fpr('ed25519') }, { keyservers: [server.url] });
    assert.equal(report.attempts[0].code, 'lookup-found');
    assert.equal(report.attempts[0].key!.key.isPrivate(), false);
    assert.equal(report.attempts[0].key!.info.secret, false);
  });

  test('hostile: a 50 MB answer is cut off at the byte cap while streaming', async () => {
    server.answers.set(fpr('nistp384'), { kind: 'endless', total: 50 * 1024 * 1024 });
    const maxBytes = 1024 * 1024;
    const report = await lookUpKey({ fingerprint: fpr('nistp384') }, { keyservers: [server.url] }, { limits: { timeoutMs: 60_000, maxBytes } });
    const attempt = report.attempts[0];
    assert.equal(attempt.code, 'lookup-too-large');
    assert.ok(attempt.bytesRead! > maxBytes, `read ${attempt.bytesRead}`);
    assert.ok(attempt.bytesRead! <= maxBytes + 64 * 1024, `read ${attempt.bytesRead}: more than one chunk past the cap`);
    assert.ok(server.endlessBytesWritten < 50 * 1024 * 1024, `the server wrote ${server.endlessBytesWritten} bytes: the connection was not cut`);
  });

  test('hostile: a server that never answers ends in the timeout code', async () => {
    server.answers.set(fpr('locked'), { kind: 'silent' });
    const report = await lookUpKey({ fingerprint: fpr('locked') }, { keyservers: [server.url] }, { limits: { timeoutMs: 200, maxBytes: 1024 * 1024 } });
    assert.deepEqual(report.attempts.map((a) => a.code), ['lookup-timeout']);
  });

  test('a closed port is unreachable, not a hang or a throw', async () => {
    const closed = await new KeyServer().start();
    const url = closed.url;
    await closed.stop();
    const report = await lookUpKey({ fingerprint: fpr('rsa2048') }, { keyservers: [url] });
    assert.equal(report.attempts[0].code, 'lookup-unreachable');
  });

  test('WKD: the address comes from a KEYS file holding the key; advanced method first, then direct', async () => {
    const dir = tempDir();
    const keysFile = path.join(dir, 'KEYS');
    fs.writeFileSync(keysFile, armored('twouid'));
    const advancedHost = await new KeyServer(['wkd']).start();
    const directHost = await new KeyServer(['wkd']).start();
    try {
      const ring = await loadKeyringFile(keysFile);
      assert.ok(ring.ok);
      const email = ring.value.keys[0].info.userIds[0].match(/<(.+)>/)![1];
      const [local, domain] = email.split('@');
      const key = await openpgp.readKey({ armoredKey: armored('twouid') });
      directHost.answers.set(wkdHash(local), { kind: 'bytes', bytes: key.write(), contentType: 'application/octet-stream' });
      const counting = countingTransport();
      const report = await lookUpKey({ fingerprint: fpr('twouid') }, { keysFiles: [keysFile], wkd: true }, {
        transport: counting.transport,
        wkdOrigins: { advanced: () => advancedHost.url, direct: () => directHost.url }, wkdOnLoopback: true,
      });
      const codes = report.attempts.map((a) => [a.source, a.code]);
      assert.deepEqual(codes.slice(0, 3), [['keys-file', 'lookup-found'], ['wkd-advanced', 'lookup-not-found'], ['wkd-direct', 'lookup-found']]);
      assert.equal(advancedHost.requests[0], `/.well-known/openpgpkey/${domain}/hu/${wkdHash(local)}?l=${encodeURIComponent(local)}`);
      assert.equal(directHost.requests[0], `/.well-known/openpgpkey/hu/${wkdHash(local)}?l=${encodeURIComponent(local)}`);
    } finally {
      await advancedHost.stop();
      await directHost.stop();
    }
  });

  test('verify --fetch-keys --wkd: the address a signature names (Signer\'s User ID) is where WKD is asked', async () => {
    const secret = await openpgp.readPrivateKey({ binaryKey: fs.readFileSync(path.join(signedKeys, 'rsa2048.sec.gpg')) });
    const packet = new openpgp.SignaturePacket();
    packet.signatureType = openpgp.enums.signature.binary;
    packet.hashAlgorithm = openpgp.enums.hash.sha256;
    packet.publicKeyAlgorithm = secret.keyPacket.algorithm;
    packet.signersUserID = 'dev Rsa Signer <rsa2048@dev.example>';
    const literal = new openpgp.LiteralDataPacket() as unknown as { setBytes(b: Uint8Array, f: number): void };
    literal.setBytes(new TextEncoder().encode('chart'), openpgp.enums.literal.binary);
    const sign = packet.sign as unknown as (k: openpgp.SecretKeyPacket, data: object, date: Date, detached: boolean, config: openpgp.Config) => Promise<void>;
    await sign.call(packet, secret.keyPacket as openpgp.SecretKeyPacket, literal, new Date(), true, openpgp.config);
    const list = new openpgp.PacketList<openpgp.AnyPacket>();
    list.push(packet);
    const armoredSignature = openpgp.armor(openpgp.enums.armor.signature, list.write());
    assert.deepEqual(await signatureEmails(armoredSignature), ['rsa2048@dev.example']);

    const host = await new KeyServer(['wkd']).start();
    try {
      host.answers.set(wkdHash('rsa2048'), { kind: 'bytes', bytes: (await openpgp.readKey({ armoredKey: armored('rsa2048') })).write() });
      const [{ report }] = await lookUpSigners([fpr('rsa2048')], armoredSignature, { wkd: true }, { wkdOrigins: { advanced: () => host.url, direct: () => host.url }, wkdOnLoopback: true });
      assert.deepEqual(report.attempts.map((a) => [a.source, a.code]), [['wkd-advanced', 'lookup-found']]);
      // Without --wkd the address is not used, and nothing is asked.
      const [{ report: none }] = await lookUpSigners([fpr('rsa2048')], armoredSignature, {}, { wkdOrigins: { advanced: () => host.url, direct: () => host.url }, wkdOnLoopback: true });
      assert.deepEqual(none.attempts, []);
      assert.equal(host.requests.length, 1);
    } finally {
      await host.stop();
    }
  });

  test('WKD never asks this machine (its host comes from a signer\'s address) unless a test says so; a keyserver the user names may be here', async () => {
    const host = await new KeyServer(['wkd']).start();
    try {
      host.answers.set(wkdHash('rsa2048'), { kind: 'bytes', bytes: armored('rsa2048') });
      const origins = { advanced: () => host.url, direct: () => 'http://localhost:1' };
      const report = await lookUpKey({ email: 'rsa2048@dev.example' }, { wkd: true }, { wkdOrigins: origins });
      assert.deepEqual(report.attempts.map((a) => [a.source, a.code, a.bytesRead]), [['wkd-advanced', 'lookup-unreachable', 0], ['wkd-direct', 'lookup-unreachable', 0]]);
      assert.match(report.attempts[0].message, /is this machine, named by data, not by the user; refused/);
      assert.equal(host.requests.length, 0);
    } finally {
      await host.stop();
    }
    const named = await lookUpKey({ fingerprint: fpr('rsa2048') }, { keyservers: [server.url] });
    assert.equal(named.attempts[0].code, 'lookup-found');
  });

  test('no network unless a keyserver or WKD is named: a KEYS-file look-up makes no request', async () => {
    const dir = tempDir();
    const keysFile = path.join(dir, 'KEYS');
    fs.writeFileSync(keysFile, armored('rsa2048'));
    const counting = countingTransport();
    const report = await lookUpKey({ fingerprint: fpr('rsa2048') }, { keysFiles: [keysFile] }, { transport: counting.transport });
    assert.deepEqual(report.attempts.map((a) => [a.source, a.code]), [['keys-file', 'lookup-found']]);
    assert.match(report.attempts[0].message, /information only/);
    assert.equal(counting.urls.length, 0);
  });
});

describe('importing a found key into a keyring the user names', () => {
  test('new binary keyring, then the same key again (unchanged), then an armored keyring keeps its form', async () => {
    const dir = tempDir();
    const key = (await loadKeyringFile(path.join(signedKeys, 'rsa2048.pub.gpg'))).ok;
    const ring = await loadKeyringFile(path.join(signedKeys, 'rsa2048.pub.gpg'));
    assert.ok(ring.ok && key);
    const target = path.join(dir, 'pubring.gpg');
    const first = await importIntoKeyring(target, ring.value.keys[0]);
    assert.ok(first.ok);
    assert.equal(first.value.change, 'new');
    const again = await importIntoKeyring(target, ring.value.keys[0]);
    assert.ok(again.ok && again.value.change === 'unchanged');
    const reread = await loadKeyringFile(target);
    assert.ok(reread.ok);
    assert.equal(reread.value.format, 'binary');
    assert.deepEqual(reread.value.keys.map((k) => k.info.fingerprint), [fpr('rsa2048')]);

    const armoredRing = path.join(dir, 'mine.asc');
    fs.writeFileSync(armoredRing, armored('ed25519'));
    const merged = await importIntoKeyring(armoredRing, ring.value.keys[0]);
    assert.ok(merged.ok && merged.value.change === 'new');
    const both = await loadKeyringFile(armoredRing);
    assert.ok(both.ok);
    assert.equal(both.value.format, 'armored');
    assert.deepEqual(both.value.keys.map((k) => k.info.fingerprint).sort(), [fpr('ed25519'), fpr('rsa2048')].sort());
  });

  test('a newer copy (another user id) is merged into the old one, as gpg --import does', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'pubring.gpg');
    const full = await openpgp.readKey({ armoredKey: armored('twouid') });
    // The old copy: only the first user id and its signature.
    const packets = full.toPacketList();
    const old = new openpgp.PacketList<openpgp.AnyPacket>();
    let userIds = 0;
    for (const p of packets) {
      if (p instanceof openpgp.UserIDPacket) userIds++;
      if (userIds <= 1) old.push(p);
    }
    fs.writeFileSync(target, old.write());
    const before = await loadKeyringFile(target);
    assert.ok(before.ok && before.value.keys[0].info.userIds.length === 1);
    const ring = await loadKeyringFile(path.join(signedKeys, 'twouid.pub.gpg'));
    assert.ok(ring.ok);
    const result = await importIntoKeyring(target, ring.value.keys[0]);
    assert.ok(result.ok && result.value.change === 'updated');
    const afterRing = await loadKeyringFile(target);
    assert.ok(afterRing.ok);
    assert.equal(afterRing.value.keys.length, 1);
    assert.equal(afterRing.value.keys[0].info.userIds.length, 2);
  });

  test('an empty keyring file is a new keyring', async () => {
    const target = path.join(tempDir(), 'pubring.gpg');
    fs.writeFileSync(target, new Uint8Array());
    const ring = await loadKeyringFile(path.join(signedKeys, 'rsa2048.pub.gpg'));
    assert.ok(ring.ok);
    const result = await importIntoKeyring(target, ring.value.keys[0]);
    assert.ok(result.ok && result.value.change === 'new', JSON.stringify(!result.ok && result.error));
  });

  test('a keybox or a KEYS file is not rewritten', async () => {
    const dir = tempDir();
    const ring = await loadKeyringFile(path.join(signedKeys, 'rsa2048.pub.gpg'));
    assert.ok(ring.ok);
    const kbx = path.join(dir, 'pubring.kbx');
    fs.copyFileSync(path.join(signedKeys, '..', 'keyrings', 'pubring.kbx'), kbx);
    const before = fs.readFileSync(kbx);
    const refused = await importIntoKeyring(kbx, ring.value.keys[0]);
    assert.ok(!refused.ok);
    assert.match(refused.error.message, /keybox/);
    assert.ok(fs.readFileSync(kbx).equals(before));
    const keysFile = path.join(dir, 'KEYS');
    fs.writeFileSync(keysFile, armored('ed25519'));
    const notKeys = await importIntoKeyring(keysFile, ring.value.keys[0]);
    assert.ok(!notKeys.ok);
    assert.match(notKeys.error.message, /KEYS file/);
    assert.equal(fs.readFileSync(keysFile, 'utf8'), armored('ed25519'));
  });
});
