// Judges the bytes a WKD host or keyserver served for one look-up. A key is accepted only when it is
// exactly one key and holds the fingerprint asked for (as its primary or as a subkey that may sign),
// or, for a look-up by e-mail address, has a self-signed user id with that address. Anything else is
// refused with its own code: a server cannot hand over another key in place of the one asked for. A
// subkey counts only as a part that may sign: bound, flagged for signing, and back-signed.
import type { Problem } from '../provenance/codes';
import { addOrMerge, KeyBudget, loadBinaryKeys } from '../provenance/keyLoader';
import { looksLikeKeyPackets } from '../provenance/keyPackets';
import { loadKeysText } from '../provenance/keysFile';
import type { LoadedKey } from '../provenance/keyTypes';
import { applyRevocations } from '../provenance/keyView';
import { escapeUntrusted } from '../provenance/untrustedText';
import { lenientUtf8 } from '../provenance/utf8';
import type { LookupCode } from './codes';

/** What a look-up asks for: a fingerprint (primary or subkey), or an e-mail address. */
export interface LookupTarget {
  fingerprint?: string;
  /** A 16-hex key id, when an old signature names nothing more: weaker, so the fingerprint found is what to compare. */
  keyId?: string;
  email?: string;
  /** The primary key's fingerprint when `fingerprint` is a subkey known to belong to it (a KEYS listing, the release key). */
  primary?: string;
}

export interface Judgement {
  code: LookupCode;
  message: string;
  key?: LoadedKey;
}

/** The angle-bracketed address of a user id, else the whole id when it is an address; lowercased. */
export function emailOf(userId: string): string | undefined {
  const match = /<([^<>\s]+@[^<>\s]+)>/.exec(userId) ?? /^\s*([^<>\s]+@[^<>\s]+)\s*$/.exec(userId);
  return match?.[1].toLowerCase();
}

/**
 * The key holds this fingerprint as a part that can have made a signature: its primary, or a subkey
 * that may sign (flag and back-signature: a subkey bound without its own consent may be someone else's).
 */
export function holdsSigner(key: LoadedKey, fingerprint: string): boolean {
  return key.info.fingerprint === fingerprint || key.info.signingParts.some((s) => s.fingerprint === fingerprint);
}

/** Whether the key holds what the target names: the fingerprint or key id of its primary or a bound subkey, or a self-signed address. */
export function matches(key: LoadedKey, target: LookupTarget): boolean {
  if (target.fingerprint) return holdsSigner(key, target.fingerprint);
  if (target.keyId) return key.info.keyId === target.keyId || key.info.signingParts.some((s) => s.keyId === target.keyId);
  const wanted = target.email?.toLowerCase();
  return wanted !== undefined && key.info.userIds.some((u) => emailOf(u) === wanted);
}

/** The subkey's packet is in the served key but cannot sign for it (unbound, no signing flag, no back-signature), or the primary is the one known to own it. */
function lacksSubkey(key: LoadedKey, target: LookupTarget): boolean {
  if (!target.fingerprint) return false;
  if (target.primary && key.info.fingerprint === target.primary) return true;
  return key.key.subkeys.some((s) => s.getFingerprint().toUpperCase() === target.fingerprint);
}

export function describeTarget(target: LookupTarget): string {
  if (target.fingerprint) return `fingerprint ${target.fingerprint}`;
  return target.keyId ? `key id ${target.keyId}` : `address ${escapeUntrusted(target.email ?? '')}`;
}

/**
 * The keys of a served answer, public parts only, read with a KEYS file's budget of signature checking
 * (a server is as untrusted as a repository): a key flooded with self-signatures costs at most that.
 */
async function servedKeys(bytes: Uint8Array, where: string, now: Date): Promise<{ keys: LoadedKey[]; problems: Problem[] }> {
  const units = KeyBudget.VERIFICATION_UNITS_PER_KEYS_FILE;
  if (!looksLikeKeyPackets(bytes)) {
    return loadKeysText(lenientUtf8(bytes), { file: where, now, secretKeys: 'public-only', verificationUnits: units });
  }
  const budget = new KeyBudget(units);
  const loaded = await loadBinaryKeys(bytes, { file: where, secretKeys: 'public-only', now, budget });
  const keys: LoadedKey[] = [];
  for (const key of loaded.keys) await addOrMerge(keys, key, now, budget);
  await applyRevocations(keys, loaded.revocations, now, budget);
  const over = budget.problem();
  return { keys, problems: [...loaded.problems, ...(over ? [over] : [])] };
}

/** Judges a served answer (armored or binary); `where` names the URL in messages and as the key's source. */
export async function judgeServedKey(bytes: Uint8Array, target: LookupTarget, where: string, now: Date): Promise<Judgement> {
  const ring = await servedKeys(bytes, where, now);
  const keys = ring.keys;
  const at = escapeUntrusted(where, 400);
  if (keys.length === 0) {
    const why = ring.problems[0] ? `: ${ring.problems[0].message}` : '';
    return { code: 'lookup-not-a-key', message: `${at} served no usable OpenPGP key${why}` };
  }
  if (keys.length > 1) {
    return { code: 'lookup-several-keys', message: `${at} served ${keys.length} keys (${keys.map((k) => k.info.fingerprint).join(', ')}) for ${describeTarget(target)}: refused, a look-up must give exactly one key` };
  }
  const key = keys[0];
  if (!matches(key, target)) {
    if (lacksSubkey(key, target)) {
      return { code: 'lookup-subkey-missing', message: `${at} served key ${key.info.fingerprint} without ${target.fingerprint} as a valid signing subkey (missing, unbound, or bound without its back-signature): refused` };
    }
    return { code: 'lookup-other-key', message: `${at} served key ${key.info.fingerprint}, which does not hold ${describeTarget(target)}: refused` };
  }
  return { code: 'lookup-found', message: `${at} holds ${describeTarget(target)}: key ${key.info.fingerprint}`, key };
}
