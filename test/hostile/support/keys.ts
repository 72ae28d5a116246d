// Hostile keys made in test setup: a key flooded with third-party certifications, user ids without a
// self-signature or grafted from another key, signing subkeys without a binding or a back-signature,
// user ids full of control characters, a DSA key whose self-signatures fail only at the last step.
// Packets are cut and spliced as raw bytes, the way an attacker
// would, so nothing here depends on a library agreeing to write a broken key.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as openpgp from 'openpgp';
import { signedKeys } from '../../support/tools';
import { packet, SIGNATURE_TAG } from './pgp';

export interface RawPacket { tag: number; bytes: Buffer }

export const Tag = { signature: 2, publicKey: 6, userId: 13, publicSubkey: 14 } as const;

/** Splits binary OpenPGP data into packets (old and new headers; no partial lengths, which keys never use). */
export function splitPackets(data: Uint8Array): RawPacket[] {
  const bytes = Buffer.from(data);
  const packets: RawPacket[] = [];
  let at = 0;
  while (at < bytes.length) {
    const first = bytes[at];
    let tag: number, bodyStart: number, length: number;
    if (first & 0x40) {
      tag = first & 0x3f;
      const l1 = bytes[at + 1];
      if (l1 < 192) { length = l1; bodyStart = at + 2; }
      else if (l1 < 224) { length = ((l1 - 192) << 8) + bytes[at + 2] + 192; bodyStart = at + 3; }
      else { length = bytes.readUInt32BE(at + 2); bodyStart = at + 6; }
    } else {
      tag = (first >> 2) & 0x0f;
      const size = 1 << (first & 3);
      length = bytes.readUIntBE(at + 1, size);
      bodyStart = at + 1 + size;
    }
    packets.push({ tag, bytes: bytes.subarray(at, bodyStart + length) });
    at = bodyStart + length;
  }
  return packets;
}

export function joinPackets(packets: RawPacket[]): Buffer {
  return Buffer.concat(packets.map((p) => p.bytes));
}

/**
 * A v4 third-party certification (class 0x10) by a random issuer, about `size` bytes: what a keyserver
 * flooding attack appends by the hundred thousand. Its RSA value is random: no tool can tell without
 * the issuer's key, which nobody has.
 */
export function fakeCertification(size = 468): Buffer {
  const created = Buffer.alloc(4);
  created.writeUInt32BE(1_600_000_000 + Math.floor(Math.random() * 1e8));
  const hashed = Buffer.concat([Buffer.of(5, 2), created]);
  const unhashed = Buffer.concat([Buffer.of(9, 16), randomBytes(8)]);
  const fixed = 4 + 2 + hashed.length + 2 + unhashed.length + 2 + 2;
  const mpiLength = Math.max(1, size - fixed - 3);
  const mpi = randomBytes(mpiLength);
  mpi[0] |= 0x80;
  const body = Buffer.concat([
    Buffer.of(4, 0x10, 1, 8), u16(hashed.length), hashed, u16(unhashed.length), unhashed,
    randomBytes(2), u16(mpiLength * 8), mpi,
  ]);
  return packet(SIGNATURE_TAG, body);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

/** Inserts `count` fake certifications after the first user id's own signatures. */
export function floodKey(publicKey: Uint8Array, count: number): Buffer {
  const packets = splitPackets(publicKey);
  const uid = packets.findIndex((p) => p.tag === Tag.userId);
  let insertAt = uid + 1;
  while (insertAt < packets.length && packets[insertAt].tag === Tag.signature) insertAt++;
  const flood: Buffer[] = [];
  for (let i = 0; i < count; i++) flood.push(fakeCertification());
  return Buffer.concat([joinPackets(packets.slice(0, insertAt)), ...flood, joinPackets(packets.slice(insertAt))]);
}

/** A user id packet with no signature at all, appended after the key's user ids. */
export function addUnsignedUserId(publicKey: Uint8Array, userId: string): Buffer {
  const packets = splitPackets(publicKey);
  const firstSubkey = packets.findIndex((p) => p.tag === Tag.publicSubkey);
  const at = firstSubkey < 0 ? packets.length : firstSubkey;
  const uid = { tag: Tag.userId, bytes: packet(Tag.userId, Buffer.from(userId, 'utf8')) };
  return joinPackets([...packets.slice(0, at), uid, ...packets.slice(at)]);
}

/** The victim's user id with the victim's self-signature, grafted onto another key after its own user ids. */
export function graftUserId(publicKey: Uint8Array, victimKey: Uint8Array): Buffer {
  const victim = splitPackets(victimKey);
  const uid = victim.findIndex((p) => p.tag === Tag.userId);
  let end = uid + 1;
  while (end < victim.length && victim[end].tag === Tag.signature) end++;
  const packets = splitPackets(publicKey);
  const firstSubkey = packets.findIndex((p) => p.tag === Tag.publicSubkey);
  const at = firstSubkey < 0 ? packets.length : firstSubkey;
  return joinPackets([...packets.slice(0, at), ...victim.slice(uid, end), ...packets.slice(at)]);
}

export async function generateKey(name: string, email = 'hostile@example.org', subkeys: openpgp.SubkeyOptions[] = []): Promise<openpgp.PrivateKey> {
  const { privateKey } = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name, email }], subkeys, format: 'object' });
  return privateKey;
}

/** A subkey binding signature without the embedded back-signature a signing subkey needs. */
export async function bindingWithoutBackSignature(key: openpgp.PrivateKey, subkey: openpgp.Subkey): Promise<openpgp.SignaturePacket> {
  const sig = new openpgp.SignaturePacket();
  sig.signatureType = openpgp.enums.signature.subkeyBinding;
  sig.publicKeyAlgorithm = key.keyPacket.algorithm;
  sig.hashAlgorithm = openpgp.enums.hash.sha512;
  sig.keyFlags = Uint8Array.of(openpgp.enums.keyFlags.signData);
  const sign = sig.sign as unknown as (k: openpgp.SecretKeyPacket, data: object, date: Date, detached: boolean, config: openpgp.Config) => Promise<void>;
  await sign.call(sig, key.keyPacket as openpgp.SecretKeyPacket, { key: key.keyPacket, bind: subkey.keyPacket }, new Date(Date.now() - 60_000), false, openpgp.config);
  return sig;
}

/**
 * A DSA key whose only user id is repeated 64 times, each with 16 copies of its self-signature with the
 * signature value corrupted: every copy passes the quick digest-prefix test and fails only after the
 * full DSA computation (7.8 ms here), 1024 times per key.
 */
export function dsaSelfSignatureFlood(): Buffer {
  const [keyPacket, userId, selfSignature] = splitPackets(fs.readFileSync(path.join(signedKeys, 'dsa.pub.gpg')));
  const corrupted = Buffer.from(selfSignature.bytes);
  corrupted[corrupted.length - 1] ^= 0x01;
  const packets: Buffer[] = [keyPacket.bytes];
  for (let u = 0; u < 64; u++) packets.push(userId.bytes, ...Array<Buffer>(16).fill(corrupted));
  return Buffer.concat(packets);
}
