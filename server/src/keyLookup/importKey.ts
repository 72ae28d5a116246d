// Importing a found key is the user's own act: into the keyring file they name, merged as
// `gpg --import` merges (one key per fingerprint, new user ids, subkeys and signatures added, a
// revocation kept), through keyView.ts. The file is rewritten atomically in its own form (binary or
// armored); a keybox, a KEYS file or a keyring with parts that cannot be read is refused, since
// rewriting it would lose what this program does not understand.
import * as fs from 'node:fs';
import type * as openpgp from 'openpgp';
import { writeFileAtomic } from '../provenance/atomicWrite';
import { fail, ok, type Result } from '../provenance/codes';
import { loadKeyringFile } from '../provenance/keyring';
import type { Keyring, LoadedKey } from '../provenance/keyTypes';
import { keyView } from '../provenance/keyView';
import { escapeUntrusted } from '../provenance/untrustedText';

export interface ImportResult {
  file: string;
  /** `new`: the keyring did not hold the key; `updated`: merged into its copy; `unchanged`: nothing new. */
  change: 'new' | 'updated' | 'unchanged';
  key: LoadedKey;
}

function armoredName(file: string): boolean {
  return /\.(asc|txt)$/i.test(file);
}

async function existingRing(file: string, now: Date): Promise<Result<Keyring | undefined>> {
  // A missing or empty file is a new keyring (gpg creates an empty pubring.kbx/pubring.gpg too).
  if (!fs.existsSync(file) || (fs.statSync(file).isFile() && fs.statSync(file).size === 0)) return ok(undefined);
  const ring = await loadKeyringFile(file, now);
  if (!ring.ok) return ring;
  const what = escapeUntrusted(file, 400);
  if (ring.value.format === 'keybox') return fail('io-error', `${what} is a GnuPG keybox, which this program does not write: import with "gpg --import" instead, or name a .gpg/.asc keyring file`);
  if (ring.value.format === 'keys-file') return fail('io-error', `${what} is a KEYS file, the repository's list of keys: import into your own keyring file instead`);
  const blocking = ring.value.problems.filter((p) => p.severity === 'error');
  if (blocking.length > 0) return fail('io-error', `${what} has parts that cannot be read (${escapeUntrusted(blocking[0].message)}); rewriting it would lose them: not changed`);
  return ok(ring.value);
}

function serialize(keys: LoadedKey[], revocations: Uint8Array[], armored: boolean, pgp: typeof openpgp): Uint8Array | string {
  const parts = [...keys.map((k) => k.key.write()), ...revocations];
  const bytes = Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.length)));
  if (!armored) return bytes;
  const type = keys.some((k) => k.key.isPrivate()) ? pgp.enums.armor.privateKey : pgp.enums.armor.publicKey;
  return pgp.armor(type, bytes);
}

/** Merges `key` (its public part) into the keyring `file`, creating it when missing. */
export async function importIntoKeyring(file: string, key: LoadedKey, now: Date = new Date()): Promise<Result<ImportResult>> {
  const ring = await existingRing(file, now);
  if (!ring.ok) return ring;
  const existing = ring.value;
  const incoming: LoadedKey = key.key.isPrivate() ? { ...key, key: key.key.toPublic() } : key;
  const before = existing?.keys.find((k) => k.info.fingerprint === key.info.fingerprint);
  const merged = await keyView([existing ?? { keys: [], revocations: [] }, { keys: [incoming], revocations: [] }], now);
  const after = merged.find((k) => k.info.fingerprint === key.info.fingerprint)!;
  const change = !before ? 'new' : Buffer.from(before.key.write()).equals(after.key.write()) ? 'unchanged' : 'updated';
  if (change !== 'unchanged') {
    const armored = existing ? existing.format === 'armored' : armoredName(file);
    const written = await writeFileAtomic(file, serialize(merged, existing?.revocations ?? [], armored, await import('openpgp')), 0o600);
    if (!written.ok) return written;
  }
  return ok({ file, change, key: after });
}
