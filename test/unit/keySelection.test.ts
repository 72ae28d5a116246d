// The key whose policy is judged is the key whose material verified the signature; revocations count
// from every source; one key packet is never two people's; absurd keys cost nothing. Every key and
// signature is made here with openpgp.js and spliced as raw packets, as an attacker would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as openpgp from 'openpgp';
import { parseKeyring } from '../../server/src/provenance/keyring';
import { keyView } from '../../server/src/provenance/keyView';
import type { LoadedKey } from '../../server/src/provenance/keyTypes';
import { parseProvenance } from '../../server/src/provenance/provDocument';
import { checkSignature, judgeSignatures, cleartextCheck } from '../../server/src/provenance/signatureCheck';
import { resetWork, workDone } from '../../server/src/provenance/work';
import { armor, cleartext, packet, signatureBytes, signPacket, SIGNATURE_TAG } from '../hostile/support/pgp';
import { generateKey, splitPackets, Tag } from '../hostile/support/keys';

const DAY = 86_400_000;
/** Signature subpacket types (RFC 9580 §5.2.3.7): openpgp.js's typings omit the enum. */
const ISSUER_KEY_ID = 16;
const ISSUER_FINGERPRINT = 33;
const TEXT = 'apiVersion: v2\nname: demo\nversion: 0.1.0\n\n...\nfiles:\n  demo-0.1.0.tgz: sha256:' + '0'.repeat(64) + '\n';

function fingerprintBytes(key: openpgp.Key | openpgp.Subkey): Uint8Array {
  return Buffer.from(key.getFingerprint(), 'hex');
}

/** Re-writes a signature's unhashed area (what anyone can do without the private key). */
async function withUnhashedIssuer(sig: openpgp.SignaturePacket, fingerprint: Uint8Array, keyId: openpgp.KeyID): Promise<openpgp.SignaturePacket> {
  const reread = (await openpgp.readSignature({ binarySignature: signatureBytes(sig) })).packets[0] as openpgp.SignaturePacket;
  const raw = reread as unknown as { unhashedSubpackets: { type: number; critical: boolean; body: Uint8Array }[] };
  // The fingerprint first: openpgp.js then takes the key id from the later subpacket, as the red team's forgery had it.
  raw.unhashedSubpackets = [
    { type: ISSUER_FINGERPRINT, critical: false, body: Uint8Array.of(4, ...fingerprint) },
    { type: ISSUER_KEY_ID, critical: false, body: Buffer.from(keyId.toHex(), 'hex') },
  ];
  return (await openpgp.readSignature({ binarySignature: signatureBytes(reread) })).packets[0] as openpgp.SignaturePacket;
}

function prov(sig: openpgp.SignaturePacket): ReturnType<typeof parseProvenance> {
  return parseProvenance(cleartext(TEXT, armor('SIGNATURE', signatureBytes(sig))));
}

async function keysOf(...files: { name: string; bytes: Uint8Array }[]): Promise<LoadedKey[]> {
  const rings = [];
  for (const f of files) rings.push(await parseKeyring(f.bytes, f.name));
  return keyView(rings, new Date());
}

function armoredFile(name: string, ...blocks: string[]): { name: string; bytes: Uint8Array } {
  return { name, bytes: Buffer.from(blocks.join('\n')) };
}

/** A key whose primary may sign, with a signing subkey created `age` ago that expired (or was revoked) since. */
async function keyWithOldSubkey(): Promise<openpgp.PrivateKey> {
  const { privateKey } = await openpgp.generateKey({
    type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'Maintainer', email: 'm@example.org' }],
    subkeys: [{ sign: true, keyExpirationTime: 3600 }], date: new Date(Date.now() - 10 * DAY), format: 'object',
  });
  return privateKey;
}

