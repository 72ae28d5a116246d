// The keys a policy requirement names, read from the machine: OpenPGP keyrings for signedBy (loaded by
// the engine's own keyring reader, so every format and every key check is the one charts get), PEM
// public keys and certificates for sigstoreSigned. What is wrong with them is a finding on the path's
// range: missing, unreadable, not keys, a private key, expired or revoked keys.
import { createPublicKey } from 'node:crypto';
import * as path from 'node:path';
import { readBoundedFile } from '../provenance/boundedRead';
import type { Range } from '../provenance/codes';
import { loadKeyringFile, parseKeyring } from '../provenance/keyring';
import type { LoadedKey } from '../provenance/keyTypes';
import { keyView } from '../provenance/keyView';
import { escapeUntrusted } from '../provenance/untrustedText';
import type { KeySource, PolicyProblem, Requirement } from './policyModel';
import { problem } from './sourceText';

/** PEM keys and certificate bundles are a few KiB. */
const MAX_PEM_BYTES = 1024 * 1024;

export interface RequirementKeys {
  keys: LoadedKey[];
  findings: PolicyProblem[];
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** One line per key: fingerprint, user id, expiry or revocation (for hovers and `explain`). */
export function keyLines(keys: LoadedKey[], now: Date): string[] {
  return keys.map((k) => {
    const info = k.info;
    const state = info.revoked ? 'revoked' : info.expires && info.expires.getTime() <= now.getTime() ? `expired ${day(info.expires)}` : info.expires ? `expires ${day(info.expires)}` : 'does not expire';
    return `${info.fingerprint} ${escapeUntrusted(info.primaryUserId ?? info.userIds[0] ?? '(no user id)')} (${info.algorithm}${info.bits && /^(rsa|dsa|elgamal)/.test(info.algorithm) ? ` ${info.bits}` : ''}, ${state}${info.secret ? ', PRIVATE' : ''})`;
  });
}

/** Findings on the keys one file or data item gave. */
function judgeKeys(keys: LoadedKey[], where: string, range: Range, now: Date, out: PolicyProblem[]): void {
  if (keys.length === 0) {
    out.push(problem('policy-key-file', 'error', `${where} holds no OpenPGP public key: the runtime fails with "No public keys imported" and rejects every image.`, range));
    return;
  }
  const secret = keys.filter((k) => k.info.secret);
  if (secret.length) {
    out.push(problem('policy-key-private', 'error', `${where} holds a PRIVATE key (${secret.map((k) => k.info.fingerprint).join(', ')}). A policy needs only the public key: export it (gpg --export FPR > key.gpg), move the private key away and rotate it if others could read this file.`, range));
  }
  const revoked = keys.filter((k) => k.info.revoked);
  const expired = keys.filter((k) => !k.info.revoked && k.info.expires && k.info.expires.getTime() <= now.getTime());
  const allDead = revoked.length + expired.length === keys.length;
  for (const k of revoked) out.push(problem('policy-key-revoked', allDead ? 'error' : 'warning', `Key ${k.info.fingerprint} in ${where} is revoked: signatures by it are not accepted.`, range));
  for (const k of expired) out.push(problem('policy-key-expired', allDead ? 'error' : 'warning', `Key ${k.info.fingerprint} in ${where} expired on ${day(k.info.expires!)}: refresh it (gpg --refresh-keys) or replace it.`, range));
}

/** A path as the runtime opens it: relative paths against `base` (the runtime's working directory). */
export function resolveKeyPath(p: string, base: string): string {
  return path.isAbsolute(p) ? p : path.resolve(base, p);
}

/** The OpenPGP keys of a signedBy key source, merged as one view, with findings. */
export async function loadOpenPgpKeys(source: KeySource, base: string, now: Date): Promise<RequirementKeys> {
  const findings: PolicyProblem[] = [];
  const rings = [];
  if (source.kind === 'paths') {
    for (const p of source.paths) {
      const ring = await loadKeyringFile(resolveKeyPath(p.value, base), now);
      if (!ring.ok) {
        findings.push(problem('policy-key-file', 'error', `${ring.error.message} The runtime rejects every image under this requirement.`, p.range));
        continue;
      }
      judgeKeys(ring.value.keys, escapeUntrusted(p.value), p.range, now, findings);
      rings.push(ring.value);
    }
  } else if (source.kind === 'data') {
    for (const d of source.data) {
      const ring = await parseKeyring(d.value, source.field, now);
      judgeKeys(ring.keys, `"${source.field}"`, d.range, now, findings);
      rings.push(ring);
    }
  }
  return { keys: await keyView(rings, now), findings };
}

/** A PEM public key or certificate file for sigstoreSigned (keyPath, rekor keys, CA paths). */
export function checkPemFile(p: string, range: Range, base: string, what: string): PolicyProblem | undefined {
  const read = readBoundedFile(resolveKeyPath(p, base), MAX_PEM_BYTES);
  if (!read.ok) return problem('policy-key-file', 'error', `${what} ${escapeUntrusted(read.message)}: the runtime rejects every image under this requirement.`, range);
  const text = read.bytes.toString('latin1');
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    return problem('policy-key-private', 'error', `${what} ${escapeUntrusted(p)} holds a PRIVATE key: give the public key (cosign public-key --key cosign.key > cosign.pub), and keep the private key elsewhere.`, range);
  }
  if (text.includes('-----BEGIN CERTIFICATE-----')) return undefined;
  try {
    createPublicKey(read.bytes);
    return undefined;
  } catch {
    return problem('policy-key-file', 'error', `${what} ${escapeUntrusted(p)} is not a PEM public key or certificate.`, range);
  }
}

/** What a PEM file holds, in one line (for hovers): the key's type and curve or size, or certificates. */
export function pemSummary(p: string, base: string): string {
  const read = readBoundedFile(resolveKeyPath(p, base), MAX_PEM_BYTES);
  if (!read.ok) return read.message;
  const text = read.bytes.toString('latin1');
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) return 'a PRIVATE key: give the public key instead';
  const certificates = text.split('-----BEGIN CERTIFICATE-----').length - 1;
  if (certificates) return `${certificates} certificate(s)`;
  try {
    const key = createPublicKey(read.bytes);
    const d = key.asymmetricKeyDetails;
    return `public key (${key.asymmetricKeyType}${d?.namedCurve ? `, ${d.namedCurve}` : d?.modulusLength ? `, ${d.modulusLength} bits` : ''})`;
  } catch {
    return 'not a PEM public key or certificate';
  }
}

/** Findings on the machine for every key file a requirement names. */
export async function checkRequirementKeys(req: Requirement, base: string, now: Date): Promise<PolicyProblem[]> {
  if (req.type === 'signedBy' && req.keys && req.keyType === 'GPGKeys') return (await loadOpenPgpKeys(req.keys, base, now)).findings;
  if (req.type !== 'sigstoreSigned') return [];
  const out: PolicyProblem[] = [];
  const check = (p: { value: string; range: Range }, what: string) => {
    const found = checkPemFile(p.value, p.range, base, what);
    if (found) out.push(found);
  };
  if (req.keys?.kind === 'paths') req.keys.paths.forEach((p) => check(p, 'The key file'));
  if (req.keys?.kind === 'fulcio' && req.keys.caPath) check(req.keys.caPath, 'The Fulcio CA file');
  if (req.keys?.kind === 'pki' && req.keys.caRootsPath) check(req.keys.caRootsPath, 'The CA roots file');
  req.rekorPaths.forEach((p) => check(p, 'The Rekor key file'));
  return out;
}
