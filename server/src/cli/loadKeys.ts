// The public keys a verifying command checks against: the keyrings named with --keyring, else GnuPG's
// default ones. Shared by `verify`, `verify-file`, the registry commands and `release-check`.
import * as fs from 'node:fs';
import type { KeyringBytes, PrivateStore } from '../provenance/keyCache';
import type { CheckKey, Keyring, LoadedKey } from '../provenance/keyTypes';
import { escapeUntrusted } from '../provenance/untrustedText';
import type { Io } from './io';

/** The keys of the named keyrings (else GnuPG's defaults); undefined, said on stderr, when a named one cannot be read. */
export async function loadKeys(files: string[] | undefined, io: Io): Promise<LoadedKey[] | undefined> {
  const { defaultKeyringPaths, loadKeyringFile } = await import('../provenance/keyring');
  const { keyView } = await import('../provenance/keyView');
  const explicit = files && files.length > 0;
  const paths = explicit ? files : defaultKeyringPaths().filter((p) => fs.existsSync(p));
  const rings: Keyring[] = [];
  for (const p of paths) {
    const ring = await loadKeyringFile(p);
    if (!ring.ok) {
      // As `helm verify --keyring` does: an error naming the file, exit 1, not a usage text.
      if (explicit) {
        io.err(`Error: ${escapeUntrusted(ring.error.message, 2000)} [${ring.error.code}]`);
        return undefined;
      }
      io.err(`warning: ${escapeUntrusted(ring.error.message, 2000)}`);
      continue;
    }
    rings.push(ring.value);
  }
  return keyView(rings, new Date());
}

/** The launcher's private cache folder (bin/privateCache.js), when it hands one over. */
let privateStore: PrivateStore | undefined;

export function setPrivateCache(store: PrivateStore | undefined): void {
  privateStore = store;
}

/**
 * The keys a `verify` checks against, as `loadKeys` gives them but described from the keyring cache
 * when it holds (keyCache.ts): then neither the keys are parsed nor openpgp.js is loaded.
 */
export async function loadCheckKeys(files: string[] | undefined, io: Io): Promise<CheckKey[] | undefined> {
  const { defaultKeyringPaths } = await import('../provenance/userPaths');
  const { readKeyringBytes } = await import('../provenance/keyringFile');
  const { keyringView } = await import('../provenance/keyCache');
  const explicit = files && files.length > 0;
  const paths = explicit ? files : defaultKeyringPaths().filter((p) => fs.existsSync(p));
  const rings: KeyringBytes[] = [];
  for (const file of paths) {
    const bytes = await readKeyringBytes(file);
    if (!bytes.ok) {
      if (explicit) {
        io.err(`Error: ${escapeUntrusted(bytes.error.message, 2000)} [${bytes.error.code}]`);
        return undefined;
      }
      io.err(`warning: ${escapeUntrusted(bytes.error.message, 2000)}`);
      continue;
    }
    rings.push({ file, bytes: bytes.value });
  }
  return keyringView(rings, new Date(), privateStore);
}
