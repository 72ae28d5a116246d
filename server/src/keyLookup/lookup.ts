// Looks a signer's key up where the user asked: the repository's KEYS files (already on disk:
// information only), WKD for the signer's address, keyservers (VKS, then HKP when VKS has no such
// key). Each attempt says where it looked and what it found. Network only through the given
// transport, and only for the places named; every request bounded (httpTransport.ts).
import { loadKeyringFile } from '../provenance/keyring';
import type { LoadedKey } from '../provenance/keyTypes';
import { escapeUntrusted } from '../provenance/untrustedText';
import type { LookupCode } from './codes';
import { DEFAULT_HTTP_LIMITS, httpGet, type HttpLimits, type Transport } from './httpTransport';
import { hkpUrl, keyserverBase, vksUrl } from './keyserver';
import { describeTarget, emailOf, judgeServedKey, matches, type LookupTarget } from './servedKey';
import { PUBLIC_WKD_ORIGINS, wkdUrls, type WkdOrigins } from './wkd';

export type LookupSource = 'keys-file' | 'wkd-advanced' | 'wkd-direct' | 'vks' | 'hkp';

export interface LookupAttempt {
  source: LookupSource;
  /** The file or URL asked. */
  where: string;
  code: LookupCode;
  message: string;
  /** The accepted key (code `lookup-found`): shown to the user, never trusted by being found. */
  key?: LoadedKey;
  /** Bytes of the answer read (network look-ups). */
  bytesRead?: number;
}

export interface LookupPlaces {
  keysFiles?: readonly string[];
  keyservers?: readonly string[];
  /** Ask WKD for every address known for the key (given, or from a KEYS file that holds it). */
  wkd?: boolean;
  /** Addresses of the signer known from elsewhere (the signature, a listing). */
  emails?: readonly string[];
}

export interface LookupOptions {
  transport?: Transport;
  limits?: HttpLimits;
  now?: Date;
  wkdOrigins?: WkdOrigins;
  /** Tests only: lets WKD ask this machine (a WKD host comes from a signer's address, never trusted to be local). */
  wkdOnLoopback?: boolean;
}

export interface LookupReport {
  target: LookupTarget;
  attempts: LookupAttempt[];
}

/**
 * What a query names: a fingerprint (40 or 64 hex; spaces, 0x and any case allowed), a 16-hex key id,
 * or an address; undefined otherwise (an 8-hex short id names anyone who made a key to collide with it).
 */
export function lookupTargetOf(query: string): LookupTarget | undefined {
  const compact = query.replace(/\s+/g, '').replace(/^0x/i, '').toUpperCase();
  if (/^([0-9A-F]{40}|[0-9A-F]{64})$/.test(compact)) return { fingerprint: compact };
  if (/^[0-9A-F]{16}$/.test(compact)) return { keyId: compact };
  const email = query.trim();
  return /^[^\s@<>]+@[^\s@<>]+$/.test(email) ? { email } : undefined;
}

async function lookInKeysFile(file: string, target: LookupTarget, now: Date): Promise<LookupAttempt> {
  const ring = await loadKeyringFile(file, now);
  const where = file;
  if (!ring.ok) return { source: 'keys-file', where, code: 'lookup-not-found', message: ring.error.message };
  const found = ring.value.keys.filter((k) => matches(k, target));
  if (found.length === 0) return { source: 'keys-file', where, code: 'lookup-not-found', message: `${escapeUntrusted(file, 400)} holds no key with ${describeTarget(target)}` };
  if (found.length > 1) return { source: 'keys-file', where, code: 'lookup-several-keys', message: `${escapeUntrusted(file, 400)} holds ${found.length} keys with ${describeTarget(target)}: ${found.map((k) => k.info.fingerprint).join(', ')}; look up one by its fingerprint` };
  return { source: 'keys-file', where, code: 'lookup-found', message: `${escapeUntrusted(file, 400)} holds ${describeTarget(target)} (information only: the repository's own list of keys)`, key: found[0] };
}

