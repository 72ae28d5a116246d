// Version 4 signature packets (RFC 4880 §5.2.3, RFC 9580 §5.2.3) read from their bytes without openpgp.js:
// loading its module costs more than the rest of a cold verify, and its `readSignature` runs through web
// streams. Taken only when every packet reads exactly as openpgp.js 6.3.2's SignaturePacket.read reads
// it, field by field; anything else (other versions, a subpacket whose reading could differ or fail,
// lengths that do not add up, an algorithm whose fields are not known here) answers undefined, and
// openpgp.js reads the bytes as it always has. test/unit/signatureV4.test.ts compares the two readings
// and the two checks, byte edit by byte edit.
import { readPacket } from './keyPackets';

const SIGNATURE_TAG = 2;

export interface SignatureV4 {
  /** The packet body, for openpgp.js when a check must go its way. */
  body: Uint8Array;
  signatureType: number;
  publicKeyAlgorithm: number;
  hashAlgorithm: number;
  created: Date;
  /** When the signature stops being valid (creation + expiration subpacket); undefined: never. */
  expires?: Date;
  /** The issuer key id as openpgp.js keeps it (the last one read, '' when none), uppercase hex. */
  issuerKeyId: string;
  /** The last issuer fingerprint read, hashed or not. */
  issuerFingerprint?: string;
  /** Every key id and fingerprint named, hashed or not: hints for finding the key, never proof. */
  issuerHints: string[];
  /** What the signature hashes after the data: version through the hashed subpackets. */
  hashedPart: Uint8Array;
  /** The left 16 bits of the signed digest. */
  left16: Uint8Array;
  /** The algorithm's values (RSA: s; DSA, ECDSA, EdDSA legacy: r, s), each without its bit count. */
  mpis: Uint8Array[];
  /** Why openpgp.js refuses the signature once its maths held (an unknown critical subpacket). */
  refusal?: string;
}

/** Hash algorithm names as openpgp.js spells them (enums.hash, upper-cased). */
export const HASH_NAMES = new Map<number, string>([
  [1, 'MD5'], [2, 'SHA1'], [3, 'RIPEMD'], [8, 'SHA256'], [9, 'SHA384'], [10, 'SHA512'], [11, 'SHA224'], [12, 'SHA3_256'], [14, 'SHA3_512'],
]);

/** How many MPIs the signature of each public-key algorithm carries (RSA 1, 3; DSA 17; ECDSA 19; EdDSA legacy 22). */
const MPI_COUNT = new Map<number, number>([[1, 1], [3, 1], [17, 2], [19, 2], [22, 2]]);

/** Subpackets openpgp.js reads into fields that cannot fail and do not change a data signature's check. */
const INERT = new Set([4, 5, 6, 7, 9, 11, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 34, 39]);
/** Subpackets openpgp.js knows; any other is "unknown", refused at verification when critical. */
const KNOWN = new Set([...INERT, 2, 3, 12, 16, 31, 32, 33]);

const CREATED = 2;
const EXPIRES = 3;
const NOTATION = 20;
const ISSUER_KEY_ID = 16;
const ISSUER_FINGERPRINT = 33;

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase();
}

function uint(bytes: Uint8Array, at: number, size: number): number {
  let value = 0;
  for (let i = 0; i < size; i++) value = value * 256 + bytes[at + i];
  return value;
}

interface Fields { created?: number; expiresIn?: number; keyId: string; fingerprint?: string; hints: string[]; refusal?: string }

/** Reads one subpacket area into `fields`; false when something in it is not read as openpgp.js would. */
function readArea(body: Uint8Array, start: number, end: number, hashed: boolean, fields: Fields): boolean {
  for (let p = start; p < end;) {
    let length: number;
    if (body[p] < 192) { length = body[p]; p += 1; }
    else if (body[p] < 255) { if (p + 1 >= end) return false; length = ((body[p] - 192) << 8) + body[p + 1] + 192; p += 2; }
    else { if (p + 4 >= end) return false; length = uint(body, p + 1, 4); p += 5; }
    if (length < 1 || p + length > end) return false;
    const critical = (body[p] & 0x80) !== 0;
    const type = body[p] & 0x7f;
    const data = body.subarray(p + 1, p + length);
    p += length;
    if (type === ISSUER_KEY_ID) {
      if (data.length !== 8) return false;
      fields.keyId = hex(data);
      fields.hints.push(fields.keyId);
    } else if (type === ISSUER_FINGERPRINT) {
      if (data.length !== 21 || data[0] !== 4) return false;
      fields.fingerprint = hex(data.subarray(1));
      fields.keyId = fields.fingerprint.slice(-16);
      fields.hints.push(fields.fingerprint);
    } else if (!hashed) {
      // openpgp.js reads only issuers and embedded signatures from the unhashed area.
      if (type === 32) return false;
    } else if (type === CREATED || type === EXPIRES) {
      if (data.length !== 4) return false;
      if (type === CREATED) fields.created = uint(data, 0, 4);
      else fields.expiresIn = uint(data, 0, 4);
    } else if (type === NOTATION) {
      if (critical) return false; // judged against openpgp.js's known notations: its way
    } else if (!INERT.has(type)) {
      if (KNOWN.has(type)) return false; // revocation key, signature target, embedded signature
      if (critical) fields.refusal ??= `Unknown critical signature subpacket type ${type}`;
    }
  }
  return true;
}

