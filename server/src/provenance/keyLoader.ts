// Binary OpenPGP key material → described keys. Each key is cut out and parsed on its own, so a bad
// key is reported and skipped without touching the others.
import type * as openpgp from 'openpgp';
import type { Problem, Range } from './codes';
import { describeKey, describeTools, KeyUnsupported, VerificationBudgetSpent, type VerificationBudget } from './keyInfo';
import { splitKeyring } from './keyPackets';
import { escapeUntrusted } from './untrustedText';
import type { KeyInfo, LoadedKey } from './keyTypes';

export interface LoadOptions {
  file: string;
  /** Where the bytes sit in a text file (an armored block): attached to keys and problems. */
  range?: Range;
  /** Prefix for messages, e.g. "block at line 12" (empty for binary files). */
  where?: string;
  /** Secret keys are kept as they are, or reduced to their public part (a KEYS file must not hold secrets). */
  secretKeys: 'keep' | 'public-only';
  now: Date;
  /** Shared by every part of one file, so a file of many small keys or blocks stays bounded. */
  budget: KeyBudget;
}

/**
 * How much one file may make us read. Describing a key verifies its kept self-signatures: measured
 * here about 0.4–1 ms per check for RSA and ECC keys, 8–10 ms for DSA. So the budget counts keys, kept
 * signatures and signature checking (in units of about a millisecond, see keyInfo's checkCost).
 * GnuPG's own keyrings stay far below the default; a KEYS file, which comes from a repository, gets
 * a budget well under a second: real ones need about 4 units a key (Helm's 10 keys: 43).
 */
export class KeyBudget implements VerificationBudget {
  static readonly KEYS_PER_FILE = 5000;
  static readonly SIGNATURES_PER_FILE = 25_000;
  /** Signature checking for a keyring the user chose (thousands of keys). */
  static readonly VERIFICATION_UNITS_PER_FILE = 10_000;
  /** Signature checking for a KEYS file, which anyone can write into a repository. */
  static readonly VERIFICATION_UNITS_PER_KEYS_FILE = 400;
  keysLeft = KeyBudget.KEYS_PER_FILE;
  signaturesLeft = KeyBudget.SIGNATURES_PER_FILE;
  skipped = 0;

  constructor(private verificationUnitsLeft: number = KeyBudget.VERIFICATION_UNITS_PER_FILE) {}

  /** Takes one key with its signatures (reading a key costs a unit too); false (and counted) once the file's budget is spent. */
  take(signatures: number): boolean {
    if (this.keysLeft > 0 && this.signaturesLeft >= signatures && this.verificationUnitsLeft > 0) {
      this.keysLeft--;
      this.signaturesLeft -= signatures;
      this.verificationUnitsLeft--;
      return true;
    }
    this.skipped++;
    return false;
  }

  spend(units: number): boolean {
    this.verificationUnitsLeft -= units;
    return this.verificationUnitsLeft >= 0;
  }

  /** The problem to report once the file is read, if anything was skipped. */
  problem(): Problem | undefined {
    if (this.skipped === 0) return undefined;
    return problem('keys-too-large', 'warning',
      `This file holds more than ${KeyBudget.KEYS_PER_FILE} keys or ${KeyBudget.SIGNATURES_PER_FILE} self-signatures, or needs more signature checking than a keyring should (a flood of self-signatures?); ${this.skipped} key(s) or more were not read.`);
  }
}

export interface LoadedKeys {
  keys: LoadedKey[];
  problems: Problem[];
  /** True when secret key material was found (and, with `public-only`, dropped). */
  sawSecret: boolean;
  /** Revocation certificates standing on their own: applied by keyView.ts to the key they name. */
  revocations: Uint8Array[];
  /** Every key as parsed, kept or not (keyTypes.ts Keyring.read). */
  read: openpgp.Key[];
}

function problem(code: Problem['code'], severity: Problem['severity'], message: string, range?: Range): Problem {
  return { code, severity, message, ...(range ? { range } : {}) };
}

