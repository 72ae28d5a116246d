// OpenPGP pieces put together by hand, so a test can make a signature or a .prov that a signing tool
// never would: any signature class, hash or time, two signatures in one block, a corrupted one, armor
// with a wrong or missing CRC-24, any armor headers. The signatures themselves are real (openpgp.js).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as openpgp from 'openpgp';
import { signedKeys } from '../../support/tools';

export type SecretPacket = openpgp.SecretKeyPacket | openpgp.SecretSubkeyPacket;

/** A fixture's secret key (`test/fixtures/signed/keys/<id>.sec.gpg`, unprotected). */
export async function fixtureSecretKey(id: string): Promise<openpgp.PrivateKey> {
  return openpgp.readPrivateKey({ binaryKey: fs.readFileSync(path.join(signedKeys, `${id}.sec.gpg`)) });
}

export function fixtureFingerprint(id: string): string {
  return fs.readFileSync(path.join(signedKeys, `${id}.fpr`), 'utf8').trim();
}

export interface SignatureOptions {
  /** Signature class; text (0x01) by default, as cleartext signatures are. */
  type?: number;
  hash?: number;
  date?: Date;
}

/**
 * One signature packet over `text` by `signer`, made the way openpgp.js makes any signature but with
 * the class, hash and time chosen by the test. Classes that sign no data (standalone, timestamp) or a
 * user id (certifications) get the data their class defines; the text is then the user id.
 */
export async function signPacket(text: string, signer: SecretPacket, primary: openpgp.SecretKeyPacket, options: SignatureOptions = {}): Promise<openpgp.SignaturePacket> {
  const type = options.type ?? openpgp.enums.signature.text;
  const packet = new openpgp.SignaturePacket();
  packet.signatureType = type;
  packet.hashAlgorithm = options.hash ?? openpgp.enums.hash.sha512;
  packet.publicKeyAlgorithm = signer.algorithm;
  let data: object;
  if (type === openpgp.enums.signature.text || type === openpgp.enums.signature.binary) {
    const literal = new openpgp.LiteralDataPacket() as unknown as { setText(t: string): void; setBytes(b: Uint8Array, f: number): void };
    if (type === openpgp.enums.signature.text) literal.setText(text);
    else literal.setBytes(new TextEncoder().encode(text), openpgp.enums.literal.binary);
    data = literal;
  } else if (type >= openpgp.enums.signature.certGeneric && type <= openpgp.enums.signature.certPositive) {
    data = { key: primary, userID: Object.assign(new openpgp.UserIDPacket(), { userID: text }) };
  } else {
    data = {};
  }
  const sign = packet.sign as unknown as (key: SecretPacket, data: object, date: Date, detached: boolean, config: openpgp.Config) => Promise<void>;
  await sign.call(packet, signer, data, options.date ?? new Date(), true, openpgp.config);
  return packet;
}

/** An OpenPGP packet with a new-format header (RFC 9580 §4.2.1). */
export function packet(tag: number, body: Uint8Array): Buffer {
  let length: Buffer;
  if (body.length < 192) length = Buffer.of(body.length);
  else if (body.length < 8384) length = Buffer.of(((body.length - 192) >> 8) + 192, (body.length - 192) & 0xff);
  else { length = Buffer.alloc(5); length[0] = 0xff; length.writeUInt32BE(body.length, 1); }
  return Buffer.concat([Buffer.of(0xc0 | tag), length, body]);
}

export const SIGNATURE_TAG = 2;
export const MARKER_TAG = 10;

export function signatureBytes(sig: openpgp.SignaturePacket, corrupt = false): Buffer {
  const body = Buffer.from(sig.write());
  // The last byte lies inside the signature value itself, so only the cryptographic check can notice.
  if (corrupt) body[body.length - 1] ^= 0x01;
  return packet(SIGNATURE_TAG, body);
}

/** CRC-24 of RFC 9580 §6.1. */
export function crc24(bytes: Uint8Array): number {
  let crc = 0xb704ce;
  for (const byte of bytes) {
    crc ^= byte << 16;
    for (let i = 0; i < 8; i++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

export type Crc = 'good' | 'wrong' | 'none';

/** ASCII armor of `bytes`; `crc` chooses the checksum line (Helm 4 writes none). */
export function armor(type: string, bytes: Uint8Array, crc: Crc = 'good', headers: string[] = []): string {
  const base64 = Buffer.from(bytes).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  const sum = crc24(bytes) ^ (crc === 'wrong' ? 0x000001 : 0);
  const checksum = crc === 'none' ? '' : `=${Buffer.from([sum >> 16, (sum >> 8) & 0xff, sum & 0xff]).toString('base64')}\n`;
  return `-----BEGIN PGP ${type}-----\n${headers.map((h) => `${h}\n`).join('')}\n${base64}\n${checksum}-----END PGP ${type}-----\n`;
}

/** Dash-escapes the lines of a signed text that start with "-" (RFC 9580 §7.2). */
export function dashEscape(text: string): string {
  return text.split('\n').map((l) => (l.startsWith('-') ? `- ${l}` : l)).join('\n');
}

/**
 * A cleartext-signed document: BEGIN line, armor headers, blank line, the signed text (dash-escaped
 * unless `escape` is false), then the armored signature. `signedText` ends with "\n" when the signer
 * signed the final newline (Helm 4 does).
 */
export function cleartext(signedText: string, signature: string, headers: string[] = ['Hash: SHA512'], escape = true): string {
  const body = escape ? dashEscape(signedText) : signedText;
  return `-----BEGIN PGP SIGNED MESSAGE-----\n${headers.map((h) => `${h}\n`).join('')}\n${body}\n${signature}`;
}
