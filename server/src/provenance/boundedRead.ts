// Reads a whole file that must be a regular file of at most `limit` bytes. What a hostile path can be
// instead is refused before or while reading, never by running out of memory: a FIFO (opening one
// blocks until a writer comes), a device such as /dev/zero (it never ends, and its size is 0), a file
// that grows while it is read.
import * as fs from 'node:fs/promises';
import { describeIoError } from './hash';

export type BoundedRead =
  | { ok: true; bytes: Buffer }
  | { ok: false; reason: 'missing' | 'not-a-file' | 'too-large' | 'unreadable'; message: string; /** The reason without the path. */ detail: string };

export async function readBoundedFile(file: string, limit: number): Promise<BoundedRead> {
  let handle: fs.FileHandle | undefined;
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return { ok: false, reason: 'not-a-file', message: `${file} is not a regular file`, detail: 'not a regular file' };
    if (stat.size > limit) return { ok: false, reason: 'too-large', message: `${file} is ${stat.size} bytes, over the ${limit}-byte limit`, detail: `${stat.size} bytes, over the ${limit}-byte limit` };
    handle = await fs.open(file, 'r');
    // One byte more than the stat said, to notice a file that grew. Only the bytes read are handed out.
    const buffer = Buffer.allocUnsafe(stat.size + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) return { ok: true, bytes: buffer.subarray(0, length) };
      length += bytesRead;
      if (length > stat.size) return { ok: false, reason: 'too-large', message: `${file} grew while being read`, detail: 'it grew while being read' };
    }
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    const detail = describeIoError(e);
    return { ok: false, reason: missing ? 'missing' : 'unreadable', message: `${file} cannot be read: ${detail}`, detail };
  } finally {
    await handle?.close();
  }
}
