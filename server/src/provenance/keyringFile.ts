// Reading a keyring file's bytes, bounded: apart from parsing them (keyring.ts), so that a keyring
// described from the cache (keyCache.ts) is read without loading the parsers or openpgp.js.
import { readBoundedFile } from './boundedRead';
import type { Result } from './codes';
import { fail, ok } from './codes';
import { escapeUntrusted } from './untrustedText';

/** Largest keyring read (a 100 000-signature flooded key is 46 MB; real keyrings are a few MB). */
export const MAX_KEYRING_BYTES = 64 * 1024 * 1024;

/** A regular file of at most `limit` bytes: a FIFO, a device or a growing file cannot block or exhaust memory. */
export async function readKeyringBytes(file: string, limit = MAX_KEYRING_BYTES): Promise<Result<Uint8Array>> {
  const read = readBoundedFile(file, limit);
  if (read.ok) return ok(new Uint8Array(read.bytes.buffer, read.bytes.byteOffset, read.bytes.length));
  switch (read.reason) {
    case 'missing': return fail('io-error', `Keyring ${escapeUntrusted(file)} does not exist.`);
    case 'too-large': return fail('keys-too-large', `${read.message}: keyrings this large are not read.`);
    default: return fail('io-error', `Keyring ${read.message}.`);
  }
}

