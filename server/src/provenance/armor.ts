// ASCII armor (RFC 4880 §6.2): armored blocks read one at a time from a text, line by line, each with
// its own error and range, so a broken block costs only itself; and the CRC-24 checksum (§6.1), shared
// with the .prov writer. Ranges are zero-based lines/characters, as the language server needs them.
import { rangeOf, type Range } from './codes';

/** CRC-24 of each byte value: a byte at a time instead of a bit at a time (a 46 MB flooded key took 2 s bitwise). */
const CRC24_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 16;
    for (let bit = 0; bit < 8; bit++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
    table[byte] = crc & 0xffffff;
  }
  return table;
})();

/** CRC-24 of RFC 4880 section 6.1, the armor checksum. */
export function crc24(bytes: Uint8Array): number {
  let crc = 0xb704ce;
  for (let i = 0; i < bytes.length; i++) crc = ((crc << 8) & 0xffffff) ^ CRC24_TABLE[((crc >> 16) ^ bytes[i]) & 0xff];
  return crc;
}

/** The `=XXXX` armor line for these bytes. */
export function armorChecksumLine(bytes: Uint8Array): string {
  const crc = crc24(bytes);
  return `=${Buffer.from([crc >> 16, (crc >> 8) & 0xff, crc & 0xff]).toString('base64')}`;
}

export interface ArmoredBlock {
  /** The armor type: `PUBLIC KEY BLOCK`, `PRIVATE KEY BLOCK`, `SIGNATURE`, ... */
  type: string;
  /** From the BEGIN line to the END line (or to where the block was found broken). */
  range: Range;
  /** The BEGIN line. */
  begin: Range;
  /** The de-armored packets, when the armor is sound. */
  bytes?: Uint8Array;
  /** Why the armor is broken, and where. */
  error?: { range: Range; message: string };
}

/** A BEGIN line; the armor type in group 1. */
export const BEGIN = /^\s*-----BEGIN PGP ([A-Z0-9 ,/]+)-----\s*$/;
// Text after the END marker (a lost line break glued the next block's BEGIN on) does not undo the end:
// one broken byte then costs the next block only, never both.
const END = /^\s*-----END PGP ([A-Z0-9 ,/]+)-----(?:\s.*)?$/;
const ARMOR_HEADER = /^[A-Za-z][A-Za-z0-9-]*: /;
const BASE64_LINE = /^[A-Za-z0-9+/]+={0,2}$/;
const CHECKSUM_LINE = /^=([A-Za-z0-9+/]{4})$/;

/**
 * The lines of a text, one at a time: splitting a hostile 64 MiB file of newlines at once would
 * allocate tens of millions of strings. Line numbers are zero-based; a trailing CR is dropped.
 */
export class LineCursor {
  private offset = 0;
  line = -1;
  text = '';
  /** Offsets of the current line in the source (end excludes the line break). */
  start = 0;
  end = 0;
  constructor(private readonly source: string) {}

  /** Moves to the next line; false at the end of the text. */
  next(): boolean {
    if (this.offset > this.source.length) return false;
    let end = this.source.indexOf('\n', this.offset);
    if (end < 0) end = this.source.length;
    const text = this.source.slice(this.offset, end);
    this.text = text.endsWith('\r') ? text.slice(0, -1) : text;
    this.start = this.offset;
    this.end = end;
    this.offset = end + 1;
    this.line++;
    return true;
  }

  range(): Range {
    return rangeOf(this.line, 0, this.text.length);
  }

  slice(start: number, end: number): string {
    return this.source.slice(start, end);
  }
}

/** The base64 lines of a block, as one span of the source: decoded once, with no per-line copies. */
interface Body { start: number; end: number; chars: number; padded: boolean }
type Checksum = { value: string; range: Range };

/**
 * Reads one armored block; the cursor is on its BEGIN line and is left on its END line (or on the
 * BEGIN line of a block that starts before this one ended: `atNextBegin`).
 */
