// Reads a chart archive (`<name>-<version>.tgz`) the way a careful Helm would: gunzip, then a tar walk
// of our own (go/tarReader.ts) feeding the chart-level rules (archiveContents.ts), streamed, with hard
// limits (archiveLimits.ts), and strict about everything tools disagree on.
//
// Refused (archive-invalid): not gzip (plain tar), damaged or truncated data, bytes after the last gzip
// member (zero padding excepted, as gzip(1) allows), data after the tar end marker, absolute paths,
// `..`/`.`/empty path components, backslashes, control characters, non-UTF-8 names, paths over 4096
// bytes or 128 components (MAX_PATH_BYTES, MAX_PATH_DEPTH), links, devices,
// FIFOs, sparse and unknown entry types, PAX/GNU headers that stack or rename, entries outside one top
// directory, a top directory other than the chart name, duplicate paths, more than one Chart.yaml
// (also by case), and no Chart.yaml. Subchart archives in `charts/` are never inflated: only the top
// Chart.yaml decides a chart's name and version.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp, type BigIntStats } from 'node:fs';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { fail, ok, type EngineErrorCode, type Problem, type Result } from './codes';
import { readBoundedFile } from './boundedRead';
import { describeIoError } from './hash';
import { escapeUntrusted } from './untrustedText';
import { countWork } from './work';
import { EngineError } from './engineError';
import { limitsOf, mib, type ArchiveLimits } from './archiveLimits';
import { ChartCollector, type ArchiveFile, type ChartArchive } from './archiveContents';
import { TarWalker } from './go/tarReader';
import type { ArchiveBuffers } from './archiveBuffers';

function notGzip(head: Buffer): EngineError {
  if (head.length >= 263 && head.subarray(257, 262).toString('latin1') === 'ustar') {
    return new EngineError('archive-invalid', 'this is a plain (uncompressed) tar file; a chart archive must be gzip-compressed');
  }
  return new EngineError('archive-invalid', head.length === 0 ? 'the archive is empty' : 'this is not a gzip-compressed chart archive');
}

function zlibError(e: unknown): EngineError | undefined {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'Z_BUF_ERROR') return new EngineError('archive-invalid', 'the archive is truncated (the gzip stream ends early)');
  if (err?.code === 'Z_DATA_ERROR') {
    return new EngineError('archive-invalid', /header|compression method/.test(err.message)
      ? 'unexpected bytes after the compressed data (trailing garbage or a damaged gzip member)'
      : `damaged gzip data (${err.message})`);
  }
  if (err?.code === 'ERR_BUFFER_TOO_LARGE') return new EngineError('archive-too-large', 'the archive inflates beyond the size limit');
  return undefined;
}

function asFailure(e: unknown, file: string): { ok: false; error: Problem & { code: EngineErrorCode } } {
  if (e instanceof EngineError) return fail(e.code, `${escapeUntrusted(file)}: ${e.message}`);
  const z = zlibError(e);
  if (z) return fail(z.code, `${escapeUntrusted(file)}: ${z.message}`);
  return fail('io-error', `Cannot read ${escapeUntrusted(file)}: ${describeIoError(e)}`);
}

/**
 * Archives up to this size (nearly every chart) are read whole and inflated in one call: a stream costs
 * a thread-pool round trip per chunk, about 4x the work for a 50 KiB chart (bench/findings.md).
 */
export const WHOLE_READ_BYTES = 2 * 1024 * 1024;
/**
 * At most this much is inflated in one call; a small archive that inflates further goes through the
 * streamed walk, which refuses at a header instead of after inflating everything (a gzip bomb).
 */
export const WHOLE_INFLATE_BYTES = 16 * 1024 * 1024;

/** What reading an archive file gave: the chart, and the file's digest whenever it could be read whole. */
export interface ArchiveExamination {
  chart: Result<ChartArchive, EngineErrorCode>;
  sha256?: string;
  /** False when the file was refused before reading: missing, unreadable, not a regular file or over the size limit. */
  readable: boolean;
  /** The path led to another file than the caller's `looked` when it was opened: nothing was read. */
  replaced?: true;
}

/** Reads and checks a chart archive on disk; the file is read once (digest included). */
export async function readChartArchive(path: string, limits?: Partial<ArchiveLimits>): Promise<Result<ChartArchive, EngineErrorCode>> {
  return (await examineChartArchive(path, path, limits)).chart;
}

/**
 * readChartArchive, naming the file `label` in messages and keeping the digest of an archive that is not a valid chart.
 * `judged(sha256)` is asked once an archive read whole has its digest: true (the caller examined these
 * very bytes already) stops there, answered as undefined; a streamed archive is always examined.
 * `buffers`: the caller's kept buffers (archiveBuffers.ts), read and inflated into instead of new
 * megabytes per check; a valid chart's tar stays there under its digest (readKeptArchive).
 * `looked`: the caller's stat of the path just before (boundedRead.ts), not made again.
 */