function errorText(e: unknown): string {
  return escapeUntrusted(e instanceof Error ? e.message : String(e));
}

/** Reads every key in a binary keyring (transferable public or secret keys, one after another). */
export async function loadBinaryKeys(bytes: Uint8Array, options: LoadOptions): Promise<LoadedKeys> {
  const { range, now } = options;
  const at = options.where ? `${options.where}: ` : '';
  const split = splitKeyring(bytes, options.budget.keysLeft);
  if (split.stoppedEarly) options.budget.skipped++;
  const result: LoadedKeys = { keys: [], problems: [], sawSecret: false, revocations: split.revocations, read: [] };
  const { pgp } = await describeTools();
  if (split.firstStray) {
    const more = split.strayPackets > 1 ? ` (and ${split.strayPackets - 1} more)` : '';
    result.problems.push(problem('keys-malformed', 'warning', `${at}${split.firstStray}${more}; ignored`, range));
  }
  for (const block of split.blocks) {
    if (!options.budget.take(block.signatures)) continue;
    const id = block.identity.fingerprint;
    for (const note of block.trimmed) result.problems.push(problem('keys-too-large', 'warning', `${at}key ${id} ${note}`, range));
    let key: openpgp.Key;
    let info: KeyInfo;
    try {
      key = await pgp.readKey({ binaryKey: block.bytes });
      if (key.getFingerprint().toUpperCase() !== id) throw new Error('the key does not have the fingerprint its packet gives');
      if (key.isPrivate()) {
        result.sawSecret = true;
        if (options.secretKeys === 'public-only') key = key.toPublic();
      }
      result.read.push(key);
      info = await describeKey(key, now, options.budget);
    } catch (e) {
      if (e instanceof VerificationBudgetSpent) {
        options.budget.skipped++;
        continue;
      }
      if (e instanceof KeyUnsupported) {
        result.problems.push(problem('keys-weak', 'error', `${at}key ${id} is not used: ${e.message}`, range));
        continue;
      }
      // e.g. an unknown algorithm or curve, a malformed self-signature: only this key is lost
      result.problems.push(problem('keys-malformed', 'error', `${at}key ${id} at offset ${block.offset} cannot be read (${errorText(e)}); skipped`, range));
      continue;
    }
    if (info.userIds.length === 0 && key.keyPacket.version !== 6) {
      // GnuPG refuses such keys too ("no valid user IDs"); openpgp.js cannot verify with them.
      result.problems.push(problem('keys-malformed', 'error', `${at}key ${id} has no user id with a valid self-signature; skipped`, range));
      continue;
    }
    result.keys.push({ info, key, source: { file: options.file, ...(range ? { range } : {}) } });
  }
  for (const bad of split.unreadable) {
    result.problems.push(problem('keys-malformed', 'error', `${at}${bad.message}; skipped`, range));
  }
  return result;
}

/**
 * Adds a key to a list, merging it into an earlier copy with the same fingerprint as `gpg --import`
 * does (a later copy may carry a newer expiry or a revocation). Returns the earlier copy, if any.
 */
export async function addOrMerge(keys: LoadedKey[], loaded: LoadedKey, now: Date, budget?: VerificationBudget): Promise<LoadedKey | undefined> {
  const index = keys.findIndex((k) => k.info.fingerprint === loaded.info.fingerprint);
  if (index < 0) {
    keys.push(loaded);
    return undefined;
  }
  const earlier = keys[index];
  if (sameBytes(earlier.key.write(), loaded.key.write())) return earlier; // the same key twice (pubring.kbx and pubring.gpg)
  try {
    const merged = await earlier.key.update(loaded.key as openpgp.PublicKey, now, (await describeTools()).describeConfig);
    keys[index] = { ...earlier, key: merged, info: await describeKey(merged, now, budget) };
  } catch {
    // copies that cannot be merged (e.g. public and secret with different subkeys), or the file's
    // verification budget is spent: keep the first
  }
  return earlier;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}
