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
import * as fs from 'node:fs';
import { describeIoError } from './hash';
import { escapeUntrusted } from './untrustedText';
import { countWork } from './work';

export type BoundedRead =
  | { ok: true; bytes: Buffer }
  | { ok: false; reason: 'missing' | 'not-a-file' | 'too-large' | 'unreadable'; message: string; /** The reason without the path. */ detail: string };

const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/** The file's bytes; refused when it is not a regular file or is over `limit` bytes (also when it grew while read). */
export function readBoundedFile(file: string, limit: number): BoundedRead {
  return readRegularFile(file, limit, false);
}

/** At most `limit` + 1 bytes of the file: enough for a parser to report a file that is too large. */
export function readFileHead(file: string, limit: number): BoundedRead {
  return readRegularFile(file, limit, true);
}

function readRegularFile(file: string, limit: number, truncate: boolean): BoundedRead {
  let fd: number | undefined;
  const notAFile: BoundedRead = { ok: false, reason: 'not-a-file', message: `${escapeUntrusted(file)} is not a regular file`, detail: 'not a regular file' };
  try {
    // Looked at before opening: opening a device can have effects, opening a FIFO would wait for a writer.
    const stat = fs.statSync(file);
    if (!stat.isFile()) return notAFile;
    if (stat.size > limit && !truncate) return { ok: false, reason: 'too-large', message: `${escapeUntrusted(file)} is ${stat.size} bytes, over the ${limit}-byte limit`, detail: `${stat.size} bytes, over the ${limit}-byte limit` };
    fd = fs.openSync(file, OPEN_FLAGS);
    const opened = fs.fstatSync(fd);
    if (!opened.isFile()) return notAFile;
    // One byte more than expected, to notice a file that grew. Only the bytes read are handed out.
    const buffer = Buffer.allocUnsafe(Math.min(opened.size, limit) + 1);
    let length = 0;
    for (;;) {
      const bytesRead = fs.readSync(fd, buffer, length, buffer.length - length, null);
      countWork('bytes-read', bytesRead);
      if (bytesRead === 0) return { ok: true, bytes: buffer.subarray(0, length) };
      length += bytesRead;
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