export async function examineChartArchive(path: string, label: string, limits?: Partial<ArchiveLimits>): Promise<ArchiveExamination>;
export async function examineChartArchive(path: string, label: string, limits: Partial<ArchiveLimits> | undefined, judged: (sha256: string) => boolean, buffers?: ArchiveBuffers, looked?: BigIntStats): Promise<ArchiveExamination | undefined>;
export async function examineChartArchive(path: string, label: string, limits?: Partial<ArchiveLimits>, judged?: (sha256: string) => boolean, buffers?: ArchiveBuffers, looked?: BigIntStats): Promise<ArchiveExamination | undefined> {
  const l = limitsOf(limits);
  const wholeBytes = Math.min(l.compressedBytes, WHOLE_READ_BYTES);
  const read = readBoundedFile(path, wholeBytes, { scratch: buffers?.readBuffer(WHOLE_READ_BYTES), looked });
  if (read.ok) {
    const sha256 = createHash('sha256').update(read.bytes).digest('hex');
    if (judged?.(sha256)) return undefined;
    // A kept read buffer is used again by the next examination: the streamed walk gets its own copy.
    const chart = walkArchiveBytes(read.bytes, label, l, sha256, false, WHOLE_INFLATE_BYTES, limits === undefined ? buffers : undefined)
      ?? await walkStream(Readable.from([Buffer.from(read.bytes)]), label, l, () => sha256);
    return { sha256, chart, readable: true };
  }
  switch (read.reason) {
    case 'not-a-file': return { chart: fail('archive-invalid', `${escapeUntrusted(label)} is not a regular file`), readable: false };
    case 'too-large': return streamChartArchive(path, label, l);
    default: return { chart: fail('io-error', `Cannot read ${escapeUntrusted(label)}: ${read.detail}`), readable: false, ...(read.reason === 'replaced' ? { replaced: true } : {}) };
  }
}

/** The streamed walk, for archives too large to read whole. */
async function streamChartArchive(path: string, label: string, l: ArchiveLimits): Promise<ArchiveExamination> {
  const refused = (chart: Result<ChartArchive, EngineErrorCode>): ArchiveExamination => ({ chart, readable: false });
  try {
    const stat = await fsp.stat(path);
    if (!stat.isFile()) return refused(fail('archive-invalid', `${escapeUntrusted(label)} is not a regular file`));
    if (stat.size > l.compressedBytes) return refused(fail('archive-too-large', `${escapeUntrusted(label)} is ${mib(stat.size)}, over the ${mib(l.compressedBytes)} limit for a chart archive`));
  } catch (e) {
    return refused(fail('io-error', `Cannot read ${escapeUntrusted(label)}: ${describeIoError(e)}`));
  }
  const hash = createHash('sha256');
  const chart = await walkStream(createReadStream(path, { highWaterMark: 1024 * 1024 }), label, l, () => hash.digest('hex'), (chunk) => hash.update(chunk));
  return { chart, readable: true };
}

async function walkStream(source: Readable, label: string, l: ArchiveLimits, digest: () => string, seen?: (chunk: Buffer) => void): Promise<Result<ChartArchive, EngineErrorCode>> {
  const collector = new ChartCollector(l, false);
  try {
    const { compressed, uncompressed } = await inflateAndWalk(source, collector, l, seen);
    return ok(collector.finish(digest(), compressed, uncompressed));
  } catch (e) {
    return asFailure(e, label);
  }
}

/** Gunzips `source` through the tar walk into `collector`; every compressed chunk is shown to `seen`. */
async function inflateAndWalk(source: Readable, collector: ChartCollector, l: ArchiveLimits, seen?: (chunk: Buffer) => void): Promise<{ compressed: number; uncompressed: number }> {
  const walker = new TarWalker(collector, l);
  let compressed = 0;
  let head: Buffer | undefined;
  await pipeline(
    source,
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        if (head === undefined) {
          head = chunk;
          if (chunk.length < 2 || chunk[0] !== 0x1f || chunk[1] !== 0x8b) return done(notGzip(chunk));
        }
        compressed += chunk.length;
        if (compressed > l.compressedBytes) return done(new EngineError('archive-too-large', `the archive grew past ${mib(l.compressedBytes)} while being read`));
        seen?.(chunk);
        done(null, chunk);
      },
      flush(done) { done(head === undefined ? notGzip(Buffer.alloc(0)) : null); },
    }),
    zlib.createGunzip(),
    new Writable({
      write(chunk: Buffer, _enc, done) {
        countWork('bytes-inflated', chunk.length);
        try { walker.write(chunk); done(); } catch (e) { done(e as Error); }
      },
      final(done) {
        try { walker.end(); done(); } catch (e) { done(e as Error); }
      },
    }),
  );
  return { compressed, uncompressed: walker.uncompressed };
}

