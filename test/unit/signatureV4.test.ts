// Signature packets read by signatureV4.ts and checked with node:crypto, against openpgp.js reading and
// checking the same bytes: every .prov of the fixtures with every keyring of the fixtures; signatures made
// here with generated RSA and EdDSA keys (classes, hashes, expiry, creation in the future, extra hashed
// and unhashed subpackets critical or not, expired and revoked keys, subkeys with and without a
// back-signature; EdDSA legacy, and Ed25519 which openpgp.js alone reads); and each of those with every byte of its signature packet edited. The two ways must
// give the same verdict (code, message, signer) every time, and every packet the own reader takes must
// hold the fields openpgp.js reads from it.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as openpgp from 'openpgp';
import { plainArmorBytes } from '../../server/src/provenance/armor';
import { loadKeyringFile, parseKeyring } from '../../server/src/provenance/keyring';
import type { LoadedKey } from '../../server/src/provenance/keyTypes';
import { parseProvenance } from '../../server/src/provenance/provDocument';
import { checkEddsaV4, type EddsaKeyMaterial } from '../../server/src/provenance/eddsaCheck';
import { checkRsaV4, rsaFastPath } from '../../server/src/provenance/rsaCheck';
import { ownPackets } from '../../server/src/provenance/packetFacts';
import { checkSignature, type SignatureCheck } from '../../server/src/provenance/signatureCheck';
import { cleartextBytes, readSignaturesV4, signedBytesV4, type SignatureV4 } from '../../server/src/provenance/signatureV4';
import { fixtures, repoRoot } from '../support/tools';

// openpgp.js types omit this public constructor.
const Cleartext = openpgp.CleartextMessage as unknown as new (text: string, signature: openpgp.Signature) => openpgp.CleartextMessage;

const sharedFixtures = path.resolve(repoRoot, '..', 'shared', 'fixtures');

function filesUnder(dir: string, matches: (name: string) => boolean): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && matches(e.name)).map((e) => path.join(e.parentPath, e.name));
}

/** Every .prov of both fixture folders with a readable signed message (signature checks start there), each text once. */
function corpus(): string[] {
  const texts = new Set<string>();
  for (const dir of [fixtures, sharedFixtures]) for (const file of filesUnder(dir, (n) => n.endsWith('.prov'))) texts.add(fs.readFileSync(file, 'utf8'));
  return [...texts].filter((text) => {
    const doc = parseProvenance(text);
    return doc.signature && doc.signedText !== undefined && !doc.problems.some((p) => p.severity === 'error');
  });
}

/** Every key of every keyring file of the fixtures that loads. */
async function corpusKeys(): Promise<LoadedKey[]> {
  const keys: LoadedKey[] = [];
  const isRing = (n: string) => /\.(gpg|kbx|asc|pub)$/.test(n) || n === 'KEYS';
  for (const file of filesUnder(fixtures, isRing)) {
    const ring = await loadKeyringFile(file);
    if (ring.ok) keys.push(...ring.value.keys);
  }
  return keys;
}

async function bothWays(prov: string, keys: LoadedKey[], now: Date): Promise<{ own: SignatureCheck; theirs: SignatureCheck }> {
  try {
    const own = await checkSignature(parseProvenance(prov), keys, now);
    ownPackets.enabled = false;
    rsaFastPath.enabled = false;
    const theirs = await checkSignature(parseProvenance(prov), keys, now);
    return { own, theirs };
  } finally {
    ownPackets.enabled = true;
    rsaFastPath.enabled = true;
  }
}

/** The fields of a packet as openpgp.js reads them, in signatureV4's terms. */
function theirFields(p: openpgp.SignaturePacket) {
  const raw = p as unknown as { signatureData: Uint8Array; signedHashValue: Uint8Array; params: Record<string, Uint8Array>; publicKeyAlgorithm: number; getExpirationTime(): Date | number };
  const expiry = raw.getExpirationTime();
  return {
    signatureType: p.signatureType, publicKeyAlgorithm: raw.publicKeyAlgorithm, hashAlgorithm: p.hashAlgorithm,
    created: p.created?.getTime(), expires: expiry instanceof Date ? expiry.getTime() : undefined,
    issuerKeyId: p.issuerKeyID.toHex().toUpperCase(),
    issuerFingerprint: p.issuerFingerprint ? Buffer.from(p.issuerFingerprint as Uint8Array).toString('hex').toUpperCase() : undefined,
    hashedPart: Buffer.from(raw.signatureData).toString('hex'), left16: Buffer.from(raw.signedHashValue).toString('hex'),
    mpis: Object.values(raw.params).map((v) => Buffer.from(v).toString('hex')),
  };
}

