// The keyring description cache: what a verify needs of its keyrings (each key's description and each
// part's public values), kept in the user's private cache folder so that a later verify of the same
// keyring bytes neither parses the keys nor loads openpgp.js (about 70 ms of a cold start); with them,
// each keyring's loader problems (bad or skipped keys), which the language server reports. An entry:
// - is keyed by SHA-256 of the code that computed it and of every keyring's path and bytes, in order;
// - holds only while the description cannot change: from when it was computed until the first later
//   instant at which a key part is created or expires, or a self-signature, revocation or key expiry
//   starts or stops counting (keyTimes.ts), counted over every key the rings hold as read: also the
//   ones left out at `now` (a skipped key, a merged copy's signatures); outside that span it is computed again;
// - is checked whole (a SHA-256 of its text in its header) and read strictly: anything corrupt,
//   truncated, foreign or stale is ignored and rewritten, so it can only ever give what a fresh
//   computation gives. The folder's rules (ours, 0700, files 0600) are bin/privateCache.js's.
import { createHash } from 'node:crypto';
import type * as openpgp from 'openpgp';
import type { Problem, Range } from './codes';
import type { CheckKey, DescribedKey, KeyInfo, KeyPart, Keyring, LoadedKey, PartMaterial } from './keyTypes';
import { firstAfter, keyInstants } from './keyTimes';

/** The private cache folder as the launcher hands it over, and an id of the code (the bundle's digest). */
export interface PrivateStore {
  readPrivate(name: string, maxBytes: number): Uint8Array | undefined;
  writePrivate(name: string, bytes: Uint8Array): void;
  /** Removes old files named `prefix…` (bin/privateCache.js); a store of this process only has none. */
  removeOld?(prefix: string, policy: { olderThanMs: number; keepNewest: number; except: string }): void;
  codeId: string;
}

export interface KeyringBytes { file: string; bytes: Uint8Array }

const MAGIC = 'helm-prov-keyring-cache 2';
/** A 13-key ring's entry is about 20 KB; thousands of keys stay under this. */
const MAX_ENTRY_BYTES = 16 * 1024 * 1024;
/**
 * Entries are named by keyring bytes and code, so every changed keyring, import or new version leaves
 * the old entry behind, never read again. After each write, those written over 30 days ago go, and all
 * but the newest 32. Removing an entry in use costs one computation (~70 ms), so the written time is
 * enough (reads stay free of writes); a user has a few keyring sets, each with up to three entries (the
 * CLI, the verify bundle, the server), so 32 keeps them all while bounding a burst of imports.
 */
const OLD_ENTRIES = { olderThanMs: 30 * 24 * 3600 * 1000, keepNewest: 32 };
const ENTRY_PREFIX = 'keyring-';

interface Fresh { keys: LoadedKey[]; revocations: Uint8Array[]; problems: Problem[][]; read: openpgp.Key[] }

export interface KeyringView {
  keys: CheckKey[];
  /** Each keyring's problems as its loader reported them (keyring.ts parseKeyring), in the order of the rings. */
  problems: Problem[][];
}

/**
 * Every keyring's keys merged into one view (keyView.ts), described from the cache when an entry for
 * these bytes holds at `now`, else computed with openpgp.js and written to the cache.
 */
export async function keyringView(rings: KeyringBytes[], now: Date, store?: PrivateStore): Promise<KeyringView> {
  if (!store) return computeView(rings, now);
  const id = entryId(rings, store.codeId);
  const name = `${ENTRY_PREFIX}${id.slice(0, 32)}.json`;
  let fresh: Promise<Fresh> | undefined;
  const compute = () => (fresh ??= computeView(rings, now));
  const cached = readEntry(store.readPrivate(name, MAX_ENTRY_BYTES), id, rings.length, now.getTime(), compute);
  if (cached) return cached;
  const computed = await compute();
  try {
    store.writePrivate(name, await encodeEntry(id, now.getTime(), computed));
    store.removeOld?.(ENTRY_PREFIX, { ...OLD_ENTRIES, except: name });
  } catch {
    // not cached: the next verify computes it again
  }
  return computed;
}

function entryId(rings: KeyringBytes[], codeId: string): string {
  const hash = createHash('sha256').update(`${MAGIC}\0${codeId}\0${rings.length}\0`);
  for (const ring of rings) hash.update(`${ring.file}\0${ring.bytes.length}\0`).update(ring.bytes);
  return hash.digest('hex');
}