async function ask(source: LookupSource, url: URL, target: LookupTarget, transport: Transport, limits: HttpLimits, now: Date, allowLoopback: boolean): Promise<LookupAttempt> {
  const where = url.href;
  const answer = await transport(url, limits, allowLoopback);
  if (!answer.ok) return { source, where, code: answer.code, message: answer.message, bytesRead: answer.bytesRead };
  const at = escapeUntrusted(where, 400);
  if (answer.status === 404 || answer.status === 410) {
    return { source, where, code: 'lookup-not-found', message: `${at}: no key with ${describeTarget(target)} (HTTP ${answer.status})`, bytesRead: answer.bytesRead };
  }
  if (answer.status !== 200) {
    return { source, where, code: 'lookup-http-error', message: `${at} answered HTTP ${answer.status}${answer.status >= 300 && answer.status < 400 ? ' (redirects are not followed)' : ''}`, bytesRead: answer.bytesRead };
  }
  const judged = await judgeServedKey(answer.bytes, target, where, now);
  return { source, where, ...judged, bytesRead: answer.bytesRead };
}

/** VKS first; HKP only when VKS answered that it has no such key (a server that speaks only HKP). */
async function askKeyserver(given: string, target: LookupTarget, transport: Transport, limits: HttpLimits, now: Date): Promise<LookupAttempt[]> {
  const base = keyserverBase(given);
  if (!base) return [{ source: 'vks', where: given, code: 'lookup-unreachable', message: `${escapeUntrusted(given, 400)} is not a keyserver URL (https://, http://, hkps:// or hkp://)` }];
  // The user named this keyserver: it may be on this machine.
  const vks = await ask('vks', vksUrl(base, target), target, transport, limits, now, true);
  if (vks.code !== 'lookup-not-found' && vks.code !== 'lookup-http-error') return [vks];
  return [vks, await ask('hkp', hkpUrl(base, target), target, transport, limits, now, true)];
}

/** Advanced method first; the direct one when the advanced one found nothing usable. */
async function askWkd(email: string, target: LookupTarget, transport: Transport, limits: HttpLimits, now: Date, origins: WkdOrigins, onLoopback: boolean): Promise<LookupAttempt[]> {
  const urls = wkdUrls(email, origins);
  if (!urls) return [{ source: 'wkd-advanced', where: email, code: 'lookup-not-found', message: `${escapeUntrusted(email)} is not an address WKD can look up` }];
  const advanced = await ask('wkd-advanced', urls.advanced, target, transport, limits, now, onLoopback);
  if (advanced.code === 'lookup-found') return [advanced];
  return [advanced, await ask('wkd-direct', urls.direct, target, transport, limits, now, onLoopback)];
}

/** Looks the target up in every place given, in order: KEYS files, WKD, keyservers. */
export async function lookUpKey(target: LookupTarget, places: LookupPlaces, options: LookupOptions = {}): Promise<LookupReport> {
  const now = options.now ?? new Date();
  const transport = options.transport ?? httpGet;
  const limits = options.limits ?? DEFAULT_HTTP_LIMITS;
  const attempts: LookupAttempt[] = [];
  for (const file of places.keysFiles ?? []) attempts.push(await lookInKeysFile(file, target, now));
  if (places.wkd) {
    // The signer's addresses: given, the target itself, or the user ids of a KEYS file's copy of the key.
    const emails = new Set<string>([...(places.emails ?? []), ...(target.email ? [target.email] : [])].map((e) => e.toLowerCase()));
    for (const a of attempts) for (const u of a.key?.info.userIds ?? []) { const e = emailOf(u); if (e) emails.add(e); }
    if (emails.size === 0) attempts.push({ source: 'wkd-advanced', where: '', code: 'lookup-not-found', message: `no e-mail address is known for ${describeTarget(target)}: WKD needs one (look up by address, or give a KEYS file that lists the key)` });
    for (const email of emails) attempts.push(...await askWkd(email, target, transport, limits, now, options.wkdOrigins ?? PUBLIC_WKD_ORIGINS, options.wkdOnLoopback === true));
  }
  for (const server of places.keyservers ?? []) attempts.push(...await askKeyserver(server, target, transport, limits, now));
  return { target, attempts };
}

/** The keys found, one per fingerprint (the first place's copy). */
export function foundKeys(report: LookupReport): LoadedKey[] {
  const seen = new Map<string, LoadedKey>();
  for (const a of report.attempts) if (a.key && !seen.has(a.key.info.fingerprint)) seen.set(a.key.info.fingerprint, a.key);
  return [...seen.values()];
}
