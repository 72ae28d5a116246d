// Reads a whole file that must be a regular file of at most `limit` bytes. What a hostile path can be
// instead is refused before or while reading, never by running out of memory: a FIFO (opening one
// blocks until a writer comes), a device such as /dev/zero (it never ends, and its size is 0), a file
// that grows while it is read.
//
// The reads are synchronous: the files read this way are small (a .prov, a Chart.yaml, a keyring, an
// archive of at most 2 MiB), and each of the four calls costs 3–9 µs of CPU where the promise API
// costs 15–70 µs and a thread-pool round trip; with a dozen calls per chart that was a fifth of
// verifying a chart (bench/findings.md). Opening with O_NONBLOCK keeps even a path swapped for a FIFO
// after the stat from blocking: the open returns, and the handle's own stat refuses it.
//
// `noFollow` is for a path that must not lead anywhere else (a chart's file, already resolved inside
// the chart directory when packaging): a symlink there is refused, also one swapped in between the
// look and the open (O_NOFOLLOW).
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeIoError } from './hash';
import { escapeUntrusted } from './untrustedText';
import { countWork } from './work';

export type BoundedRead =
  | { ok: true; bytes: Buffer }
  | {
    ok: false; reason: 'missing' | 'not-a-file' | 'too-large' | 'unreadable' | 'timed-out' | 'replaced'; message: string;
    /** The reason without the path. */ detail: string;
    /** With `too-large`: the file's size when it was over the limit before reading (not when it grew while read). */ size?: number;
  };

export interface BoundedReadOptions {
  /** Refuse a symbolic link at the path instead of following it (lstat, then O_NOFOLLOW). */
  noFollow?: boolean;
  /** Read into this buffer when the file fits (the answer is then a view of it, valid until its next use). */
  scratch?: Buffer;
  /**
   * The caller's stat of the path (an lstat with `noFollow`), taken just before: the look before opening,
   * not made again (caches.ts stamps the archive with it). The opened handle is still looked at.
   */
  looked?: fs.Stats | fs.BigIntStats;
}

const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);
const NO_FOLLOW = fs.constants.O_NOFOLLOW ?? 0;

/** The file's bytes; refused when it is not a regular file or is over `limit` bytes (also when it grew while read). */
export function readBoundedFile(file: string, limit: number, options: BoundedReadOptions = {}): BoundedRead {
  return readRegularFile(file, limit, false, options.noFollow === true, options.scratch, options.looked);
}

/** At most `limit` + 1 bytes of the file: enough for a parser to report a file that is too large. */
export function readFileHead(file: string, limit: number): BoundedRead {
  return readRegularFile(file, limit, true, false);
}