test('issuer confusion: an expired subkey\'s signature naming the valid primary in its unhashed area is key-expired, not verified', async () => {
  const key = await keyWithOldSubkey();
  const subkey = key.subkeys[0];
  const made = await signPacket(TEXT, subkey.keyPacket as openpgp.SecretSubkeyPacket, key.keyPacket as openpgp.SecretKeyPacket, { date: new Date(Date.now() - 10 * DAY + 60_000) });
  const forged = await withUnhashedIssuer(made, fingerprintBytes(key), subkey.getKeyID());
  assert.equal(forged.issuerFingerprint && Buffer.from(forged.issuerFingerprint).toString('hex'), key.getFingerprint(), 'openpgp.js reads the rewritten hint');
  const keys = await keysOf(armoredFile('pub.asc', key.toPublic().armor()));
  const check = await checkSignature(prov(forged), keys, new Date());
  assert.equal(check.code, 'key-expired', check.message);
  assert.equal(check.signer?.signingKey, subkey.getFingerprint().toUpperCase(), 'the part that verified is the one judged');
});

test('issuer confusion: every unhashed hint pointing at the valid primary still cannot make the expired subkey verify', async () => {
  const key = await keyWithOldSubkey();
  const subkey = key.subkeys[0];
  const made = await signPacket(TEXT, subkey.keyPacket as openpgp.SecretSubkeyPacket, key.keyPacket as openpgp.SecretKeyPacket, { date: new Date(Date.now() - 10 * DAY + 60_000) });
  const forged = await withUnhashedIssuer(made, fingerprintBytes(key), key.getKeyID());
  const keys = await keysOf(armoredFile('pub.asc', key.toPublic().armor()));
  const check = await checkSignature(prov(forged), keys, new Date());
  assert.notEqual(check.code, 'verified', check.message);
});

test('issuer confusion on a soft-revoked ("no longer used") subkey is key-revoked', async () => {
  const { privateKey } = await openpgp.generateKey({
    type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'Maintainer', email: 'm@example.org' }],
    subkeys: [{ sign: true }], date: new Date(Date.now() - 10 * DAY), format: 'object',
  });
  const subkey = privateKey.subkeys[0];
  const made = await signPacket(TEXT, subkey.keyPacket as openpgp.SecretSubkeyPacket, privateKey.keyPacket as openpgp.SecretKeyPacket, { date: new Date(Date.now() - 5 * DAY) });
  const revoked = await subkey.revoke(privateKey.keyPacket as openpgp.SecretKeyPacket, { flag: openpgp.enums.reasonForRevocation.keyRetired, string: 'no longer used' }, new Date(Date.now() - DAY));
  const packets = privateKey.toPublic().toPacketList();
  const withRevocation = new openpgp.PublicKey(packets);
  withRevocation.subkeys[0].revocationSignatures.push(...revoked.revocationSignatures);
  const forged = await withUnhashedIssuer(made, fingerprintBytes(privateKey), subkey.getKeyID());
  const keys = await keysOf(armoredFile('pub.asc', withRevocation.armor()));
  const check = await checkSignature(prov(forged), keys, new Date());
  assert.equal(check.code, 'key-revoked', check.message);
  assert.match(check.message, /signing subkey/);
});

async function signedByFreshKey(): Promise<{ key: openpgp.PrivateKey; revocation: string; sig: openpgp.SignaturePacket }> {
  const { privateKey, revocationCertificate } = await openpgp.generateKey({
    type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'Maintainer', email: 'm@example.org' }], date: new Date(Date.now() - 10 * DAY), format: 'object',
  });
  const sig = await signPacket(TEXT, privateKey.keyPacket as openpgp.SecretKeyPacket, privateKey.keyPacket as openpgp.SecretKeyPacket, { date: new Date(Date.now() - DAY) });
  return { key: privateKey, revocation: revocationCertificate, sig };
}

test('a GnuPG revocation certificate appended as its own armored block revokes the key', async () => {
  const { key, revocation, sig } = await signedByFreshKey();
  const before = await checkSignature(prov(sig), await keysOf(armoredFile('pub.asc', key.toPublic().armor())), new Date());
  assert.equal(before.code, 'verified', before.message);
  const keys = await keysOf(armoredFile('pub.asc', key.toPublic().armor(), revocation));
  const check = await checkSignature(prov(sig), keys, new Date());
  assert.equal(check.code, 'key-revoked', check.message);
});

