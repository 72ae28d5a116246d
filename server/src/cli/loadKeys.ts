// The public keys a verifying command checks against: the keyrings named with --keyring, else GnuPG's
// default ones. `loadCheckKeys` for every command that only checks signatures with them (`verify`,
// `verify-file`, the registry `verify`, `deps`); `loadKeys` for `release-check`, which compares the
// user's own keys with the KEYS files' and keyservers' copies (keyView merges openpgp.js keys).
import * as fs from 'node:fs';
import type { KeyringBytes, PrivateStore } from '../provenance/keyCache';
import type { Result } from '../provenance/codes';
import type { CheckKey, LoadedKey } from '../provenance/keyTypes';
import { escapeUntrusted } from '../provenance/untrustedText';
import type { Io } from './io';

/** The keys of the named keyrings (else GnuPG's defaults); undefined, said on stderr, when a named one cannot be read. */
export async function loadKeys(files: string[] | undefined, io: Io): Promise<LoadedKey[] | undefined> {
  const { loadKeyringFile } = await import('../provenance/keyring');
  const { keyView } = await import('../provenance/keyView');
  const rings = await readEach(files, io, (file) => loadKeyringFile(file));
  return rings && keyView(rings, new Date());
}

/**
 * `read` over the named keyrings, else over GnuPG's default ones that exist. A named one that cannot be read
 * ends it (undefined), as `helm verify --keyring` does: an error naming the file, exit 1, not a usage text; a
 * default one is a warning and skipped.
 */
async function readEach<T>(files: string[] | undefined, io: Io, read: (file: string) => Promise<Result<T>>): Promise<T[] | undefined> {
  const { defaultKeyringPaths } = await import('../provenance/userPaths');
  const explicit = files && files.length > 0;
  const paths = explicit ? files : defaultKeyringPaths().filter((p) => fs.existsSync(p));
  const rings: T[] = [];
  for (const file of paths) {
    const got = await read(file);
    if (!got.ok) {
      if (explicit) {
        io.err(`Error: ${escapeUntrusted(got.error.message, 2000)} [${got.error.code}]`);
        return undefined;
      }
      io.err(`warning: ${escapeUntrusted(got.error.message, 2000)}`);
      continue;
    }
    rings.push(got.value);
  }
  return rings;
}

/** The launcher's private cache folder (bin/privateCache.js), when it hands one over. */
let privateStore: PrivateStore | undefined;

export function setPrivateCache(store: PrivateStore | undefined): void {
  privateStore = store;
}

/**
 * The keys a signature is checked against, as `loadKeys` gives them but described from the keyring cache
 * when it holds (keyCache.ts): then the keys are not parsed, and openpgp.js is loaded only by a check that
 * needs it (a key or signature node:crypto does not cover, a detached signature).
 */
export async function loadCheckKeys(files: string[] | undefined, io: Io): Promise<CheckKey[] | undefined> {
  const { readKeyringBytes } = await import('../provenance/keyringFile');
  const { keyringView } = await import('../provenance/keyCache');
  const rings = await readEach<KeyringBytes>(files, io, async (file) => {
    const bytes = await readKeyringBytes(file);
    return bytes.ok ? { ok: true, value: { file, bytes: bytes.value } } : bytes;
  });
  return rings && (await keyringView(rings, new Date(), privateStore)).keys;
}