function readRegularFile(file: string, limit: number, truncate: boolean, noFollow: boolean, scratch?: Buffer, looked?: fs.Stats | fs.BigIntStats): BoundedRead {
  let fd: number | undefined;
  const notAFile = (): BoundedRead => ({ ok: false, reason: 'not-a-file', message: `${escapeUntrusted(file)} is not a regular file`, detail: 'not a regular file' });
  try {
    // Looked at before opening: opening a device can have effects, opening a FIFO would wait for a writer.
    const stat = looked ?? (noFollow ? fs.lstatSync(file) : fs.statSync(file));
    if (!stat.isFile()) return notAFile();
    const statSize = Number(stat.size);
    if (statSize > limit && !truncate) return { ok: false, reason: 'too-large', message: `${escapeUntrusted(file)} is ${statSize} bytes, over the ${limit}-byte limit`, detail: `${statSize} bytes, over the ${limit}-byte limit`, size: statSize };
    fd = fs.openSync(file, OPEN_FLAGS | (noFollow ? NO_FOLLOW : 0));
    // With `looked`, at full width: inode numbers can pass 2^53.
    const opened = looked ? fs.fstatSync(fd, { bigint: true }) : fs.fstatSync(fd);
    if (!opened.isFile()) return notAFile();
    // The caller stamps the bytes with `looked`: they must be that file's. A folder or link on the way
    // swapped between the look and the open (and back after the read) changes no stamp of the path.
    if (looked && (BigInt(looked.dev) !== BigInt(opened.dev) || BigInt(looked.ino) !== BigInt(opened.ino))) return { ok: false, reason: 'replaced', message: `${escapeUntrusted(file)} was replaced while being opened`, detail: 'it was replaced while being opened' };
    // One byte more than expected, to notice a file that grew. Only the bytes read are handed out.
    const openedSize = Number(opened.size);
    const size = Math.min(openedSize, limit) + 1;
    const buffer = scratch && scratch.length >= size ? scratch.subarray(0, size) : Buffer.allocUnsafe(size);
    let length = 0;
    for (;;) {
      const asked = buffer.length - length;
      const bytesRead = fs.readSync(fd, buffer, length, asked, null);
      countWork('bytes-read', bytesRead);
      length += bytesRead;
      // A read of a regular file that stops short has met its end: stopping short exactly at the size
      // the handle had is the end, so no read of 0 bytes follows (one system call a file). A file that
      // grew before this read filled the extra byte instead; one that grows after it could as well
      // grow after the close. A short read anywhere else (a file that shrank) reads on to the 0.
      if (bytesRead === 0 || (bytesRead < asked && length === openedSize)) return { ok: true, bytes: buffer.subarray(0, length) };
      if (length === buffer.length) {
        if (truncate) return { ok: true, bytes: buffer };
        return { ok: false, reason: 'too-large', message: `${escapeUntrusted(file)} grew while being read`, detail: 'it grew while being read' };
      }
    }
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    const detail = describeIoError(e);
    return { ok: false, reason: missing ? 'missing' : 'unreadable', message: `${escapeUntrusted(file)} cannot be read: ${detail}`, detail };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

// ---- Small inputs that may be pipes: a passphrase from `--passphrase-file <(pass show key)` (a pipe
// at /dev/fd/N), a named FIFO, or standard input. Read to their end, but never more than `limit` bytes
// and never waiting forever: a FIFO nobody writes to, or a pipe whose writer never closes it, is given
// up on after a bounded wait. Devices (/dev/zero, /dev/urandom, a disk) are refused before opening.

/** How long to wait for a FIFO's writer to appear, and for the whole input to arrive. */
export interface InputWait { writerMs: number; totalMs: number }

/** How often a FIFO with nothing to read yet is looked at again. */
const POLL_MS = 20;

function failure(reason: Exclude<BoundedRead, { ok: true }>['reason'], label: string, detail: string): BoundedRead {
  return { ok: false, reason, message: `${label} ${detail}`, detail };
}

/** A regular file (as readBoundedFile) or a FIFO/pipe, read without blocking; anything else is refused. */
export async function readBoundedInput(file: string, limit: number, wait: InputWait): Promise<BoundedRead> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    return failure(missing ? 'missing' : 'unreadable', file, missing ? 'does not exist' : `cannot be read: ${describeIoError(e)}`);
  }
  if (stat.isFile()) return readBoundedFile(file, limit);
  if (!stat.isFIFO()) return failure('not-a-file', file, 'is not a regular file or a pipe (devices, sockets and directories are not read)');
  let fd: number | undefined;
  try {
    // O_NONBLOCK: the open returns at once even with no writer, and reads return what is there.
    fd = fs.openSync(file, OPEN_FLAGS);
    if (!fs.fstatSync(fd).isFIFO()) return failure('not-a-file', file, 'changed while it was opened');
    return await pollFifo(fd, file, limit, wait);
  } catch (e) {
    return failure('unreadable', file, `cannot be read: ${describeIoError(e)}`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

async function pollFifo(fd: number, label: string, limit: number, wait: InputWait): Promise<BoundedRead> {
  const buffer = Buffer.allocUnsafe(limit + 1);
  let length = 0;
  // A read of 0 bytes means end of input only once a writer has been seen: before that, nobody has opened it yet.
  let writerSeen = false;
  const start = Date.now();
  for (;;) {
    let bytesRead = -1;
    try {
      bytesRead = fs.readSync(fd, buffer, length, buffer.length - length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      writerSeen = true; // a writer has it open, with nothing written yet
    }
    if (bytesRead > 0) {
      writerSeen = true;
      length += bytesRead;
      if (length > limit) return failure('too-large', label, `holds more than the ${limit}-byte limit`);
      continue;
    }
    if (bytesRead === 0 && writerSeen) return { ok: true, bytes: buffer.subarray(0, length) };
    const waited = Date.now() - start;
    if (!writerSeen && waited >= wait.writerMs) return failure('timed-out', label, `is a pipe nobody wrote to within ${wait.writerMs / 1000} s`);
    if (waited >= wait.totalMs) return failure('timed-out', label, `did not reach its end within ${wait.totalMs / 1000} s`);
    await sleep(POLL_MS);
  }
}

/**
 * Standard input to its end, bounded the same way. A terminal is read (end it with Ctrl-D); another
 * character or block device (`< /dev/zero`) is refused before reading.
 */
export async function readBoundedStdin(limit: number, totalMs: number): Promise<BoundedRead> {
  const label = 'standard input';
  try {
    const stat = fs.fstatSync(0);
    // Required here, not with the module: node:tty loads the net and stream modules, which a verify never
    // needs (a plain require: the bundle must hold no import(), bin/helm-prov.js's code cache refuses it).
    const { isatty } = require('node:tty') as typeof import('node:tty');
    if ((stat.isCharacterDevice() && !isatty(0)) || stat.isBlockDevice() || stat.isDirectory()) {
      return failure('not-a-file', label, 'is a device, not a file, a pipe or a terminal');
    }
  } catch (e) {
    return failure('unreadable', label, `cannot be read: ${describeIoError(e)}`);
  }
  return readBoundedStream(process.stdin, label, limit, totalMs);
}

/** A stream to its end: at most `limit` bytes and `totalMs` milliseconds, after which it is destroyed. */
export function readBoundedStream(stream: Readable, label: string, limit: number, totalMs: number): Promise<BoundedRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const finish = (result: BoundedRead): void => {
      clearTimeout(timer);
      stream.removeAllListeners('data').removeAllListeners('end').removeAllListeners('error');
      if (!result.ok) stream.destroy();
      else stream.pause();
      resolve(result);
    };
    const timer = setTimeout(() => finish(failure('timed-out', label, `did not reach its end within ${totalMs / 1000} s`)), totalMs);
    stream.on('data', (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      length += bytes.length;
      if (length > limit) finish(failure('too-large', label, `holds more than the ${limit}-byte limit`));
      else chunks.push(bytes);
    });
    stream.on('end', () => finish({ ok: true, bytes: Buffer.concat(chunks, length) }));
    stream.on('error', (e) => finish(failure('unreadable', label, `cannot be read: ${describeIoError(e)}`)));
  });
}
