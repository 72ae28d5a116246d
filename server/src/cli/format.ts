// Text and JSON renderings of engine results for the CLI. Everything taken from a file or a key
// (user ids, names, messages quoting them) passes through escapeUntrusted() so no terminal escape gets out.
import type { Problem } from '../provenance/codes';
import type { KeyInfo, KeyPart } from '../provenance/keyTypes';
import { escapeUntrusted } from '../provenance/untrustedText';
import type { Outcome } from '../provenance/verify';

export function outcomeJson(o: Outcome) {
  return {
    archive: o.archive,
    verdict: o.verdict,
    code: o.code,
    warnings: o.warnings.map((w) => w.code),
    signer: o.signer ? { fingerprint: o.signer.fingerprint, signingKey: o.signer.signingKey, uid: o.signer.uid ?? null } : null,
    // Which keys signed, known or not: what to fetch after an unknown-signer.
    issuers: o.issuers ?? [],
    digest: { expected: o.digest?.expected ?? null, actual: o.digest?.actual ?? null },
    message: o.message,
  };
}

/** Mirrors `helm verify` on success (Signed by / Using Key With Fingerprint / Chart Hash Verified). */
export function formatOutcome(o: Outcome, named: boolean): string {
  const lines: string[] = [];
  if (o.verdict === 'verified' && o.signer) {
    if (named) lines.push(`${escapeUntrusted(o.archive, 2000)}: verified`);
    for (const uid of o.signer.uids.length ? o.signer.uids : ['(no user id)']) lines.push(`Signed by: ${escapeUntrusted(uid)}`);
    lines.push(`Using Key With Fingerprint: ${o.signer.fingerprint}`);
    if (o.signer.signingKey !== o.signer.fingerprint) lines.push(`Signing Subkey: ${o.signer.signingKey}`);
    lines.push(`Chart Hash Verified: sha256:${o.digest?.actual}`);
  } else {
    lines.push(`${escapeUntrusted(o.archive, 2000)}: rejected (${o.code})`);
    lines.push(`  ${escapeUntrusted(o.message, 2000)}`);
  }
  for (const w of o.warnings) lines.push(`  warning (${w.code}): ${escapeUntrusted(w.message, 2000)}`);
  return lines.join('\n');
}

export function formatProblem(file: string, p: Problem): string {
  const at = p.range ? `:${p.range.start.line + 1}:${p.range.start.character + 1}` : '';
  return `${escapeUntrusted(file, 2000)}${at}: ${p.severity} ${p.code}: ${escapeUntrusted(p.message, 2000)}`;
}

function date(d: Date | undefined): string {
  return d ? d.toISOString().slice(0, 10) : 'never';
}

/** As gpg names it: bits after RSA, DSA and ElGamal (`rsa4096`, `elg2048`), a curve by its name alone (`ed25519`). */
export function algorithmLabel(part: KeyPart): string {
  const sized = { rsa: 'rsa', dsa: 'dsa', elgamal: 'elg' }[part.algorithm];
  return sized && part.bits ? `${sized}${part.bits}` : part.algorithm;
}

/** gpg's usage flags, e.g. `[SC]`; empty when the part was not described from key material. */
function usageLabel(part: KeyPart): string {
  return part.usage ? `  [${part.usage}]` : '';
}

export function formatKey(info: KeyInfo, now: Date): string {
  const status = info.revoked ? 'revoked'
    : info.expires && info.expires.getTime() <= now.getTime() ? `expired ${date(info.expires)}`
    : info.weakness ? `weak: ${info.weakness}`
    : info.signingParts.length === 0 ? 'cannot sign'
    : 'valid';
  const lines = [
    `${info.secret ? 'sec' : 'pub'}  ${algorithmLabel(info)}  ${info.fingerprint}${usageLabel(info)}  created ${date(info.created)}  expires ${date(info.expires)}  [${status}]`,
    ...info.userIds.map((u) => `     uid ${escapeUntrusted(u)}`),
    ...info.subkeys.map((s) => `     sub ${algorithmLabel(s)}  ${s.fingerprint}${usageLabel(s)}${s.revoked ? ' [revoked]' : ''}  expires ${date(s.expires)}`),
  ];
  return lines.join('\n');
}

/** `1 key`, `2 keys`. */
export function countOf(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