function ownFields(s: SignatureV4) {
  return {
    signatureType: s.signatureType, publicKeyAlgorithm: s.publicKeyAlgorithm, hashAlgorithm: s.hashAlgorithm,
    created: s.created.getTime(), expires: s.expires?.getTime(), issuerKeyId: s.issuerKeyId, issuerFingerprint: s.issuerFingerprint,
    hashedPart: Buffer.from(s.hashedPart).toString('hex'), left16: Buffer.from(s.left16).toString('hex'),
    mpis: s.mpis.map((m) => Buffer.from(m).toString('hex')),
  };
}

/** When the own reader takes `bytes`, openpgp.js must read the same packets; true when taken. */
async function sameReading(bytes: Uint8Array, what: string): Promise<boolean> {
  const own = readSignaturesV4(bytes);
  if (!own) return false;
  const theirs = (await openpgp.readSignature({ binarySignature: bytes })).packets.filterByTag(openpgp.enums.packet.signature) as unknown as openpgp.SignaturePacket[];
  assert.deepEqual(own.map(ownFields), Array.from(theirs, theirFields), what);
  return true;
}

function signatureBytes(prov: string): Uint8Array | undefined {
  const armored = parseProvenance(prov).signature?.armored;
  return armored ? plainArmorBytes(armored, 'SIGNATURE') : undefined;
}

function withSignature(prov: string, bytes: Uint8Array, hashName?: string): string {
  const start = prov.indexOf('-----BEGIN PGP SIGNATURE-----');
  const end = prov.indexOf('-----END PGP SIGNATURE-----') + '-----END PGP SIGNATURE-----'.length;
  const armor = openpgp.armor(openpgp.enums.armor.signature, bytes).replace(/\r/g, '').trimEnd();
  const edited = prov.slice(0, start) + armor + prov.slice(end);
  return hashName ? edited.replace(/^Hash: .*$/m, `Hash: ${hashName}`) : edited;
}

/** Each byte of the packet flipped in its low bit, and in its high bit (critical bits, length encodings). */
function byteEdits(bytes: Uint8Array): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at++) {
    for (const mask of [0x01, 0x80]) {
      const edited = Buffer.from(bytes);
      edited[at] ^= mask;
      out.push(edited);
    }
  }
  return out;
}

describe('signature packets read without openpgp.js', () => {
  test('the fixtures: the same verdict both ways, now, a year ago and in 2200; the same fields for every packet taken', async () => {
    const keys = await corpusKeys();
    assert.ok(keys.length >= 15, `${keys.length} keys in the fixtures' keyrings`);
    let compared = 0;
    let taken = 0;
    const codes = new Set<string>();
    for (const prov of corpus()) {
      const bytes = signatureBytes(prov);
      if (bytes && await sameReading(bytes, prov.slice(0, 200))) taken++;
      for (const now of [new Date(), new Date(Date.now() - 365 * 86_400_000), new Date('2200-01-01T00:00:00Z')]) {
        const { own, theirs } = await bothWays(prov, keys, now);
        assert.deepEqual(own, theirs, `${prov.slice(0, 200)} at ${now.toISOString()}`);
        codes.add(own.code);
        compared++;
      }
    }
    assert.ok(taken >= 25, `${taken} signature blocks read by the own reader`);
    assert.ok(compared >= 80, `${compared} verdicts compared`);
    for (const code of ['verified', 'signature-invalid', 'malformed', 'key-expired', 'key-revoked', 'weak-hash', 'wrong-key-usage']) assert.ok(codes.has(code), `codes seen: ${[...codes].join(', ')}`);
  });

  test('every byte of a fixture signature edited: the same fields when taken, the same verdict always', async () => {
    const keys = await corpusKeys();
    let taken = 0;
    let tried = 0;
    for (const prov of corpus().filter((p) => /Hash: SHA(256|512)/.test(p)).slice(0, 3)) {
      const bytes = signatureBytes(prov);
      if (!bytes) continue;
      for (const edited of byteEdits(bytes)) {
        tried++;
        let reading = false;
        try {
          reading = await sameReading(edited, Buffer.from(edited).toString('hex'));
        } catch (e) {
          if (e instanceof assert.AssertionError) throw e;
          assert.fail(`the own reader took bytes openpgp.js refuses (${String(e)}): ${Buffer.from(edited).toString('hex')}`);
        }
        if (reading) taken++;
        const text = withSignature(prov, edited);
        const { own, theirs } = await bothWays(text, keys, new Date());
        assert.deepEqual(own, theirs, Buffer.from(edited).toString('hex'));
      }
    }
    assert.ok(taken > 100 && taken < tried, `${taken} of ${tried} edited packets taken`);
  });
});