test('a key revocation appended after the user id in a binary keyring revokes the key', async () => {
  const { key, revocation, sig } = await signedByFreshKey();
  const revocationPacket = (await openpgp.readSignature({ armoredSignature: revocation.replace(/PUBLIC KEY BLOCK/g, 'SIGNATURE') })).packets[0] as openpgp.SignaturePacket;
  const binary = Buffer.concat([Buffer.from(key.toPublic().write()), packet(SIGNATURE_TAG, revocationPacket.write())]);
  assert.equal(splitPackets(binary).at(-2)?.tag, Tag.signature, 'the revocation follows the user id\'s self-signature');
  const keys = await keysOf({ name: 'pubring.gpg', bytes: binary });
  const check = await checkSignature(prov(sig), keys, new Date());
  assert.equal(check.code, 'key-revoked', check.message);
});

test('two keyrings: the revoked copy wins whichever keyring comes first, and so does a revocation certificate kept in its own file', async () => {
  const { key, revocation, sig } = await signedByFreshKey();
  const plain = armoredFile('old.asc', key.toPublic().armor());
  const revokedKeys = await keysOf(armoredFile('revoked.asc', key.toPublic().armor(), revocation));
  const revokedCopy = armoredFile('revoked.asc', revokedKeys[0].key.armor());
  for (const order of [[plain, revokedCopy], [revokedCopy, plain], [plain, armoredFile('cert.asc', revocation)]]) {
    const check = await checkSignature(prov(sig), await keysOf(...order), new Date());
    assert.equal(check.code, 'key-revoked', `${order.map((f) => f.name).join(' then ')}: ${check.message}`);
  }
});

test('a forged revocation certificate (made by another key) revokes nothing', async () => {
  const { key, sig } = await signedByFreshKey();
  const other = await signedByFreshKey();
  const keys = await keysOf(armoredFile('pub.asc', key.toPublic().armor(), other.revocation));
  assert.equal((await checkSignature(prov(sig), keys, new Date())).code, 'verified');
});

/** The attacker's key with the victim's primary key packet bound to it as a subkey (no back-signature). */
async function attackerClaiming(victim: openpgp.PrivateKey, flags: number): Promise<Uint8Array> {
  const attacker = await generateKey('Attacker', 'attacker@example.org');
  const victimAsSubkey = new openpgp.PublicSubkeyPacket();
  victimAsSubkey.read(victim.toPublic().keyPacket.write());
  const binding = new openpgp.SignaturePacket();
  binding.signatureType = openpgp.enums.signature.subkeyBinding;
  binding.publicKeyAlgorithm = attacker.keyPacket.algorithm;
  binding.hashAlgorithm = openpgp.enums.hash.sha512;
  binding.keyFlags = Uint8Array.of(flags);
  const sign = binding.sign as unknown as (k: openpgp.SecretKeyPacket, data: object, date: Date, detached: boolean, config: openpgp.Config) => Promise<void>;
  await sign.call(binding, attacker.keyPacket as openpgp.SecretKeyPacket, { key: attacker.keyPacket, bind: victimAsSubkey }, new Date(Date.now() - 60_000), false, openpgp.config);
  return Buffer.concat([Buffer.from(attacker.toPublic().write()), packet(Tag.publicSubkey, victimAsSubkey.write()), packet(SIGNATURE_TAG, binding.write())]);
}

test('a key that lists the victim\'s primary as its own subkey cannot take over the victim\'s signature', async () => {
  const { key: victim, sig } = await signedByFreshKey();
  for (const flags of [openpgp.enums.keyFlags.encryptCommunication, openpgp.enums.keyFlags.signData]) {
    const attacker = await attackerClaiming(victim, flags);
    for (const order of ['attacker first', 'victim first']) {
      const files = [{ name: 'attacker.gpg', bytes: attacker }, { name: 'victim.gpg', bytes: victim.toPublic().write() }];
      const keys = await keysOf(...(order === 'attacker first' ? files : files.reverse()));
      const check = await checkSignature(prov(sig), keys, new Date());
      assert.equal(check.code, 'verified', `${order}, flags ${flags}: ${check.message}`);
      assert.equal(check.signer?.fingerprint, victim.getFingerprint().toUpperCase());
      assert.doesNotMatch(check.message, /Attacker/);
    }
    // Without the victim's own key, the attacker's unproven claim names nobody.
    const alone = await checkSignature(prov(sig), await keysOf({ name: 'attacker.gpg', bytes: attacker }), new Date());
    assert.equal(alone.code, 'wrong-key-usage', alone.message);
    assert.equal(alone.signer, undefined);
    assert.doesNotMatch(alone.message, /Attacker/);
  }
});

