// SHA-256 of a file, read in large chunks into one reused buffer so memory stays bounded whatever
// the file's size (a read stream allocates a new chunk per read and runs near 0.6x openssl here).
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { fail, ok, type Result } from './codes';

/** 1 MiB reads: few syscalls, and at most one chunk in memory at a time. */
export const HASH_CHUNK_BYTES = 1024 * 1024;

export interface FileDigest {
  /** Lowercase hex, as Helm writes it after `sha256:`. */
  hex: string;
  size: number;
}

export async function sha256File(path: string): Promise<Result<FileDigest>> {
  const hash = createHash('sha256');
  let size = 0;
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    // A FIFO or device would block (even at open) or never end: only regular files are hashed.
    if (!(await stat(path)).isFile()) return fail('io-error', `Cannot hash ${path}: it is not a regular file`);
    handle = await open(path, 'r');
    const info = await handle.stat();
    const buffer = Buffer.allocUnsafe(Math.min(info.size + 1, HASH_CHUNK_BYTES));
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
    }
  } catch (e) {
    return fail('io-error', `Cannot read ${path}: ${describeIoError(e)}`);
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
  return String((e as Error)?.message ?? e);
}
