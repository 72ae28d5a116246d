// Keyrings in every form a user has them: binary (`pubring.gpg`, exported secret keyrings), armored
// (one or many blocks, text between), GnuPG keyboxes (`pubring.kbx`) and Apache KEYS files. The format
// is sniffed from the bytes, never trusted from the file name (except to call a text file a KEYS file).
import * as path from 'node:path';
import type { Problem, Result } from './codes';
import { fail, ok } from './codes';
import { readKeyringBytes } from './keyringFile';
import { escapeUntrusted } from './untrustedText';
import { isKeybox, readKeybox } from './keybox';
import { addOrMerge, KeyBudget, loadBinaryKeys } from './keyLoader';
import { looksLikeKeyPackets } from './keyPackets';
import { applyRevocations } from './keyView';
import { loadKeysLayout, parseKeysFile } from './keysFile';
import type { Keyring, KeyringFormat, LoadedKey } from './keyTypes';
import { lenientUtf8 } from './utf8';

export { defaultKeyringPaths } from './userPaths';
export { MAX_KEYRING_BYTES } from './keyringFile';

/**
 * Largest armored keyring or KEYS file read. Text costs about three times its size in memory while it
 * is de-armored (the text, a transient copy, the bytes), so a 62 MB armored flooded key would need
 * ~290 MB; the language server reads workspace KEYS files up to the same 16 MiB.
 */
export const MAX_TEXT_KEYRING_BYTES = 16 * 1024 * 1024;

function isText(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 4096);
  return !sample.includes(0) && !looksLikeKeyPackets(bytes);
}

/** Merges keys of one file into a list, gpg --import style (same fingerprint → one key). */
async function collect(into: LoadedKey[], keys: LoadedKey[], now: Date, budget: KeyBudget): Promise<void> {
  for (const key of keys) await addOrMerge(into, key, now, budget);
}

/** The file's own revocation certificates applied to its keys, and what the budget did not allow reported. */
async function finish(keyring: Keyring, now: Date, budget: KeyBudget): Promise<Keyring> {
  await applyRevocations(keyring.keys, keyring.revocations, now, budget);
  const problem = budget.problem();
  if (problem) keyring.problems.push(problem);
  return keyring;
}

/** Reads a keyring from bytes; bad keys land in `problems` and never stop the others. Never throws. */
export async function parseKeyring(bytes: Uint8Array, file: string, now: Date = new Date()): Promise<Keyring> {
  if (isKeybox(bytes)) {
    const keybox = readKeybox(bytes, KeyBudget.KEYS_PER_FILE);
    const keyring: Keyring = { format: 'keybox', keys: [], problems: keybox.problems.map((message) => ({ code: 'keys-malformed', severity: 'warning', message })), revocations: [], read: [] };
    const budget = new KeyBudget();
    if (keybox.truncated) budget.skipped++;
    for (const block of keybox.keyblocks) {
      const loaded = await loadBinaryKeys(block.bytes, { file, where: `keyblock at offset ${block.offset}`, secretKeys: 'keep', now, budget });
      await collect(keyring.keys, loaded.keys, now, budget);
      keyring.problems.push(...loaded.problems);
      keyring.revocations.push(...loaded.revocations);
      keyring.read.push(...loaded.read);
    }
    return finish(keyring, now, budget);
  }
  if (looksLikeKeyPackets(bytes)) {
    const budget = new KeyBudget();
    const loaded = await loadBinaryKeys(bytes, { file, secretKeys: 'keep', now, budget });
    const keys: LoadedKey[] = [];
    await collect(keys, loaded.keys, now, budget);
    return finish({ format: 'binary', keys, problems: loaded.problems, revocations: loaded.revocations, read: loaded.read }, now, budget);
  }
  if (isText(bytes)) {
    if (bytes.length > MAX_TEXT_KEYRING_BYTES) {
      const message = `${escapeUntrusted(file)} is ${bytes.length} bytes of text; armored keyrings and KEYS files over ${MAX_TEXT_KEYRING_BYTES} bytes are not read (real ones are well under 1 MB). A key flooded with signatures loads, trimmed, from its binary form: gpg --dearmor.`;
      return { format: 'armored', keys: [], problems: [{ code: 'keys-too-large', severity: 'error', message }], revocations: [], read: [] };
    }
    const text = lenientUtf8(bytes);
    const layout = parseKeysFile(text);
    // A KEYS file is public: its secret keys are reported and reduced to their public part.
    const format: KeyringFormat = /^KEYS\b|\.KEYS$/i.test(path.basename(file)) || layout.listings.length > 0 ? 'keys-file' : 'armored';
    const loaded = await loadKeysLayout(layout, format === 'keys-file'
      ? { file, now, secretKeys: 'public-only', verificationUnits: KeyBudget.VERIFICATION_UNITS_PER_KEYS_FILE }
      : { file, now, secretKeys: 'keep' });
    return { format, keys: loaded.keys, problems: loaded.problems, revocations: loaded.revocations, read: loaded.read };
  }
  const problem: Problem = { code: 'keys-no-openpgp', severity: 'error', message: `${escapeUntrusted(file)} is not an OpenPGP keyring, keybox, armored key or KEYS file.` };
  return { format: 'binary', keys: [], problems: [problem], revocations: [], read: [] };
}