async function computeView(rings: KeyringBytes[], now: Date): Promise<Fresh> {
  const { parseKeyring } = await import('./keyring');
  const { keyView } = await import('./keyView');
  const parsed: Keyring[] = [];
  for (const ring of rings) parsed.push(await parseKeyring(ring.bytes, ring.file, now));
  return {
    keys: await keyView(parsed, now),
    revocations: parsed.flatMap((r) => r.revocations),
    problems: parsed.map((r) => r.problems),
    read: parsed.flatMap((r) => r.read),
  };
}

/** The first instant after `now` (ms) at which the description of `fresh` may change. */
async function validUntil(fresh: Fresh, now: number): Promise<number> {
  const { plainSignaturePackets } = await import('./signaturePackets');
  const times = keyInstants(fresh.keys);
  // The keys as read hold every packet of the view's merged keys, and those the view left out at `now`.
  for (const key of fresh.read) {
    const starts = [key.keyPacket, ...key.subkeys.map((s) => s.keyPacket)].map((p) => p.created.getTime());
    times.push(...starts); // a part created later may be left out of the description until then
    for (const packet of key.toPacketList()) if (isSignature(packet)) times.push(...signatureTimes(packet, starts));
  }
  for (const bytes of fresh.revocations) {
    for (const packet of plainSignaturePackets(bytes) ?? []) times.push(...signatureTimes(packet, []));
  }
  return firstAfter(times, now);
}

function isSignature(packet: unknown): packet is openpgp.SignaturePacket {
  return typeof (packet as openpgp.SignaturePacket).getExpirationTime === 'function';
}

/** A signature's creation and expiry, and the key expiry it sets counted from every part's creation (a superset is safe). */
function signatureTimes(packet: openpgp.SignaturePacket, keyStarts: number[]): number[] {
  const times: number[] = [];
  if (packet.created) times.push(packet.created.getTime());
  const expiry = packet.getExpirationTime();
  if (expiry instanceof Date) times.push(expiry.getTime());
  const keyExpiry = packet.keyNeverExpires === false ? packet.keyExpirationTime : null;
  if (typeof keyExpiry === 'number' && keyExpiry > 0) for (const start of keyStarts) times.push(start + keyExpiry * 1000);
  return times;
}

// --- the entry's text --------------------------------------------------------------------------

const b64 = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString('base64') : undefined);

interface PartOut { material: { algorithm: number; n?: string; e?: string; oid?: string; Q?: string }; cost: number }

async function encodeEntry(id: string, computedAt: number, fresh: Fresh): Promise<Uint8Array> {
  const { checkCost } = await import('./keyInfo');
  const keys = fresh.keys.map(({ info, key, source }) => {
    const material: Record<string, PartOut> = {};
    for (const part of [key, ...key.subkeys]) {
      const packet = part.keyPacket;
      const params = packet.publicParams as PartMaterial['publicParams'];
      material[part.getFingerprint().toUpperCase()] = {
        material: { algorithm: packet.algorithm, n: b64(params.n), e: b64(params.e), oid: b64(params.oid?.oid instanceof Uint8Array ? params.oid.oid : undefined), Q: b64(params.Q) },
        cost: checkCost(packet),
      };
    }
    return { info: infoOut(info), source, material };
  });
  const until = await validUntil(fresh, computedAt);
  const text = JSON.stringify({ id, computedAt, until: Number.isFinite(until) ? until : null, keys, problems: fresh.problems });
  return Buffer.from(`${MAGIC} ${createHash('sha256').update(text).digest('hex')}\n${text}`, 'utf8');
}

function partOut(part: KeyPart): object {
  return { ...part, created: part.created.getTime(), expires: part.expires?.getTime() };
}

function infoOut(info: KeyInfo): object {
  return { ...partOut(info), subkeys: info.subkeys.map(partOut), signingParts: info.signingParts.map(partOut) };
}

/** Thrown while reading an entry that is not exactly what this code writes: the entry is then ignored. */
class BadEntry extends Error {}

function need<T>(ok: boolean, value: T): T {
  if (!ok) throw new BadEntry();
  return value;
}

const str = (v: unknown): string => need(typeof v === 'string', v as string);
const num = (v: unknown): number => need(typeof v === 'number' && Number.isFinite(v), v as number);
const bool = (v: unknown): boolean => need(typeof v === 'boolean', v as boolean);
const opt = <T>(v: unknown, read: (v: unknown) => T): T | undefined => (v === undefined ? undefined : read(v));
const date = (v: unknown): Date => new Date(num(v));
const bytes = (v: unknown): Uint8Array | undefined => (v === undefined ? undefined : new Uint8Array(Buffer.from(str(v), 'base64')));
const list = (v: unknown): unknown[] => need(Array.isArray(v), v as unknown[]);
const record = (v: unknown): Record<string, unknown> => need(typeof v === 'object' && v !== null && !Array.isArray(v), v as Record<string, unknown>);

