// The contract between keyring loading and its users (verify, sign, the language server, the CLI).
import type { Key } from 'openpgp';
import type { Problem, Range } from './codes';

/** One key or subkey, described from the key material itself (never from a listing). */
export interface KeyPart {
  fingerprint: string; // uppercase hex, 40 (v4) or 64 (v6) chars
  keyId: string; // uppercase hex, 16 chars
  algorithm: string; // 'rsa', 'dsa', 'elgamal', 'ed25519', 'ed448', 'nistp256', 'brainpoolP256r1', ...
  bits?: number; // RSA/DSA/ElGamal modulus size, curve size for ECC
  created: Date;
  expires?: Date; // from the binding/self signature; undefined = never
  revoked: boolean;
  /** Flags from the self/binding signature: may this part make data signatures? */
  canSign: boolean;
  /**
   * What the self/binding signature's flags allow, as gpg lists them: `S` sign, `C` certify, `E`
   * encrypt, `A` authenticate (e.g. `SC`); without flags, what the algorithm can do. Absent on parts
   * not described from key material.
   */
  usage?: string;
  /** Why this part is weak (RSA < 2048, DSA, ElGamal), or undefined. */
  weakness?: string;
}

export interface KeyInfo extends KeyPart {
  /**
   * User ids with a valid self-signature only (unsigned/grafted ids are left out). Raw text from the
   * key: escape it before showing it (untrustedText.escapeUntrusted).
   */
  userIds: string[];
  primaryUserId?: string;
  subkeys: KeyPart[];
  /**
   * Parts (primary and/or subkeys) that may sign data: flags allow it, and for a subkey a valid binding
   * and back-signature. Expired, revoked and weak parts are included: check `expires`, `revoked` and
   * `weakness` (and the primary's) before trusting or choosing one.
   */
  signingParts: KeyPart[];
  secret: boolean;
}

export interface LoadedKey {
  info: KeyInfo;
  key: Key;
  /** Where the key came from: file path and, for text files, the armored block's range. */
  source: { file: string; range?: Range };
}

/**
 * A key part's public values as the node:crypto checks take them (rsaCheck.ts, eddsaCheck.ts): the
 * shape of openpgp.js's key packets, kept only for RSA (`n`, `e`) and legacy EdDSA (`oid`, `Q`).
 */
export interface PartMaterial {
  algorithm: number;
  publicParams: { n?: Uint8Array; e?: Uint8Array; oid?: { oid?: Uint8Array }; Q?: Uint8Array };
}

/**
 * A key described from the keyring cache (keyCache.ts): its description and, per part fingerprint, the
 * public values and check cost; openpgp.js's key is parsed only when a check needs it.
 */
export interface DescribedKey {
  info: KeyInfo;
  source: { file: string; range?: Range };
  material: ReadonlyMap<string, { material: PartMaterial; cost: number }>;
  loadKey(): Promise<Key>;
}

/** What a signature check takes: a loaded key, or one described from the cache. */
export type CheckKey = LoadedKey | DescribedKey;

export type KeyringFormat = 'binary' | 'armored' | 'keybox' | 'keys-file';

export interface Keyring {
  format: KeyringFormat;
  keys: LoadedKey[];
  /** Bad keys are reported here and skipped; they never poison the other keys. */
  problems: Problem[];
  /** Revocation certificates standing alone in the file: applied to its keys, and by keyView.ts to other sources' copies. */
  revocations: Uint8Array[];
  /**
   * Every key as parsed from the file, before copies were merged and whether kept or skipped: what a
   * description at another instant may draw on (a merge drops the signatures not valid at `now`; a user
   * id revoked at `now` may count later), so keyCache.ts ends an entry at their instants too.
   */
  read: Key[];
}
