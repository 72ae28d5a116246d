// SHA-256 of a file, read in large chunks into two reused buffers so memory stays bounded whatever
// the file's size (a read stream allocates a new chunk per read and ran near 0.6x openssl here), and
// reading overlaps hashing.
import { createHash } from 'node:crypto';
// `fs.promises` is read when a file is hashed: importing node:fs/promises loads Node's promise file API
// (and its readline and stream helpers) at start, which a verify of small archives never uses.
import * as fs from 'node:fs';
import { fail, ok, type Result } from './codes';
import { escapeUntrusted } from './untrustedText';
import { countWork } from './work';

/** 1 MiB reads: few syscalls, and two chunks in memory at a time. */
export const HASH_CHUNK_BYTES = 1024 * 1024;

export interface FileDigest {
  /** Lowercase hex, as Helm writes it after `sha256:`. */
  hex: string;
  size: number;
}

export async function sha256File(path: string): Promise<Result<FileDigest>> {
  const hash = createHash('sha256');
  let size = 0;
  let handle: fs.promises.FileHandle | undefined;
  try {
    // A FIFO or device would block (even at open) or never end: only regular files are hashed.
    if (!(await fs.promises.stat(path)).isFile()) return fail('io-error', `Cannot hash ${escapeUntrusted(path)}: it is not a regular file`);
    handle = await fs.promises.open(path, 'r');
    const info = await handle.stat();
    const length = Math.min(info.size + 1, HASH_CHUNK_BYTES);
    // Two buffers: the next chunk is read (on the thread pool) while this thread hashes the last one.
    const buffers = [Buffer.allocUnsafe(length), Buffer.allocUnsafe(length)];
    let which = 0;
    let reading = handle.read(buffers[which], 0, length, 0);
    for (;;) {
      const { bytesRead } = await reading;
      if (bytesRead === 0) break;
      const chunk = buffers[which].subarray(0, bytesRead);
      size += bytesRead;
      countWork('bytes-hashed', bytesRead);
      which ^= 1;
      reading = handle.read(buffers[which], 0, length, size);
      hash.update(chunk);
    }
  } catch (e) {
    return fail('io-error', `Cannot read ${escapeUntrusted(path)}: ${describeIoError(e)}`);
  } finally {
    await handle?.close();
  }
  return ok({ hex: hash.digest('hex'), size });
}

/** "ENOENT: no such file or directory" style text without the path repeated. */
export function describeIoError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string') {
    const reasons: Record<string, string> = {
      ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'it is a directory',
      ENOTDIR: 'a parent is not a directory', EMFILE: 'too many open files', ENOSPC: 'no space left on device',
      EROFS: 'read-only file system', ELOOP: 'too many levels of symbolic links',
    };
    return reasons[err.code] ?? `${err.code}`;
  }
  return escapeUntrusted(String((e as Error)?.message ?? e));
}