function withOptional<T extends object>(out: T, fields: Record<string, unknown>): T {
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) (out as Record<string, unknown>)[name] = value;
  return out;
}

function partIn(v: unknown): KeyPart {
  const o = record(v);
  const part = { fingerprint: str(o.fingerprint), keyId: str(o.keyId), algorithm: str(o.algorithm), created: date(o.created), revoked: bool(o.revoked), canSign: bool(o.canSign) };
  return withOptional(part as KeyPart, { bits: opt(o.bits, num), expires: opt(o.expires, date), usage: opt(o.usage, str), weakness: opt(o.weakness, str) });
}

function infoIn(v: unknown): KeyInfo {
  const o = record(v);
  const info = { ...partIn(o), userIds: list(o.userIds).map(str), subkeys: list(o.subkeys).map(partIn), signingParts: list(o.signingParts).map(partIn), secret: bool(o.secret) } as KeyInfo;
  return withOptional(info, { primaryUserId: opt(o.primaryUserId, str) });
}

const severities: ReadonlySet<unknown> = new Set<Problem['severity']>(['error', 'warning', 'information']);

function positionIn(v: unknown): Range['start'] {
  const o = record(v);
  return { line: num(o.line), character: num(o.character) };
}

function problemIn(v: unknown): Problem {
  const o = record(v);
  const problem = { code: str(o.code) as Problem['code'], severity: need(severities.has(o.severity), o.severity as Problem['severity']), message: str(o.message) };
  return withOptional(problem, { range: opt(o.range, (r) => ({ start: positionIn(record(r).start), end: positionIn(record(r).end) })) });
}

function materialIn(v: unknown): { material: PartMaterial; cost: number } {
  const o = record(v);
  const m = record(o.material);
  const oid = bytes(m.oid);
  const publicParams = withOptional({} as PartMaterial['publicParams'], { n: bytes(m.n), e: bytes(m.e), oid: oid ? { oid } : undefined, Q: bytes(m.Q) });
  return { material: { algorithm: num(m.algorithm), publicParams }, cost: num(o.cost) };
}

/**
 * The keys and problems of an entry that is whole, for these `rings` keyrings (`id`) and valid at `now`;
 * undefined for any other entry. `compute` gives the openpgp.js keys when a check needs one.
 */
function readEntry(raw: Uint8Array | undefined, id: string, rings: number, now: number, compute: () => Promise<Fresh>): KeyringView | undefined {
  if (!raw) return undefined;
  try {
    const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
    const end = buf.indexOf(0x0a);
    if (end < 0 || end > 200) return undefined;
    const header = buf.toString('latin1', 0, end);
    const text = buf.toString('utf8', end + 1);
    if (header !== `${MAGIC} ${createHash('sha256').update(text).digest('hex')}`) return undefined;
    const entry = record(JSON.parse(text));
    const until = entry.until === null ? Infinity : num(entry.until);
    if (str(entry.id) !== id || !(now >= num(entry.computedAt) && now < until)) return undefined;
    const problems = list(entry.problems).map((p) => list(p).map(problemIn));
    need(problems.length === rings, undefined);
    const keys = list(entry.keys).map((k): DescribedKey => {
      const o = record(k);
      const info = infoIn(o.info);
      const source = record(o.source) as DescribedKey['source'];
      str(source.file);
      const material = new Map(Object.entries(record(o.material)).map(([fingerprint, m]) => [fingerprint, materialIn(m)]));
      const loadKey = () => compute().then((fresh) => {
        const found = fresh.keys.find((l) => l.info.fingerprint === info.fingerprint);
        if (!found) throw new Error(`key ${info.fingerprint} is no longer in the keyrings`);
        return found.key;
      });
      return { info, source, material, loadKey };
    });
    return { keys, problems };
  } catch {
    return undefined;
  }
}

/** The keys with openpgp.js's key objects, for the users that need them (release readiness merges keys): described ones load theirs. */
export async function loadedKeys(keys: readonly CheckKey[]): Promise<LoadedKey[]> {
  return Promise.all(keys.map(async (k) => ('key' in k ? k : { info: k.info, source: k.source, key: await k.loadKey() })));
}
