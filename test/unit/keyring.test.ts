import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import * as openpgp from 'openpgp';
import { readKeybox } from '../../server/src/provenance/keybox';
import { KeyBudget } from '../../server/src/provenance/keyLoader';
import { KeyLimits, readPacket, splitKeyring } from '../../server/src/provenance/keyPackets';
import { defaultKeyringPaths, findKeys, loadKeyringFile, MAX_KEYRING_BYTES, parseKeyring } from '../../server/src/provenance/keyring';
import type { Keyring, LoadedKey } from '../../server/src/provenance/keyTypes';
import { colonPrimaryFingerprints } from '../support/gpgColons';
import { fixtures, GpgHome, signedKeyrings, signedKeys, tempDir } from '../support/tools';

const now = new Date();
const keyNames = ['rsa2048', 'rsa4096', 'ed25519', 'nistp256', 'nistp384', 'brainpool', 'rsa1024', 'dsa', 'locked', 'subkey', 'twouid', 'expired', 'revoked'];

function fpr(name: string): string {
  return fs.readFileSync(path.join(signedKeys, `${name}.fpr`), 'utf8').trim();
}

async function load(file: string): Promise<Keyring> {
  const ring = await loadKeyringFile(file, now);
  assert.ok(ring.ok, `${file}: ${!ring.ok && ring.error.message}`);
  return ring.value;
}

async function keyOf(name: string): Promise<LoadedKey> {
  const ring = await load(path.join(signedKeys, `${name}.pub.gpg`));
  assert.equal(ring.keys.length, 1);
  return ring.keys[0];
}

const fingerprints = (ring: Keyring): string[] => ring.keys.map((k) => k.info.fingerprint).sort();

