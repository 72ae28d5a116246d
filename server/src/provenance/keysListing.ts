// The text listings of a KEYS file: `gpg --list-sigs` / `--list-keys` output (human or --with-colons)
// above each armored key block, read line by line into what each line claims (key ids, fingerprints,
// user ids), so loading can check the claims against the block below.
import type { Range } from './codes';

export type ListingKind = 'pub' | 'sec' | 'sub' | 'ssb' | 'uid' | 'sig' | 'rev' | 'fpr';

export interface ListingLine {
  kind: ListingKind;
  range: Range;
  /** Key id as printed (8 or 16 hex, uppercase, no 0x), on pub/sub/sig lines that show one. */
  keyId?: string;
  /** Fingerprint (uppercase, no spaces): on `fpr` lines and the fingerprint line under a pub/sub. */
  fingerprint?: string;
  algorithm?: string;
  created?: string;
  expires?: string;
  /** Usage flags as printed, e.g. `SC`. */
  flags?: string;
  userId?: string;
}

/** The listing of one key: a pub/sec line and the lines under it. */
export interface KeyListing {
  range: Range;
  /** The pub/sec line. */
  primary: ListingLine;
  subkeys: ListingLine[];
  lines: ListingLine[];
  /** Fingerprint of the loaded key this listing describes, when it matches one (set by loading). */
  matches?: string;
}

const HUMAN_KEY_LINE = /^(pub|sec|sub|ssb)[#>]?\s+([A-Za-z0-9]+)(?:\/(?:0x)?([0-9A-Fa-f]{8,40}))?\s+(\d\S*)(.*)$/;
const UID_LINE = /^uid\s+(?:\[[^\]]*\]\s+)?(.*?)\s*$/;
const SIG_LINE = /^(sig|rev)\S*\s.*?\b(?:0x)?([0-9A-Fa-f]{16}|[0-9A-Fa-f]{8})\b/;
const FINGERPRINT_LINE = /^\s+(?:Key fingerprint = )?([0-9A-Fa-f]{4}(?: {0,2}[0-9A-Fa-f]{4})+)\s*$/;
const COLON_LINE = /^(pub|sec|sub|ssb|fpr|uid|sig|rev):/;

function humanKeyLine(match: RegExpExecArray, range: Range): ListingLine {
  const [, kind, algorithm, keyId, created, rest] = match;
  const flags = /\[([A-Z]+)\]/.exec(rest)?.[1];
  const expires = /\[(?:expires|expired): ([^\]]+)\]/.exec(rest)?.[1];
  return {
    kind: kind as ListingKind, range, algorithm, created,
    ...(keyId ? { keyId: keyId.toUpperCase() } : {}),
    ...(flags ? { flags } : {}),
    ...(expires ? { expires } : {}),
  };
}

function colonLine(text: string, range: Range): ListingLine {
  const f = text.split(':');
  const kind = f[0] as ListingKind;
  const line: ListingLine = { kind, range };
  if (kind === 'fpr' && /^[0-9A-Fa-f]{40}$|^[0-9A-Fa-f]{64}$/.test(f[9] ?? '')) line.fingerprint = f[9].toUpperCase();
  else if (kind === 'uid') line.userId = f[9];
  else if (/^[0-9A-Fa-f]{16}$/.test(f[4] ?? '')) line.keyId = f[4].toUpperCase();
  if (f[6] && (kind === 'pub' || kind === 'sub' || kind === 'sec' || kind === 'ssb')) line.expires = f[6];
  return line;
}

/** One line outside armored blocks, as a listing line (or undefined for prose). */
export function listingLine(text: string, range: Range): ListingLine | undefined {
  if (COLON_LINE.test(text)) return colonLine(text, range);
  const key = HUMAN_KEY_LINE.exec(text);
  if (key) return humanKeyLine(key, range);
  const uid = UID_LINE.exec(text);
  if (uid) return { kind: 'uid', range, userId: uid[1] };
  const sig = SIG_LINE.exec(text);
  if (sig) return { kind: sig[1] as ListingKind, range, keyId: sig[2].toUpperCase() };
  const fpr = FINGERPRINT_LINE.exec(text);
  if (fpr) {
    const compact = fpr[1].replace(/ /g, '').toUpperCase();
    if (compact.length === 40 || compact.length === 64) return { kind: 'fpr', range, fingerprint: compact };
  }
  return undefined;
}

/** What a listing line names a key by: its fingerprint, else its key id. */
export function named(line: ListingLine): string | undefined {
  return line.fingerprint ?? line.keyId;
}