/**
 * The same checks on archive bytes in memory (a subchart archive while packaging), optionally keeping
 * every file's contents. The inflated size never exceeds `limits.uncompressedBytes`.
 */
export function readChartArchiveBytes(bytes: Uint8Array, label: string, limits?: Partial<ArchiveLimits>, keepFiles = false): Result<ChartArchive & { files: ArchiveFile[] }, EngineErrorCode> {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const l = limitsOf(limits);
  // With the cap at the limit, the walk always answers.
  return walkArchiveBytes(data, label, l, createHash('sha256').update(data).digest('hex'), keepFiles, l.uncompressedBytes)!;
}

/**
 * zlib's output chunk for inflating `data` at once: the size its gzip trailer announces (ISIZE, the last
 * member's size modulo 4 GiB), so that the usual archive inflates into one buffer instead of 16 KiB
 * pieces copied together at the end (a 1 MiB archive: 64 allocations and a 1 MiB copy). Only a hint:
 * a wrong one costs buffers, never a different result, and the output stays capped at `max`.
 */
function outputChunk(data: Buffer, max: number): number {
  const announced = data.length >= 4 ? data.readUInt32LE(data.length - 4) : 0;
  return Math.max(zlib.constants.Z_DEFAULT_CHUNK, Math.min(announced + 1, max));
}

/**
 * readChartArchiveBytes of the archive whose digest is `sha256`, with its files, when `buffers` keep its
 * tar (the last archive they examined whole with the default limits, a valid chart). The editor compares
 * an archive with its chart folder (a manifest of every file) right after checking the same new bytes:
 * that walks this tar again instead of reading and inflating the file a second time. The files' data
 * are views of the kept tar, valid until the buffers' next examination.
 */
export function readKeptArchive(sha256: string, label: string, buffers: ArchiveBuffers): Result<ChartArchive & { files: ArchiveFile[] }, EngineErrorCode> | undefined {
  const kept = buffers.kept(sha256);
  if (!kept) return undefined;
  const collector = new ChartCollector(limitsOf(), true);
  try {
    const uncompressed = walkTar(kept.bytes, collector, limitsOf());
    return ok({ ...collector.finish(sha256, kept.compressedSize, uncompressed), files: collector.files });
  } catch (e) {
    return asFailure(e, label);
  }
}

function walkTar(tar: Buffer, collector: ChartCollector, l: ArchiveLimits): number {
  const walker = new TarWalker(collector, l);
  walker.write(tar);
  walker.end();
  return walker.uncompressed;
}

/**
 * The checks on bytes in memory; undefined when they inflate past `inflateCap` (below the limit) and must
 * be streamed. `buffers`: inflated into them when it fits, and a valid chart's tar is kept there.
 */
function walkArchiveBytes(data: Buffer, label: string, l: ArchiveLimits, sha256: string, keepFiles: boolean, inflateCap: number, buffers?: ArchiveBuffers): Result<ChartArchive & { files: ArchiveFile[] }, EngineErrorCode> | undefined {
  const collector = new ChartCollector(l, keepFiles);
  try {
    if (data.length < 2 || data[0] !== 0x1f || data[1] !== 0x8b) throw notGzip(data);
    if (data.length > l.compressedBytes) throw new EngineError('archive-too-large', `${mib(data.length)} is over the ${mib(l.compressedBytes)} limit for a chart archive`);
    const cap = Math.min(inflateCap, l.uncompressedBytes);
    let inflated: Buffer;
    try {
      // One byte over the limit, so the walk (not zlib) reports an archive that inflates too far.
      const chunkSize = outputChunk(data, cap + 1);
      // Anything but a complete inflate that fits the kept buffer goes through gunzipSync, which answers it as before.
      inflated = buffers?.inflate(data, chunkSize) ?? zlib.gunzipSync(data, { maxOutputLength: cap + 1, chunkSize });
      countWork('bytes-inflated', inflated.length);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') countWork('bytes-inflated', cap + 1); // inflated, then refused by zlib
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' && cap < l.uncompressedBytes) return undefined;
      throw e;
    }
    const uncompressed = walkTar(inflated, collector, l);
    const chart = ok({ ...collector.finish(sha256, data.length, uncompressed), files: collector.files });
    buffers?.keep(sha256, data.length, inflated);
    return chart;
  } catch (e) {
    return asFailure(e, label);
  }
}