/** Writes packets with their headers, as a keyring file holds them. */
function packetBytes(...packets: openpgp.AnyPacket[]): Uint8Array {
  const list = new openpgp.PacketList<openpgp.AnyPacket>();
  list.push(...packets);
  return list.write();
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

async function generate(name: string, subkeys: openpgp.SubkeyOptions[] = []): Promise<openpgp.PrivateKey> {
  const { privateKey } = await openpgp.generateKey({ userIDs: [{ name, email: `${name.toLowerCase()}@dev.example` }], type: 'curve25519', subkeys, format: 'object' });
  return privateKey;
}

/** A fresh subkey binding by `key`'s primary, with the given flags and (optionally) an embedded back-signature. */
async function binding(key: openpgp.PrivateKey, subkey: openpgp.Subkey, flags: number, embedded?: openpgp.SignaturePacket): Promise<openpgp.SignaturePacket> {
  const signature = new openpgp.SignaturePacket();
  signature.signatureType = openpgp.enums.signature.subkeyBinding;
  signature.publicKeyAlgorithm = key.keyPacket.algorithm;
  signature.hashAlgorithm = openpgp.enums.hash.sha256;
  signature.keyFlags = new Uint8Array([flags]);
  if (embedded) signature.embeddedSignature = embedded;
  // openpgp.js's typings omit what sign() really takes here: the data as an object, and a config.
  type Sign = (key: openpgp.SecretKeyPacket, data: object, date: Date, detached: boolean, config: openpgp.Config) => Promise<void>;
  await (signature.sign as unknown as Sign).call(signature, key.keyPacket as openpgp.SecretKeyPacket, { key: key.keyPacket, bind: subkey.keyPacket }, new Date(), false, openpgp.config);
  return signature;
}

test('the same keys come out of pubring.gpg, pubring.asc, pubring.kbx and KEYS', async () => {
  const expected = keyNames.map(fpr).sort();
  const formats: Record<string, string> = { 'pubring.gpg': 'binary', 'pubring.asc': 'armored', 'pubring.kbx': 'keybox', KEYS: 'keys-file' };
  for (const [file, format] of Object.entries(formats)) {
    const ring = await load(path.join(signedKeyrings, file));
    assert.equal(ring.format, format, file);
    assert.deepEqual(fingerprints(ring), expected, file);
    assert.deepEqual(ring.problems.filter((p) => p.severity === 'error'), [], file);
  }
});

test('every keys/<id>.fpr matches its .pub.gpg and .pub.asc, and its .sec.gpg loads as a secret key', async () => {
  for (const name of [...keyNames, 'stranger']) {
    for (const ext of ['pub.gpg', 'pub.asc', 'sec.gpg']) {
      const ring = await load(path.join(signedKeys, `${name}.${ext}`));
      assert.deepEqual(fingerprints(ring), [fpr(name)], `${name}.${ext}`);
      assert.equal(ring.keys[0].info.secret, ext === 'sec.gpg', `${name}.${ext}`);
      assert.equal(ring.keys[0].key.isPrivate(), ext === 'sec.gpg', `${name}.${ext}`);
    }
  }
});

test('keys are described from their own material: algorithm, size, ids, key id', async () => {
  const rsa = (await keyOf('rsa4096')).info;
  assert.equal(rsa.algorithm, 'rsa');
  assert.equal(rsa.bits, 4096);
  assert.equal(rsa.keyId, rsa.fingerprint.slice(-16));
  assert.match(rsa.fingerprint, /^[0-9A-F]{40}$/);
  assert.deepEqual(rsa.userIds, ['dev Big Rsa <rsa4096@dev.example>']);
  assert.equal(rsa.primaryUserId, 'dev Big Rsa <rsa4096@dev.example>');
  assert.equal(rsa.weakness, undefined);
  assert.equal(rsa.expires, undefined);
  assert.equal(rsa.revoked, false);
  assert.deepEqual(rsa.signingParts.map((p) => p.fingerprint), [rsa.fingerprint]);
  const curves: Record<string, [string, number]> = { ed25519: ['ed25519', 255], nistp256: ['nistp256', 256], nistp384: ['nistp384', 384], brainpool: ['brainpoolP256r1', 256] };
  for (const [name, [algorithm, bits]] of Object.entries(curves)) {
    const info = (await keyOf(name)).info;
    assert.equal(info.algorithm, algorithm, name);
    assert.equal(info.bits, bits, name);
    assert.equal(info.weakness, undefined, name);
  }
  assert.deepEqual([...(await keyOf('twouid')).info.userIds].sort(), ['dev Second Name <second@dev.example>', 'dev Two Names <first@dev.example>']);
});

test('v6 keys (RFC 9580) load with their 64-hex fingerprint, public and secret', async () => {
  const { privateKey } = await openpgp.generateKey({ userIDs: [{ name: 'Six', email: 'six@dev.example' }], type: 'curve25519', subkeys: [{ sign: true }], config: { v6Keys: true }, format: 'object' });
  for (const key of [privateKey, privateKey.toPublic()]) {
    const ring = await parseKeyring(key.write(), 'v6.gpg', now);
    assert.deepEqual(ring.problems, []);
    const info = ring.keys[0].info;
    assert.equal(info.fingerprint, key.getFingerprint().toUpperCase());
    assert.equal(info.fingerprint.length, 64);
    assert.equal(info.keyId, info.fingerprint.slice(0, 16), 'a v6 key id is the start of its fingerprint');
    assert.equal(info.secret, key.isPrivate());
    assert.equal(info.signingParts.length, 2);
  }
});

test('expired, revoked and weak keys are described as such (weak ones despite openpgp.js refusing them)', async () => {
  const expired = (await keyOf('expired')).info;
  assert.equal(expired.expires?.toISOString().slice(0, 10), '2020-01-02');
  assert.equal(expired.revoked, false);
  const revoked = (await keyOf('revoked')).info;
  assert.equal(revoked.revoked, true);
  assert.equal(revoked.expires, undefined);
  assert.equal(expired.signingParts.length, 1, 'an expired key still shows which part signed; verify judges the expiry');
  const rsa1024 = (await keyOf('rsa1024')).info;
  assert.equal(rsa1024.bits, 1024);
  assert.match(rsa1024.weakness ?? '', /RSA key of 1024 bits/);
  assert.equal(rsa1024.userIds.length, 1, 'weak keys still have their self-signed user id');
  const dsa = (await keyOf('dsa')).info;
  assert.equal(dsa.algorithm, 'dsa');
  assert.match(dsa.weakness ?? '', /DSA/);
  assert.equal(dsa.signingParts.length, 1, 'a DSA key is described as able to sign: verify decides it is weak');
  for (const name of ['rsa2048', 'ed25519', 'locked']) {
    const info = (await keyOf(name)).info;
    assert.equal(info.weakness, undefined, name);
    assert.equal(info.revoked, false, name);
    assert.equal(info.expires, undefined, name);
  }
});

test('the subkey key signs only with its ed25519 subkey: the primary may only certify', async () => {
  const info = (await keyOf('subkey')).info;
  assert.equal(info.algorithm, 'rsa');
  assert.equal(info.canSign, false);
  assert.equal(info.subkeys.length, 1);
  assert.equal(info.subkeys[0].algorithm, 'ed25519');
  assert.equal(info.subkeys[0].canSign, true);
  assert.deepEqual(info.signingParts.map((p) => p.fingerprint), [info.subkeys[0].fingerprint]);
  assert.notEqual(info.subkeys[0].fingerprint, info.fingerprint);
});

test('Helm keybox test data: each .kbx holds the same keys as its .asc', async () => {
  const dir = path.join(fixtures, 'helm-testdata', 'pr-32281-keybox');
  for (const base of ['helm-test-key', 'helm-mixed-keyring']) {
    const kbx = await load(path.join(dir, `${base}.kbx`));
    const asc = await load(path.join(dir, `${base}.asc`));
    assert.equal(kbx.format, 'keybox');
    assert.ok(kbx.keys.length > 0);
    assert.deepEqual(fingerprints(kbx), fingerprints(asc), base);
    assert.deepEqual(kbx.keys.map((k) => k.info.userIds), asc.keys.map((k) => k.info.userIds), base);
  }
});

test("Helm's mixed keyring: an RSA key and an ed25519 key expiring 2028-09-18", async () => {
  const ring = await load(path.join(fixtures, 'helm-testdata', 'helm-mixed-keyring.pub'));
  assert.equal(ring.format, 'binary');
  assert.deepEqual(ring.keys.map((k) => k.info.algorithm), ['rsa', 'ed25519']);
  assert.equal(ring.keys[0].info.fingerprint, '5E615389B53CA37F0EE60BD3843BBF981FC18762');
  assert.equal(ring.keys[1].info.expires?.toISOString().slice(0, 10), '2028-09-18');
  const secret = await load(path.join(fixtures, 'helm-testdata', 'helm-password-key.secret'));
  assert.equal(secret.keys[0].info.secret, true, 'old CAST5-protected secret key');
});

test('keybox fingerprints equal what gpg lists from the same keybox', async () => {
  const gpg = new GpgHome();
  try {
    fs.copyFileSync(path.join(signedKeyrings, 'pubring.kbx'), path.join(gpg.dir, 'pubring.kbx'));
    const listed = gpg.run(['--with-colons', '--list-keys']);
    assert.equal(listed.status, 0, listed.stderr);
    const gpgFingerprints = colonPrimaryFingerprints(listed.stdout);
    assert.equal(gpgFingerprints.length, keyNames.length);
    assert.deepEqual(fingerprints(await load(path.join(signedKeyrings, 'pubring.kbx'))), gpgFingerprints);
  } finally {
    gpg.dispose();
  }
});

test('a corrupted block in the middle of an armored keyring is reported at its line; the others load', async () => {
  const lines = fs.readFileSync(path.join(signedKeyrings, 'pubring.asc'), 'utf8').split('\n');
  const begins = lines.flatMap((l, i) => (l.startsWith('-----BEGIN') ? [i] : []));
  const broken = begins[4] + 3; // a base64 line of the fifth block
  lines[broken] = lines[broken].slice(0, 10) + (lines[broken][10] === 'A' ? 'B' : 'A') + lines[broken].slice(11);
  const ring = await parseKeyring(Buffer.from(lines.join('\n')), 'pubring.asc', now);
  assert.equal(ring.keys.length, keyNames.length - 1);
  const malformed = ring.problems.filter((p) => p.code === 'keys-malformed');
  assert.equal(malformed.length, 1);
  assert.ok(malformed[0].range && malformed[0].range.start.line > begins[4] && malformed[0].range.start.line < begins[5], JSON.stringify(malformed[0]));
  assert.ok(!ring.keys.some((k) => k.info.fingerprint === fpr('nistp384')), 'the fifth key is the broken one');
});

test('a bad key in a binary keyring is reported and skipped; the keys after it still load', async () => {
  const parts = ['rsa2048', 'ed25519', 'nistp256'].map((n) => new Uint8Array(fs.readFileSync(path.join(signedKeys, `${n}.pub.gpg`))));
  const middle = parts[1].slice();
  const primary = readPacket(middle, 0);
  assert.ok(typeof primary !== 'string');
  middle[primary.bodyStart + 5] = 99; // unknown public-key algorithm in the primary key packet (v4: version, time, algorithm)
  const ring = await parseKeyring(concat(parts[0], middle, parts[2]), 'pubring.gpg', now);
  assert.deepEqual(ring.keys.map((k) => k.info.fingerprint), [fpr('rsa2048'), fpr('nistp256')]);
  assert.equal(ring.problems.length, 1);
  assert.equal(ring.problems[0].code, 'keys-malformed');

  const truncated = await parseKeyring(concat(parts[0], parts[2].subarray(0, parts[2].length - 10)), 'pubring.gpg', now);
  assert.deepEqual(truncated.keys.map((k) => k.info.fingerprint), [fpr('rsa2048')], 'a truncated last key is dropped, not half-read');
  assert.equal(truncated.problems[0].code, 'keys-malformed');
});

test('user ids count only with a valid self-signature: unsigned and grafted ids are left out', async () => {
  const key = await generate('Owner');
  const other = await generate('Victim');
  const list = key.toPublic().toPacketList();
  const ghost = openpgp.UserIDPacket.fromObject({ name: 'Ghost', email: 'ghost@dev.example' });
  const grafted = [other.users[0].userID!, other.users[0].selfCertifications[0]];
  const bytes = concat(packetBytes(...list), packetBytes(ghost, ...grafted));
  const ring = await parseKeyring(bytes, 'grafted.gpg', now);
  assert.equal(ring.keys.length, 1);
  assert.deepEqual(ring.keys[0].info.userIds, ['Owner <owner@dev.example>']);
  assert.equal(ring.keys[0].info.fingerprint, key.getFingerprint().toUpperCase(), 'the fingerprint comes from the key, not from a user id');
  assert.equal(findKeys([ring], 'Victim').ok, false, 'a grafted user id cannot be used to find the key');

  const noValidId = await parseKeyring(concat(packetBytes(key.toPublic().keyPacket), packetBytes(ghost)), 'ghost.gpg', now);
  assert.equal(noValidId.keys.length, 0);
  assert.equal(noValidId.problems[0].code, 'keys-malformed');
});

test('signing subkeys need a binding and a back-signature by themselves; only a bad subkey is ignored', async () => {
  const flags = openpgp.enums.keyFlags.signData;
  const key = await generate('Signer', [{ sign: true }, { sign: true }, { sign: true }]);
  const [good, noBackSig, wrongBackSig] = key.subkeys;
  const stray = (await generate('Stranger', [{ sign: true }])).subkeys[0];
  const packets: openpgp.AnyPacket[] = [key.keyPacket, key.users[0].userID!, ...key.users[0].selfCertifications];
  packets.push(good.keyPacket, ...good.bindingSignatures);
  packets.push(noBackSig.keyPacket, await binding(key, noBackSig, flags));
  // Back-signed, but by another subkey: whoever holds `good` cannot vouch for `wrongBackSig`.
  packets.push(wrongBackSig.keyPacket, await binding(key, wrongBackSig, flags, good.bindingSignatures[0].embeddedSignature!));
  packets.push(stray.keyPacket); // a subkey with no binding at all
  const ring = await parseKeyring(packetBytes(...packets), 'subkeys.gpg', now);
  assert.equal(ring.keys.length, 1);
  const info = ring.keys[0].info;
  const fp = (s: openpgp.Subkey) => s.getFingerprint().toUpperCase();
  assert.deepEqual(info.subkeys.map((s) => s.fingerprint), [fp(good), fp(noBackSig), fp(wrongBackSig)], 'the unbound subkey is not part of the key');
  assert.deepEqual(info.signingParts.map((p) => p.fingerprint), [info.fingerprint, fp(good)]);
  assert.equal(info.subkeys[1].canSign, true, 'its flags say sign; the missing back-signature is what disqualifies it');
});

test('a revoked signing subkey is marked revoked; a revoked user id is left out', async () => {
  const { privateKey: key } = await openpgp.generateKey({
    userIDs: [{ name: 'Kept', email: 'kept@dev.example' }, { name: 'Gone', email: 'gone@dev.example' }],
    type: 'curve25519', subkeys: [{ sign: true }], format: 'object',
  });
  const secretPrimary = key.keyPacket as openpgp.SecretKeyPacket;
  key.subkeys[0] = await key.subkeys[0].revoke(secretPrimary);
  key.users[1] = await key.users[1].revoke(secretPrimary);
  const info = (await parseKeyring(key.toPublic().write(), 'revoked-parts.gpg', now)).keys[0].info;
  assert.deepEqual(info.userIds, ['Kept <kept@dev.example>']);
  assert.equal(info.revoked, false);
  assert.equal(info.subkeys[0].revoked, true);
  assert.ok(info.signingParts.some((p) => p.fingerprint === info.subkeys[0].fingerprint && p.revoked), 'still listed, marked revoked, so verify can say key-revoked');
});

test('a key flooded with 100 000 signatures loads trimmed to its self-signatures, and says so', async () => {
  const victim = (await generate('Flooded')).toPublic();
  const certifier = await generate('Certifier');
  const certification = (await victim.signAllUsers([certifier])).users[0].otherCertifications[0];
  const [primary, userId, selfSignature] = victim.toPacketList();
  const flood = Buffer.from(packetBytes(certification));
  const selfBytes = packetBytes(selfSignature);
  const bytes = concat(packetBytes(primary, userId), Buffer.alloc(flood.length * 100_000).fill(flood), selfBytes);
  const ring = await parseKeyring(bytes, 'flooded.gpg', now);
  assert.equal(ring.keys.length, 1);
  assert.deepEqual(ring.keys[0].info.userIds, ['Flooded <flooded@dev.example>'], 'the self-signature after the flood still counts');
  assert.equal(ring.keys[0].key.users[0].otherCertifications.length, 0);
  assert.deepEqual(ring.problems.map((p) => p.code), ['keys-too-large']);
  assert.match(ring.problems[0].message, /100001 signatures/);

  const selfFlood = concat(packetBytes(primary, userId), Buffer.alloc(selfBytes.length * 50_000).fill(Buffer.from(selfBytes)));
  const trimmed = await parseKeyring(selfFlood, 'selfflood.gpg', now);
  assert.equal(trimmed.keys[0].key.users[0].selfCertifications.length, KeyLimits.selfSignaturesPerComponent);
  assert.equal(trimmed.keys[0].info.userIds.length, 1);
});

test('secret keyrings keep their secret keys; an armored secret keyring too', async () => {
  const ring = await load(path.join(signedKeys, 'subkey.sec.gpg'));
  assert.equal(ring.keys[0].info.secret, true);
  assert.deepEqual(ring.keys[0].info.signingParts.map((p) => p.algorithm), ['ed25519']);
  const key = await generate('Armored');
  const armored = await parseKeyring(Buffer.from(`exported by a test\n${key.armor()}`), 'secring.asc', now);
  assert.equal(armored.format, 'armored');
  assert.equal(armored.keys[0].info.secret, true);
  assert.deepEqual(armored.problems, []);
});

test('a copy of the same key twice in one keyring is merged into one key', async () => {
  const bytes = fs.readFileSync(path.join(signedKeys, 'ed25519.pub.gpg'));
  const ring = await parseKeyring(concat(bytes, bytes), 'twice.gpg', now);
  assert.deepEqual(fingerprints(ring), [fpr('ed25519')]);
});

test('files that are not OpenPGP keyrings are reported, never thrown on', async () => {
  const pem = await parseKeyring(Buffer.from('-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n'), 'key.pem', now);
  assert.deepEqual(pem.problems.map((p) => p.code), ['keys-no-openpgp']);
  const random = await parseKeyring(new Uint8Array([0x00, 0xff, 0x13, 0x37, 0x00]), 'random.bin', now);
  assert.deepEqual(random.keys, []);
  assert.equal(random.problems[0].code, 'keys-no-openpgp');
  const empty = await parseKeyring(new Uint8Array(0), 'empty', now);
  assert.deepEqual(empty.keys, []);
  const kbxHeaderOnly = fs.readFileSync(path.join(signedKeyrings, 'pubring.kbx')).subarray(0, 40);
  const cut = await parseKeyring(kbxHeaderOnly, 'cut.kbx', now);
  assert.equal(cut.format, 'keybox');
  assert.deepEqual(cut.keys, []);
  assert.ok(cut.problems.length > 0);
});

test('property: no single-byte change of a binary or armored keyring throws; an armored change costs at most one key', async () => {
  const binary = new Uint8Array(fs.readFileSync(path.join(signedKeyrings, 'pubring.gpg')));
  const armored = fs.readFileSync(path.join(signedKeyrings, 'pubring.asc'), 'latin1');
  await fc.assert(fc.asyncProperty(fc.nat(binary.length - 1), fc.integer({ min: 0, max: 255 }), async (at, value) => {
    const bytes = binary.slice();
    bytes[at] = value;
    const ring = await parseKeyring(bytes, 'fuzz.gpg', now);
    assert.ok(ring.keys.length <= keyNames.length);
  }), { numRuns: 30 });
  await fc.assert(fc.asyncProperty(fc.nat(armored.length - 1), fc.integer({ min: 32, max: 126 }), async (at, code) => {
    const text = armored.slice(0, at) + String.fromCharCode(code) + armored.slice(at + 1);
    const ring = await parseKeyring(Buffer.from(text, 'latin1'), 'fuzz.asc', now);
    assert.ok(ring.keys.length >= keyNames.length - 1, `changing offset ${at} lost more than one key`);
  }), { numRuns: 30 });
});

test('findKeys: by fingerprint, key id, subkey, user id substring; ambiguity and short ids are refused', async () => {
  const ring = await load(path.join(signedKeyrings, 'pubring.gpg'));
  const subkeyInfo = (await keyOf('subkey')).info;
  const found = (query: string): string => {
    const r = findKeys([ring], query);
    assert.ok(r.ok, `${query}: ${!r.ok && r.error.message}`);
    return r.value.info.fingerprint;
  };
  const spaced = fpr('rsa2048').toLowerCase().replace(/(.{4})/g, '$1 ');
  assert.equal(found(spaced), fpr('rsa2048'));
  assert.equal(found(`0x${fpr('ed25519').slice(-16)}`), fpr('ed25519'));
  assert.equal(found(subkeyInfo.subkeys[0].fingerprint), fpr('subkey'), 'a subkey fingerprint finds its key');
  assert.equal(found(subkeyInfo.subkeys[0].keyId.toLowerCase()), fpr('subkey'));
  assert.equal(found('Second Name'), fpr('twouid'));
  assert.equal(found('BP@DEV.EXAMPLE'), fpr('brainpool'), 'user ids match case-insensitively');
  assert.equal(found('dev Rsa Signer <rsa2048@dev.example>'), fpr('rsa2048'));
  const code = (query: string) => { const r = findKeys([ring], query); return r.ok ? 'ok' : r.error.code; };
  assert.equal(code('dev'), 'key-ambiguous');
  assert.equal(code('nobody@dev.example'), 'key-not-found');
  assert.equal(code(fpr('stranger')), 'key-not-found');
  assert.equal(code(fpr('rsa2048').slice(-8)), 'key-not-found', 'short key ids are refused');
  assert.equal(code(''), 'key-not-found');
  const ambiguous = findKeys([ring], 'Rsa');
  assert.ok(!ambiguous.ok && /95E98777AE4EA9D88D9EA5553B255F9CBB150E24/.test(ambiguous.error.message));
  // Found across keyrings, once: the same key in two keyrings is not ambiguous.
  const kbx = await load(path.join(signedKeyrings, 'pubring.kbx'));
  const twice = findKeys([ring, kbx], 'Edwards');
  assert.ok(twice.ok);
  assert.equal(findKeys(ring.keys, 'Edwards').ok, true, 'loose keys work as well as keyrings');
});

test('findKeys never lets a user id stand in for a fingerprint', async () => {
  const victim = fpr('rsa2048');
  const { privateKey } = await openpgp.generateKey({ userIDs: [{ name: `Mallory ${victim}` }], type: 'curve25519', format: 'object' });
  const mallory = await parseKeyring(privateKey.toPublic().write(), 'mallory.gpg', now);
  assert.equal(mallory.keys.length, 1);
  const r = findKeys([mallory], victim);
  assert.ok(!r.ok && r.error.code === 'key-not-found');
});

test('defaultKeyringPaths follows GnuPG and Helm: $GNUPGHOME, else ~/.gnupg; pubring.kbx then pubring.gpg', () => {
  assert.deepEqual(defaultKeyringPaths({ GNUPGHOME: '/g', HOME: '/h' }, 'linux'), ['/g/pubring.kbx', '/g/pubring.gpg']);
  assert.deepEqual(defaultKeyringPaths({ HOME: '/h' }, 'linux'), ['/h/.gnupg/pubring.kbx', '/h/.gnupg/pubring.gpg']);
  assert.deepEqual(defaultKeyringPaths({ GNUPGHOME: '', HOME: '/h' }, 'darwin'), ['/h/.gnupg/pubring.kbx', '/h/.gnupg/pubring.gpg']);
  assert.deepEqual(defaultKeyringPaths({ APPDATA: 'C:\\Users\\j\\AppData\\Roaming' }, 'win32'),
    ['C:\\Users\\j\\AppData\\Roaming\\gnupg\\pubring.kbx', 'C:\\Users\\j\\AppData\\Roaming\\gnupg\\pubring.gpg']);
});

test('loadKeyringFile: missing, not a file, and over the size cap are error values', async () => {
  const dir = tempDir();
  try {
    const missing = await loadKeyringFile(path.join(dir, 'nope.gpg'));
    assert.ok(!missing.ok && missing.error.code === 'io-error' && /does not exist/.test(missing.error.message));
    const directory = await loadKeyringFile(dir);
    assert.ok(!directory.ok && directory.error.code === 'io-error');
    const huge = path.join(dir, 'huge.gpg');
    fs.writeFileSync(huge, '');
    fs.truncateSync(huge, MAX_KEYRING_BYTES + 1); // sparse: takes no disk space
    const tooLarge = await loadKeyringFile(huge);
    assert.ok(!tooLarge.ok && tooLarge.error.code === 'keys-too-large');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('limits: a file reads at most its budget of keys and signatures, and says what it skipped', () => {
  const budget = new KeyBudget();
  assert.equal(budget.problem(), undefined);
  assert.equal(budget.take(KeyBudget.SIGNATURES_PER_FILE), true);
  assert.equal(budget.take(1), false, 'the signature budget is spent');
  assert.equal(budget.take(0), true, 'a key without kept signatures still fits');
  assert.equal(budget.problem()?.code, 'keys-too-large');

  const binary = new Uint8Array(fs.readFileSync(path.join(signedKeyrings, 'pubring.gpg')));
  const split = splitKeyring(binary, 3);
  assert.equal(split.blocks.length, 3);
  assert.equal(split.stoppedEarly, true);
  const keybox = readKeybox(new Uint8Array(fs.readFileSync(path.join(signedKeyrings, 'pubring.kbx'))), 2);
  assert.equal(keybox.keyblocks.length, 2);
  assert.equal(keybox.truncated, true);
});

test('keybox: a blob flagged ephemeral (0x0002) is skipped, as GnuPG and Helm skip it', () => {
  const original = Buffer.from(fs.readFileSync(path.join(signedKeyrings, 'pubring.kbx')));
  const keyblocks = readKeybox(original).keyblocks;
  // The blob holding the first keyblock: blobs follow one another, each starting with its length.
  let blob = 0;
  while (blob + original.readUInt32BE(blob) <= keyblocks[0].offset) blob += original.readUInt32BE(blob);
  const flagged = Buffer.from(original);
  flagged[blob + 7] |= 0x02;
  const read = readKeybox(flagged).keyblocks;
  assert.equal(read.length, keyblocks.length - 1);
  assert.ok(!read.some((k) => k.offset === keyblocks[0].offset));
});