describe('cleartext canonicalisation', () => {
  test('the bytes openpgp.js signs for a cleartext message, for line endings, trailing blanks and non-ASCII', () => {
    const texts = ['a', 'a\n', 'a \t\r\nb\r\n', 'a\rb\r', 'x\r\r\n', ' \n\t\n', 'é \u2028\n\uD800x', 'name: x  \nversion: 1\r\n\r\n...\n', ''];
    for (const text of texts) {
      const literal = new openpgp.LiteralDataPacket() as unknown as { setText(t: string): void; getBytes(): Uint8Array };
      literal.setText(new Cleartext(text, new openpgp.Signature(new openpgp.PacketList())).getText());
      assert.deepEqual(cleartextBytes(text), Buffer.from(literal.getBytes()), JSON.stringify(text));
    }
  });
});

interface Made { prov: string; what: string }

describe('signatures made here, edited here', () => {
  const base = fs.readFileSync(filesUnder(path.join(fixtures, 'signed', 'cases', 'valid-rsa2048'), (n) => n.endsWith('.prov'))[0], 'utf8');
  const signedText = parseProvenance(base).signedText!;
  const hour = 3_600_000;
  const now = new Date();
  let keys: LoadedKey[] = [];
  const made: Made[] = [];

  /** A subpacket as it sits in a subpacket area. */
  const sub = (type: number, critical: boolean, body: number[]) => Uint8Array.of(body.length + 1, (critical ? 0x80 : 0) | type, ...body);

  interface Options { type?: number; hash?: number; date?: Date; expiresIn?: number; hashed?: Uint8Array[]; unhashed?: { type: number; critical: boolean; body: Uint8Array }[] }

  async function sign(keyPacket: openpgp.SecretKeyPacket | openpgp.SecretSubkeyPacket, what: string, o: Options = {}): Promise<void> {
    const packet = new openpgp.SignaturePacket() as unknown as Record<string, unknown> & openpgp.SignaturePacket;
    packet.signatureType = o.type ?? openpgp.enums.signature.text;
    packet.hashAlgorithm = o.hash ?? openpgp.enums.hash.sha256;
    packet.publicKeyAlgorithm = keyPacket.algorithm;
    if (o.expiresIn !== undefined) packet.signatureExpirationTime = o.expiresIn;
    const write = (packet.writeHashedSubPackets as () => Uint8Array).bind(packet);
    packet.writeHashedSubPackets = () => {
      const area = Buffer.concat([write().subarray(2), ...(o.hashed ?? [])]);
      return Buffer.concat([Uint8Array.of(area.length >> 8, area.length & 0xff), area]);
    };
    const literal = new openpgp.LiteralDataPacket() as unknown as { setText(t: string): void };
    literal.setText(new Cleartext(signedText, new openpgp.Signature(new openpgp.PacketList())).getText());
    await (packet.sign as (...a: unknown[]) => Promise<void>)(keyPacket, literal, o.date ?? new Date(now.getTime() - hour), false,
      // openpgp.js has salt lengths only for SHA-2 from 256 bits: other hashes sign without its salt notation.
      { ...openpgp.config, nonDeterministicSignaturesViaNotation: packet.hashAlgorithm !== openpgp.enums.hash.sha1 });
    (packet.unhashedSubpackets as unknown[]).push(...(o.unhashed ?? []));
    const list = new openpgp.PacketList();
    list.push(packet);
    const hashName = openpgp.enums.read(openpgp.enums.hash, packet.hashAlgorithm!).toUpperCase();
    made.push({ prov: withSignature(base, list.write() as Uint8Array, hashName), what });
  }

  before(async () => {
    const userIDs = [{ name: 'Signer', email: 'signer@example.org' }];
    const long = new Date(now.getTime() - 48 * hour);
    const rsa = (await openpgp.generateKey({ type: 'rsa', rsaBits: 2048, userIDs, date: long, subkeys: [{}, { sign: true }], format: 'object' })).privateKey;
    const ecc = (await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs, date: long, format: 'object' })).privateKey;
    const ed25519 = (await openpgp.generateKey({ type: 'curve25519', userIDs, date: long, format: 'object' })).privateKey;
    const expired = (await openpgp.generateKey({ type: 'rsa', rsaBits: 2048, userIDs, date: long, keyExpirationTime: 24 * 3600, format: 'object' })).privateKey;
    const toRevoke = (await openpgp.generateKey({ type: 'rsa', rsaBits: 2048, userIDs, date: long, format: 'object' })).privateKey;
    const revoked = (await openpgp.revokeKey({ key: toRevoke, format: 'object' })).publicKey;
    const stranger = (await openpgp.generateKey({ type: 'rsa', rsaBits: 2048, userIDs, date: long, format: 'object' })).privateKey;
    const ring = Buffer.concat([rsa, ecc, ed25519, expired].map((k) => k.toPublic().write() as Uint8Array).concat(revoked.write() as Uint8Array));
    keys = (await parseKeyring(ring, 'generated')).keys;
    assert.equal(keys.length, 5);

    const p = rsa.keyPacket as openpgp.SecretKeyPacket;
    const h = openpgp.enums.hash;
    await sign(p, 'plain RSA');
    await sign(p, 'SHA-512', { hash: h.sha512 });
    await sign(p, 'SHA-384', { hash: h.sha384 });
    await sign(p, 'SHA-1', { hash: h.sha1 });
    await sign(p, 'binary class', { type: openpgp.enums.signature.binary });
    await sign(p, 'made in the future', { date: new Date(now.getTime() + 24 * hour) });
    await sign(p, 'expired signature', { date: new Date(now.getTime() - 2 * hour), expiresIn: 60 });
    await sign(p, 'signature expiring in a year', { expiresIn: 365 * 86_400 });
    await sign(p, 'unknown critical hashed subpacket', { hashed: [sub(40, true, [1, 2])] });
    await sign(p, 'unknown hashed subpacket', { hashed: [sub(40, false, [1, 2])] });
    await sign(p, 'two unknown critical hashed subpackets', { hashed: [sub(41, true, []), sub(40, true, [1])] });
    await sign(p, 'critical key flags', { hashed: [sub(27, true, [0x02])] });
    await sign(p, 'critical policy URI', { hashed: [sub(26, true, [0x68])] });
    await sign(p, 'critical notation', { hashed: [sub(20, true, [0x80, 0, 0, 0, 0, 1, 0, 1, 0x61, 0x62])] });
    await sign(p, 'revocation key', { hashed: [sub(12, false, [0x80, 1, ...new Array(20).fill(7)])] });
    await sign(p, 'placeholder subpacket 10, critical', { hashed: [sub(10, true, [])] });
    await sign(p, 'second creation time', { hashed: [sub(2, false, [0x60, 0, 0, 0])] });
    await sign(p, 'issuer key id of another key, hashed', { hashed: [sub(16, false, [...Buffer.from(stranger.getKeyID().toHex(), 'hex')])] });
    const strangerId = Buffer.from(stranger.getKeyID().toHex(), 'hex');
    await sign(p, 'issuer key id of another key, unhashed', { unhashed: [{ type: 16, critical: false, body: strangerId }] });
    await sign(p, 'unknown critical unhashed subpacket', { unhashed: [{ type: 40, critical: true, body: Uint8Array.of(1) }] });
    await sign(p, 'unhashed creation time', { unhashed: [{ type: 2, critical: false, body: Uint8Array.of(0x70, 0, 0, 0) }] });
    await sign(rsa.subkeys[0].keyPacket as openpgp.SecretSubkeyPacket, 'encryption subkey, no back-signature');
    await sign(rsa.subkeys[1].keyPacket as openpgp.SecretSubkeyPacket, 'signing subkey with back-signature');
    await sign(ecc.keyPacket as openpgp.SecretKeyPacket, 'EdDSA legacy');
    await sign(ecc.keyPacket as openpgp.SecretKeyPacket, 'EdDSA legacy, SHA-512', { hash: h.sha512 });
    await sign(ecc.keyPacket as openpgp.SecretKeyPacket, 'EdDSA legacy, expired signature', { date: new Date(now.getTime() - 2 * hour), expiresIn: 60 });
    await sign(ed25519.keyPacket as openpgp.SecretKeyPacket, 'Ed25519 (RFC 9580, left to openpgp.js)');
    await sign(expired.keyPacket as openpgp.SecretKeyPacket, 'expired key', { date: new Date(now.getTime() - 40 * hour) });
    await sign(toRevoke.keyPacket as openpgp.SecretKeyPacket, 'revoked key');
    await sign(stranger.keyPacket as openpgp.SecretKeyPacket, 'unknown key');
  });

  test('each: the same verdict both ways, and the same fields when the own reader takes it', async () => {
    const codes = new Set<string>();
    let taken = 0;
    for (const { prov, what } of made) {
      if (await sameReading(signatureBytes(prov)!, what)) taken++;
      const { own, theirs } = await bothWays(prov, keys, now);
      assert.deepEqual(own, theirs, what);
      codes.add(own.code);
    }
    assert.ok(taken >= 20, `${taken} of ${made.length} taken`);
    for (const code of ['verified', 'signature-invalid', 'weak-hash', 'key-expired', 'key-revoked', 'wrong-key-usage', 'unknown-signer']) {
      assert.ok(codes.has(code), `codes seen: ${[...codes].join(', ')}`);
    }
  });

  test('RSA and EdDSA legacy signatures hold with node:crypto alone (the own checks are the ones taken)', () => {
    let checked = 0;
    for (const { prov, what } of made.filter((m) => /^(plain RSA|SHA-512|SHA-384|EdDSA legacy|EdDSA legacy, SHA-512)$/.test(m.what))) {
      const [own] = readSignaturesV4(signatureBytes(prov)!)!;
      const key = keys.find((k) => k.info.fingerprint === own.issuerFingerprint)!.key.keyPacket;
      const toHash = signedBytesV4(own, cleartextBytes(signedText));
      const result = what.startsWith('EdDSA') ? checkEddsaV4(own, key as unknown as EddsaKeyMaterial, toHash, now) : checkRsaV4(own, key, toHash, now);
      assert.equal(result, undefined, what);
      checked++;
    }
    assert.equal(checked, 5);
  });

  test('every byte of four of them edited: the same fields when taken, the same verdict always', async () => {
    let taken = 0;
    let tried = 0;
    for (const { prov, what } of made.filter((m) => /^(plain RSA|expired signature|unknown critical hashed subpacket|EdDSA legacy)$/.test(m.what))) {
      for (const edited of byteEdits(signatureBytes(prov)!)) {
        tried++;
        const hex = `${what}: ${edited.toString('hex')}`;
        let reading = false;
        try {
          reading = await sameReading(edited, hex);
        } catch (e) {
          if (e instanceof assert.AssertionError) throw e;
          assert.fail(`the own reader took bytes openpgp.js refuses (${String(e)}): ${hex}`);
        }
        if (reading) taken++;
        const { own, theirs } = await bothWays(withSignature(prov, edited), keys, now);
        assert.deepEqual(own, theirs, hex);
      }
    }
    assert.ok(taken > 200 && taken < tried, `${taken} of ${tried} edited packets taken`);
  });
});