/** A v4 RSA key packet with the given modulus and exponent sizes, a user id and a self-signature that cannot verify. */
function absurdRsaKey(modulusBits: number, exponentBits: number): Buffer {
  const mpi = (bits: number) => {
    const bytes = Buffer.alloc(Math.ceil(bits / 8), 0x5a);
    bytes[0] = 0x80 | (bytes[0] >> 1);
    bytes[bytes.length - 1] |= 1;
    return Buffer.concat([Buffer.of(bits >> 8, bits & 0xff), bytes]);
  };
  const created = Buffer.alloc(4);
  created.writeUInt32BE(Math.floor(Date.now() / 1000) - 3600);
  const body = Buffer.concat([Buffer.of(4), created, Buffer.of(1), mpi(modulusBits), mpi(exponentBits)]);
  const hashed = Buffer.concat([Buffer.of(5, 2), created]);
  const sig = Buffer.concat([Buffer.of(4, 0x13, 1, openpgp.enums.hash.sha224, 0, hashed.length), hashed, Buffer.of(0, 0, 0xab, 0xcd), mpi(modulusBits)]);
  return Buffer.concat([packet(Tag.publicKey, body), packet(Tag.userId, Buffer.from('Absurd <absurd@example.org>')), packet(SIGNATURE_TAG, sig)]);
}

test('a key with absurd RSA parameters is refused before any signature check, and the real signer beside it still verifies', async () => {
  const { key, sig } = await signedByFreshKey();
  for (const [modulus, exponent] of [[16384, 16384], [4096, 2048], [16400, 17], [16392, 17]]) {
    resetWork();
    const ring = await parseKeyring(Buffer.concat([absurdRsaKey(modulus, exponent), Buffer.from(key.toPublic().write())]), 'pubring.gpg');
    assert.equal(ring.keys.length, 1, `${modulus}/${exponent}: only the real key is loaded`);
    // openpgp.js itself cannot read some oversized moduli (keys-malformed); either way the key is refused.
    const refused = ring.problems.find((p) => p.code === 'keys-weak' || (modulus > 16384 && p.code === 'keys-malformed'));
    assert.ok(refused, `${modulus}/${exponent}: ${JSON.stringify(ring.problems)}`);
    if (refused.code === 'keys-weak') assert.match(refused.message, modulus > 16384 ? /16384/ : /exponent/);
    // The real key's self-signature is the only check made.
    assert.ok((workDone()['signature-units'] ?? 0) <= 2, JSON.stringify(workDone()));
    assert.equal((await checkSignature(prov(sig), ring.keys, new Date())).code, 'verified');
  }
});

test('a flood of copies of one signature is refused without checking any of them', async () => {
  const { key, sig } = await signedByFreshKey();
  const keys = await keysOf(armoredFile('pub.asc', key.toPublic().armor()));
  const one = signatureBytes(sig);
  resetWork();
  const check = await judgeSignatures({
    armoredOrBinary: Buffer.concat(Array.from({ length: 3000 }, () => one)), keys, now: new Date(),
    classes: [openpgp.enums.signature.text], crypto: cleartextCheck(TEXT),
  });
  assert.equal(check.code, 'malformed', check.message);
  assert.match(check.message, /3000 signatures/);
  assert.equal(workDone()['signature-units'] ?? 0, 0);
});

test('a tampered text with a genuine signature is signature-invalid, naming the key id, not a user id', async () => {
  const { key, sig } = await signedByFreshKey();
  const keys = await keysOf(armoredFile('pub.asc', key.toPublic().armor()));
  const doc = parseProvenance(cleartext(TEXT.replace('0.1.0', '0.1.1'), armor('SIGNATURE', signatureBytes(sig))));
  const check = await checkSignature(doc, keys, new Date());
  assert.equal(check.code, 'signature-invalid', check.message);
  assert.equal(check.signer, undefined);
});
