// Writes a file so that readers see either the old content or the complete new one, never a torn
// file: a temp file in the same directory (so rename stays on one file system), fsync, then rename.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fail, ok, type Result } from './codes';
import { describeIoError } from './hash';
import { escapeUntrusted } from './untrustedText';

export async function writeFileAtomic(target: string, data: Uint8Array | string, mode = 0o644): Promise<Result<void>> {
  const dir = path.dirname(target);
  // A dot-name no chart glob picks up; random so concurrent writers never share a temp file.
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(temp, 'wx', mode);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(temp, target);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await fs.rm(temp, { force: true }).catch(() => undefined);
    return fail('io-error', `Cannot write ${escapeUntrusted(target)}: ${describeIoError(e)}`);
  }
  await syncDirectory(dir);
  return ok(undefined);
}

/** Makes the rename itself durable; some platforms cannot open directories, which is harmless. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows and some network file systems refuse fsync on a directory; the data is already synced.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
