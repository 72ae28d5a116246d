// The public keys a verifying command checks against: the keyrings named with --keyring, else GnuPG's
// default ones. Shared by `verify`, `verify-file`, the registry commands and `release-check`.
import * as fs from 'node:fs';
import type { Keyring, LoadedKey } from '../provenance/keyTypes';
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
