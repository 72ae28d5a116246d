// The OpenPGP "signed message" of a simple-signing image signature (what `skopeo standalone-sign` and
// `copy --sign-by` write through GPGME): optionally compressed, then a one-pass signature, a literal data
// packet (the JSON) and the signature. Unwrapped here by hand, bounded, so a compression bomb or a
// nested compressed packet never reaches a library that would inflate it without a limit; the
// signature itself is then judged by the engine's signatureCheck.ts like every other OpenPGP signature.
import * as zlib from 'node:zlib';
import { countWork } from '../provenance/work';

/** A simple signature is about 600 bytes; far larger is no signature. */
export const MAX_SIGNATURE_FILE_BYTES = 1024 * 1024;
/** Inflated content beyond this is refused (the JSON is a few hundred bytes). */
export const MAX_INFLATED_BYTES = 1024 * 1024;
/** Packets per level: a real message has three. */
const MAX_PACKETS = 16;

interface Packet { tag: number; body: Uint8Array }

const TAG = { signature: 2, onePass: 4, compressed: 8, marker: 10, literal: 11 } as const;

/** Every packet of `bytes` with its body (partial and indeterminate lengths joined); a string says why not. */
function readPackets(bytes: Uint8Array): Packet[] | string {
  const packets: Packet[] = [];
  let p = 0;
  while (p < bytes.length) {
    if (packets.length === MAX_PACKETS) return `more than ${MAX_PACKETS} packets`;
    const first = bytes[p];
    if ((first & 0x80) === 0) return `byte 0x${first.toString(16)} at offset ${p} does not start an OpenPGP packet`;
    const uint = (at: number, size: number) => {
      let v = 0;
      for (let i = 0; i < size; i++) v = v * 256 + bytes[at + i];
      return v;
    };
    if ((first & 0x40) === 0) {
      const tag = (first >> 2) & 0x0f;
      const lengthType = first & 0x03;
      if (lengthType === 3) {
        packets.push({ tag, body: bytes.subarray(p + 1) });
        break;
      }
      const size = 1 << lengthType;
      if (p + 1 + size > bytes.length) return `packet header cut off at offset ${p}`;
      const start = p + 1 + size;
      const end = start + uint(p + 1, size);
      if (end > bytes.length) return `packet at offset ${p} runs past the end`;
      packets.push({ tag, body: bytes.subarray(start, end) });
      p = end;
      continue;
    }
    const tag = first & 0x3f;
    p++;
    const chunks: Uint8Array[] = [];
    for (;;) {
      const l1 = bytes[p];
      if (l1 === undefined) return 'packet header cut off';
      let length: number;
      let partial = false;
      if (l1 < 192) { length = l1; p += 1; }
      else if (l1 < 224) { if (p + 1 >= bytes.length) return 'packet header cut off'; length = ((l1 - 192) << 8) + bytes[p + 1] + 192; p += 2; }
      else if (l1 === 255) { if (p + 4 >= bytes.length) return 'packet header cut off'; length = uint(p + 1, 4); p += 5; }
      else { length = 1 << (l1 & 0x1f); partial = true; p += 1; }
      if (p + length > bytes.length) return 'packet runs past the end';
      chunks.push(bytes.subarray(p, p + length));
      p += length;
      if (!partial) break;
      if (chunks.length > 4096) return 'too many partial body chunks';
    }
    packets.push({ tag, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks) });
  }
  return packets;
}

function inflate(body: Uint8Array): Uint8Array | string {
  const algorithm = body[0];
  const data = body.subarray(1);
  const options = { maxOutputLength: MAX_INFLATED_BYTES };
  try {
    let out: Uint8Array;
    if (algorithm === 0) out = data;
    else if (algorithm === 1) out = zlib.inflateRawSync(data, options);
    else if (algorithm === 2) out = zlib.inflateSync(data, options);
    else return `compression algorithm ${algorithm} (BZip2 or unknown) is not supported`;
    countWork('bytes-inflated', out.length);
    return out;
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_BUFFER_TOO_LARGE') return `it does not inflate: ${(e as Error).message}`;
    countWork('bytes-inflated', MAX_INFLATED_BYTES); // zlib produced that much before it stopped
    return `it inflates to more than ${MAX_INFLATED_BYTES} bytes`;
  }
}

export interface SignedMessage {
  /** The signed bytes (the literal data). */
  content: Uint8Array;
  /** The signature packets, re-encoded as a binary OpenPGP signature for signatureCheck.ts. */
  signature: Uint8Array;
  signatureCount: number;
}

function encodePacket(tag: number, body: Uint8Array): Uint8Array {
  const n = body.length;
  const header = n < 192 ? [0xc0 | tag, n]
    : n < 8384 ? [0xc0 | tag, ((n - 192) >> 8) + 192, (n - 192) & 0xff]
      : [0xc0 | tag, 255, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  return Buffer.concat([Uint8Array.from(header), body]);
}

/** A binary or armored OpenPGP message, unwrapped to its literal data and signatures; a string says why not. */
export function readSignedMessage(input: Uint8Array): SignedMessage | string {
  let bytes = input;
  const head = Buffer.from(input.subarray(0, 64)).toString('latin1');
  if (head.includes('-----BEGIN PGP MESSAGE-----')) {
    const text = Buffer.from(input).toString('latin1');
    const body = /-----BEGIN PGP MESSAGE-----\r?\n(?:[^\r\n]+\r?\n)*?\r?\n([A-Za-z0-9+/=\r\n]+?)(?:=[A-Za-z0-9+/]{4}\r?\n)?-----END PGP MESSAGE-----/.exec(text);
    if (!body) return 'the armored message cannot be read';
    bytes = Buffer.from(body[1].replace(/\s/g, ''), 'base64');
  }
  let packets = readPackets(bytes);
  if (typeof packets === 'string') return packets;
  packets = packets.filter((p) => p.tag !== TAG.marker);
  if (packets.length === 1 && packets[0].tag === TAG.compressed) {
    const inflated = inflate(packets[0].body);
    if (typeof inflated === 'string') return `the compressed data cannot be read: ${inflated}`;
    packets = readPackets(inflated);
    if (typeof packets === 'string') return packets;
  }
  const literals = packets.filter((p) => p.tag === TAG.literal);
  const signatures = packets.filter((p) => p.tag === TAG.signature);
  const other = packets.find((p) => p.tag !== TAG.literal && p.tag !== TAG.signature && p.tag !== TAG.onePass);
  if (other) return `it holds an OpenPGP packet of type ${other.tag}, which a signed message does not (only one level of compression is read)`;
  if (literals.length !== 1) return `it holds ${literals.length} literal data packets, not one`;
  if (signatures.length === 0) return 'it is not signed (no signature packet)';
  const literal = literals[0].body;
  const nameLength = literal[1] ?? 0;
  const dataStart = 2 + nameLength + 4;
  if (literal.length < dataStart) return 'the literal data packet is cut off';
  return {
    content: literal.subarray(dataStart),
    signature: Buffer.concat(signatures.map((s) => encodePacket(TAG.signature, s.body))),
    signatureCount: signatures.length,
  };
}
