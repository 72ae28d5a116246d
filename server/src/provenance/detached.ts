// Verifies a release artifact against a detached signature (`.asc` armored or `.sig` binary), the way
// Helm's own release tarballs are checked against Helm's KEYS file.
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import type { OutcomeCode, Problem } from './codes';
import { readBoundedFile } from './boundedRead';
import { describeIoError } from './hash';
import { escapeUntrusted } from './untrustedText';
import type { CheckKey } from './keyTypes';
import { detachedCheck, judgeSignatures, type Signer } from './signatureCheck';
import { countWork } from './work';

/** Release artifacts are far below this; the file is streamed, so the limit bounds time, not memory. */
export const MAX_DETACHED_FILE_BYTES = 1024 * 1024 * 1024;
const STREAM_CHUNK_BYTES = 1024 * 1024;
const MAX_SIGNATURE_BYTES = 1024 * 1024;

export interface DetachedOutcome {
  file: string;
  signature: string;
  verdict: 'verified' | 'rejected';
  code: OutcomeCode;
  message: string;
  warnings: Problem[];
  signer?: Signer;
}

async function readCapped(file: string, cap: number): Promise<Uint8Array | string> {
  const read = readBoundedFile(file, cap);
  return read.ok ? new Uint8Array(read.bytes.buffer, read.bytes.byteOffset, read.bytes.length) : read.message;
}

/** A regular file of at most `cap` bytes, opened as a fresh stream for each check; else why not. */
async function streamable(file: string, cap: number): Promise<(() => ReadableStream<Uint8Array>) | string> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return `${escapeUntrusted(file)} is not a regular file`;
    if (stat.size > cap) return `${escapeUntrusted(file)} is ${stat.size} bytes, over the ${cap}-byte limit`;
  } catch (e) {
    return `${escapeUntrusted(file)} cannot be read: ${describeIoError(e)}`;
  }
  return () => Readable.toWeb(createReadStream(file, { highWaterMark: STREAM_CHUNK_BYTES }).on('data', (chunk) => countWork('bytes-read', chunk.length))) as ReadableStream<Uint8Array>;
}

export async function verifyDetached(file: string, signatureFile: string, keys: CheckKey[], options: { now?: Date; trustedFingerprints?: string[] } = {}): Promise<DetachedOutcome> {
  const base = { file, signature: signatureFile, warnings: [] as Problem[] };
  const data = await streamable(file, MAX_DETACHED_FILE_BYTES);
  if (typeof data === 'string') return { ...base, verdict: 'rejected', code: 'missing-archive', message: data };
  const sig = await readCapped(signatureFile, MAX_SIGNATURE_BYTES);
  if (typeof sig === 'string') return { ...base, verdict: 'rejected', code: 'missing-prov', message: sig };
  const text = Buffer.from(sig).toString('latin1');
  const armored = text.includes('-----BEGIN PGP SIGNATURE-----');
  const check = await judgeSignatures({
    armoredOrBinary: armored ? text : sig,
    keys,
    now: options.now ?? new Date(),
    trustedFingerprints: options.trustedFingerprints,
    // Binary and text signatures (openpgp.js's enums.signature.binary, .text), named here so that a check
    // node:crypto covers does not load openpgp.js.
    classes: [0x00, 0x01],
    crypto: detachedCheck(data),
  });
  return { ...base, verdict: check.code === 'verified' ? 'verified' : 'rejected', code: check.code, message: check.message, warnings: check.warnings, signer: check.signer };
}
