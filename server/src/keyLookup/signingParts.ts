// Which parts of a key can make a valid signature at a given time: the question a maintainer asks
// before a release ("can I sign now, and still in 30 days?") and the release check asks of every copy
// of the key (the maintainer's own, the KEYS file's, each keyserver's).
import type { KeyInfo, KeyPart } from '../provenance/keyTypes';

function validAt(part: KeyPart, at: Date): boolean {
  return !part.revoked && !part.weakness && (!part.expires || part.expires.getTime() > at.getTime());
}

/** Signing-capable parts (primary or back-signed subkeys) that are unrevoked, unexpired and not weak at `at`, under a primary that is too. */
export function signingPartsAt(info: KeyInfo, at: Date): KeyPart[] {
  if (!validAt(info, at)) return [];
  return info.signingParts.filter((p) => validAt(p, at));
}

/** Why no part can sign at `at`, in words: the primary's state first, else each signing part's. */
export function whyNoSigningPart(info: KeyInfo, at: Date): string {
  const state = (p: KeyPart): string => p.revoked ? 'is revoked' : p.weakness ? `is weak (${p.weakness})` : p.expires && p.expires <= at ? `expires on ${p.expires.toISOString().slice(0, 10)}` : 'is valid';
  if (!validAt(info, at)) return `the primary key ${info.fingerprint} is ${state(info)}`;
  if (info.signingParts.length === 0) return `key ${info.fingerprint} has no part that may sign data (usage ${info.usage ?? 'unknown'})`;
  return info.signingParts.map((p) => `${p.fingerprint === info.fingerprint ? 'primary' : 'subkey'} ${p.fingerprint} ${state(p)}`).join('; ');
}