export function readBlock(cursor: LineCursor, type: string): { block: ArmoredBlock; atNextBegin: boolean } {
  const begin = cursor.range();
  const body: Body = { start: -1, end: -1, chars: 0, padded: false };
  let checksum: Checksum | undefined;
  let inHeaders = true;
  let error: ArmoredBlock['error'];
  let last = begin;
  const cutOff = (): ArmoredBlock['error'] => ({ range: begin, message: `armored block at line ${begin.start.line + 1} has no END line` });
  const addBody = (text: string): void => {
    if (body.start < 0) body.start = cursor.start;
    body.end = cursor.end;
    body.chars += text.length;
    body.padded = text.endsWith('=');
  };
  while (cursor.next()) {
    const text = cursor.text.trim();
    // The common case first: a body line (a flooded key is a million of them).
    if (!inHeaders && !error && !checksum && !body.padded && BASE64_LINE.test(text)) {
      addBody(text);
      last = cursor.range();
      continue;
    }
    const end = END.exec(text);
    if (end) {
      last = cursor.range();
      if (end[1] !== type) error ??= { range: last, message: `END line says "${end[1]}" but the block began as "${type}"` };
      const span = body.start < 0 ? '' : cursor.slice(body.start, body.end);
      return { block: finishBlock(type, begin, last, span, body.chars, checksum, error), atNextBegin: false };
    }
    if (BEGIN.test(text)) {
      // A new block starts before this one ended: this one is cut off; the next one is read normally.
      return { block: { type, begin, range: { start: begin.start, end: last.end }, error: error ?? cutOff() }, atNextBegin: true };
    }
    last = cursor.range();
    if (inHeaders) {
      if (text === '') { inHeaders = false; continue; }
      if (ARMOR_HEADER.test(text)) continue;
      inHeaders = false; // no blank line after the headers: tolerated, like GnuPG
    }
    if (text === '' || error) continue;
    const crc = CHECKSUM_LINE.exec(text);
    if (crc) { checksum = { value: crc[1], range: last }; continue; }
    if (checksum || body.padded || !BASE64_LINE.test(text)) {
      error = { range: last, message: `line ${last.start.line + 1} of the armored block is not base64` };
      continue;
    }
    addBody(text);
  }
  return { block: { type, begin, range: { start: begin.start, end: last.end }, error: error ?? cutOff() }, atNextBegin: false };
}

/** Decodes a block's body (line breaks and blanks inside the span are skipped by the decoder) and checks its CRC. */
function finishBlock(type: string, begin: Range, last: Range, span: string, chars: number, checksum: Checksum | undefined, error: ArmoredBlock['error']): ArmoredBlock {
  const block: ArmoredBlock = { type, begin, range: { start: begin.start, end: last.end } };
  if (!error) {
    const bytes: Uint8Array = Buffer.from(span, 'base64');
    if (chars % 4 === 1 || bytes.length === 0) {
      error = { range: begin, message: `armored block at line ${begin.start.line + 1} holds no complete base64 data` };
    } else if (checksum && Buffer.from(checksum.value, 'base64').readUIntBE(0, 3) !== crc24(bytes)) {
      error = { range: checksum.range, message: `checksum of the armored block at line ${begin.start.line + 1} does not match its contents (corrupted)` };
    } else {
      block.bytes = bytes;
    }
  }
  if (error) block.error = error;
  return block;
}

const PLAIN_BASE64 = /^[A-Za-z0-9+/]+$/;
const LAST_BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The bytes of an armored block written the plain way (the BEGIN line, a blank line, base64 lines with
 * padding only at the end, a checksum that matches if there is one, the END line), decoded without
 * openpgp.js's stream machinery; undefined for every other text, which the caller gives to openpgp.js.
 * For each text it takes, openpgp.js's `unarmor` gives the same type and bytes (test/unit/armor.test.ts).
 */
export function plainArmorBytes(armored: string, type: string): Uint8Array | undefined {
  const lines = armored.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length < 4 || lines[0] !== `-----BEGIN PGP ${type}-----` || lines[1] !== '' || lines[lines.length - 1] !== `-----END PGP ${type}-----`) return undefined;
  let body = lines.slice(2, -1);
  let checksum: string | undefined;
  const crc = CHECKSUM_LINE.exec(body[body.length - 1] ?? '');
  if (crc) { checksum = crc[1]; body = body.slice(0, -1); }
  if (body.length === 0 || !body.every((l, i) => (i === body.length - 1 ? LAST_BASE64 : PLAIN_BASE64).test(l))) return undefined;
  const text = body.join('');
  if (text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, 'base64');
  if (checksum !== undefined && Buffer.from(checksum, 'base64').readUIntBE(0, 3) !== crc24(bytes)) return undefined;
  return bytes;
}