/** Loads a keyring file of any supported format; a missing, unreadable or oversized file is an error value. */
export async function loadKeyringFile(file: string, now: Date = new Date()): Promise<Result<Keyring>> {
  const bytes = await readKeyringBytes(file);
  if (!bytes.ok) return bytes;
  return ok(await parseKeyring(bytes.value, file, now));
}

type KeyQueryError = 'key-not-found' | 'key-ambiguous';

function describeCandidates(keys: LoadedKey[]): string {
  return keys.map((k) => `${k.info.fingerprint}${k.info.primaryUserId ? ` ${escapeUntrusted(k.info.primaryUserId)}` : ''}`).join('; ');
}

/** Distinct keys (first copy of each fingerprint), flattened from keyrings and loose keys. */
function distinctKeys(sources: readonly (Keyring | LoadedKey)[]): LoadedKey[] {
  const seen = new Set<string>();
  const keys: LoadedKey[] = [];
  for (const source of sources) {
    for (const key of 'format' in source ? source.keys : [source]) {
      if (seen.has(key.info.fingerprint)) continue;
      seen.add(key.info.fingerprint);
      keys.push(key);
    }
  }
  return keys;
}

/**
 * Finds one key, like `helm --key` and `gpg --local-user`: by fingerprint (40/64 hex) or 16-hex key id
 * of the primary or a subkey (any case, spaces and 0x allowed), else by user id: an exact user id
 * first, then a case-insensitive substring that must name exactly one key.
 * A hex query never falls back to user ids (a user id could contain someone else's fingerprint), and
 * 8-hex short key ids are refused (collisions are cheap to make).
 */
export function findKeys(sources: readonly (Keyring | LoadedKey)[], query: string): Result<LoadedKey, KeyQueryError> {
  const keys = distinctKeys(sources);
  const trimmed = query.trim();
  if (trimmed === '') return fail('key-not-found', 'No key given: pass a fingerprint or a user id.');
  const compact = trimmed.replace(/\s+/g, '').replace(/^0x/i, '').toUpperCase();
  if (/^[0-9A-F]{8}$/.test(compact)) {
    return fail('key-not-found', `Short key id ${compact} is not accepted (anyone can make a key with the same one): give the full fingerprint.`);
  }
  if (/^([0-9A-F]{16}|[0-9A-F]{40}|[0-9A-F]{64})$/.test(compact)) {
    const field = compact.length === 16 ? 'keyId' : 'fingerprint';
    const found = keys.filter((k) => [k.info, ...k.info.subkeys].some((p) => p[field] === compact));
    if (found.length === 1) return ok(found[0]);
    if (found.length > 1) return fail('key-ambiguous', `Key id ${compact} matches several keys: ${describeCandidates(found)}. Give the full fingerprint.`);
    return fail('key-not-found', `No key with ${field === 'keyId' ? 'key id' : 'fingerprint'} ${compact} in the keyrings.`);
  }
  const exact = keys.filter((k) => k.info.userIds.includes(trimmed));
  const lower = trimmed.toLowerCase();
  const found = exact.length > 0 ? exact : keys.filter((k) => k.info.userIds.some((u) => u.toLowerCase().includes(lower)));
  if (found.length === 1) return ok(found[0]);
  if (found.length > 1) {
    return fail('key-ambiguous', `"${escapeUntrusted(trimmed)}" matches ${found.length} keys: ${describeCandidates(found)}. Give a fingerprint instead.`);
  }
  return fail('key-not-found', `No key with a user id containing "${escapeUntrusted(trimmed)}" in the keyrings.`);
}