/** One version 4 signature packet body, or undefined when openpgp.js must read it. */
export function readSignatureV4(body: Uint8Array): SignatureV4 | undefined {
  if (body.length < 6 || body[0] !== 4) return undefined;
  const mpiCount = MPI_COUNT.get(body[2]);
  if (mpiCount === undefined) return undefined;
  const hashedEnd = 6 + uint(body, 4, 2);
  if (hashedEnd + 2 > body.length) return undefined;
  const unhashedEnd = hashedEnd + 2 + uint(body, hashedEnd, 2);
  if (unhashedEnd + 2 > body.length) return undefined;
  const fields: Fields = { keyId: '', hints: [] };
  if (!readArea(body, 6, hashedEnd, true, fields) || !readArea(body, hashedEnd + 2, unhashedEnd, false, fields)) return undefined;
  if (fields.created === undefined) return undefined; // openpgp.js refuses to read it
  const mpis: Uint8Array[] = [];
  let p = unhashedEnd + 2;
  for (let i = 0; i < mpiCount; i++) {
    if (p + 2 > body.length) return undefined;
    const end = p + 2 + ((uint(body, p, 2) + 7) >>> 3);
    if (end > body.length) return undefined;
    mpis.push(body.subarray(p + 2, end));
    p = end;
  }
  if (p !== body.length) return undefined;
  const created = new Date(fields.created * 1000);
  return {
    body,
    signatureType: body[1],
    publicKeyAlgorithm: body[2],
    hashAlgorithm: body[3],
    created,
    ...(fields.expiresIn ? { expires: new Date(created.getTime() + fields.expiresIn * 1000) } : {}),
    issuerKeyId: fields.keyId,
    ...(fields.fingerprint ? { issuerFingerprint: fields.fingerprint } : {}),
    issuerHints: fields.hints,
    hashedPart: body.subarray(0, hashedEnd),
    left16: body.subarray(unhashedEnd, unhashedEnd + 2),
    mpis,
    ...(fields.refusal ? { refusal: fields.refusal } : {}),
  };
}

/** Every signature packet of a binary signature block, or undefined when openpgp.js must read the block. */
export function readSignaturesV4(bytes: Uint8Array): SignatureV4[] | undefined {
  const packets: SignatureV4[] = [];
  for (let offset = 0; offset < bytes.length;) {
    const raw = readPacket(bytes, offset);
    if (typeof raw === 'string' || raw.tag !== SIGNATURE_TAG || !(raw.end > raw.bodyStart)) return undefined;
    const packet = readSignatureV4(bytes.subarray(raw.bodyStart, raw.end));
    if (!packet) return undefined;
    packets.push(packet);
    offset = raw.end;
  }
  return packets.length > 0 ? packets : undefined;
}

/**
 * What SignaturePacket.verify refuses once the maths held, in its order and with its messages: a
 * creation time after `now` or an expiry at or before it (`now` cut to whole seconds, as
 * util.normalizeDate does), then an unknown critical subpacket; undefined when none.
 */
export function refusalAfterMaths(signature: SignatureV4, now: Date): string | undefined {
  const second = new Date(Math.floor(now.getTime() / 1000) * 1000);
  if (signature.created > second) return 'Signature creation time is in the future';
  if (signature.expires && second >= signature.expires) return 'Signature is expired';
  return signature.refusal;
}

/** What a version 4 signature hashes: the data, the hashed part and its trailer (RFC 4880 §5.2.4). */
export function signedBytesV4(signature: SignatureV4, data: Uint8Array): Buffer {
  return Buffer.concat([data, hashedSuffixV4(signature)]);
}

/** What a version 4 signature hashes after the data: the hashed part and its trailer. */
export function hashedSuffixV4(signature: SignatureV4): Buffer {
  const length = signature.hashedPart.length;
  const trailer = Uint8Array.of(4, 0xff, (length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
  return Buffer.concat([signature.hashedPart, trailer]);
}

/**
 * The bytes a cleartext signature signs, canonicalised as openpgp.js's CleartextMessage does: spaces,
 * tabs and carriage returns at each line's end removed, then every line ending made CR LF.
 */
export function cleartextBytes(text: string): Buffer {
  const trimmed = text.split('\n').map((line) => {
    let i = line.length - 1;
    while (i >= 0 && (line[i] === ' ' || line[i] === '\t' || line[i] === '\r')) i--;
    return line.slice(0, i + 1);
  }).join('\n');
  return Buffer.from(trimmed.replace(/\r?\n/g, '\r\n'), 'utf8');
}
