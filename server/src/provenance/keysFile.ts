// Apache-style KEYS files and other armored key files: `gpg --list-sigs` / `--list-keys` text listings
// (human or --with-colons), each followed by an armored key block. Every block is de-armored on its own
// (openpgp.readKeys would read only the first), so a broken block is reported at its line and the
// others still load. Ranges are zero-based lines/characters, as the language server needs them.
import type { Key } from 'openpgp';
import type { Problem, Range } from './codes';
import { rangeOf } from './codes';
import { escapeUntrusted } from './untrustedText';
import { addOrMerge, KeyBudget, loadBinaryKeys } from './keyLoader';
import { applyRevocations } from './keyView';
import type { LoadedKey } from './keyTypes';
import { BEGIN, LineCursor, readBlock, type ArmoredBlock } from './armor';
import { listingLine, named, type KeyListing, type ListingLine } from './keysListing';
import { ListedIndex, listingOf } from './keysListingIndex';
import { countWork } from './work';
import { withoutBomText } from './utf8';

export interface KeysFileLayout {
  blocks: ArmoredBlock[];
  listings: KeyListing[];
  /** BEGIN line of a non-OpenPGP key (PEM `-----BEGIN PUBLIC KEY-----`, a certificate), if any. */
  pem?: Range;
  /** Set when a limit stopped parsing: the line where it stopped. */
  truncatedAt?: number;
}

const PEM = /^\s*-----BEGIN ((RSA |EC |DSA )?PUBLIC KEY|CERTIFICATE|SSH2 PUBLIC KEY)-----/;

/** Beyond these, the rest of a file is not parsed (and that is reported): real KEYS files hold dozens. */
export const KeysFileLimits = { blocks: 5000, listingLines: 50_000, listingLineLength: 4096 } as const;

/** Splits a KEYS (or any armored) file into armored blocks and key listings. Never throws. */
export function parseKeysFile(text: string): KeysFileLayout {
  const cursor = new LineCursor(withoutBomText(text));
  const layout: KeysFileLayout = { blocks: [], listings: [] };
  let listing: KeyListing | undefined;
  let lastKeyLine: ListingLine | undefined;
  let listingLines = 0;
  let more = cursor.next();
  while (more) {
    const line = cursor.text;
    const begin = BEGIN.exec(line);
    if (begin) {
      if (layout.blocks.length >= KeysFileLimits.blocks) { layout.truncatedAt = cursor.line; break; }
      const { block, atNextBegin } = readBlock(cursor, begin[1]);
      countWork('key-steps');
      layout.blocks.push(block);
      listing = undefined;
      more = atNextBegin || cursor.next();
      continue;
    }
    if (!layout.pem && PEM.test(line)) layout.pem = cursor.range();
    const blank = line.trim() === '';
    const parsed = blank || line.length > KeysFileLimits.listingLineLength ? undefined : listingLine(line, cursor.range());
    if (parsed && ++listingLines > KeysFileLimits.listingLines) { layout.truncatedAt = cursor.line; break; }
    if (parsed) countWork('key-steps');
    if (!parsed) {
      if (!blank) listing = undefined; // prose ends a listing; blank lines do not
    } else if (parsed.kind === 'pub' || parsed.kind === 'sec') {
      listing = { range: parsed.range, primary: parsed, subkeys: [], lines: [parsed] };
      layout.listings.push(listing);
      lastKeyLine = parsed;
    } else if (listing) {
      listing.lines.push(parsed);
      listing.range = { start: listing.range.start, end: parsed.range.end };
      if (parsed.kind === 'sub' || parsed.kind === 'ssb') { listing.subkeys.push(parsed); lastKeyLine = parsed; }
      // A fingerprint belongs to the key line above it (gpg prints it under pub, and under sub on request).
      if (parsed.kind === 'fpr' && lastKeyLine && !lastKeyLine.fingerprint) lastKeyLine.fingerprint = parsed.fingerprint;
    }
    more = cursor.next();
  }
  return layout;
}
export interface KeysTextLoad {
  keys: LoadedKey[];
  problems: Problem[];
  layout: KeysFileLayout;
  /** Revocation certificates in blocks of their own (already applied to this file's keys). */
  revocations: Uint8Array[];
  /** Every key as parsed, kept or not (keyTypes.ts Keyring.read). */
  read: Key[];
}

export interface KeysTextOptions {
  file: string;
  now: Date;
  /** `public-only` for KEYS files: secret blocks are reported and only their public part is kept. */
  secretKeys: 'keep' | 'public-only';
  /** Signature checking the file may cost (KeyBudget); KEYS files get VERIFICATION_UNITS_PER_KEYS_FILE. */
  verificationUnits?: number;
}

/** How many fingerprints a mismatch message names before "and N more". */
const NAMED_IN_MISMATCH = 3;

function checkListings(listings: KeyListing[], keys: LoadedKey[], problems: Problem[]): void {
  const index = new ListedIndex(keys, (k) => k.info.fingerprint);
  const held = keys.slice(0, NAMED_IN_MISMATCH).map((k) => k.info.fingerprint).join(', ')
    + (keys.length > NAMED_IN_MISMATCH ? ` and ${keys.length - NAMED_IN_MISMATCH} more` : '');
  for (const listing of listings) {
    const claimed = named(listing.primary);
    if (!claimed) continue; // a listing without fingerprint or key id cannot be checked
    const key = index.find(listing.primary);
    if (!key) {
      problems.push({
        code: 'keys-listing-mismatch', severity: 'error', range: listing.primary.range,
        message: `The listing names key ${claimed}, but the block below holds ${held}. Trust the block's fingerprint, not the listing.`,
      });
      continue;
    }
    listing.matches = key.info.fingerprint;
    const subkeys = new ListedIndex(key.key.subkeys, (s) => s.getFingerprint().toUpperCase());
    for (const sub of listing.subkeys) {
      const subClaimed = named(sub);
      if (subClaimed && !subkeys.find(sub)) {
        problems.push({
          code: 'keys-listing-mismatch', severity: 'warning', range: sub.range,
          message: `The listing names subkey ${subClaimed}, which key ${key.info.fingerprint} in the block below does not have.`,
        });
      }
    }
  }
}

/** Loads every key of a KEYS or armored text file; problems cover broken blocks, secrets, listings, duplicates. */
export function loadKeysText(text: string, options: KeysTextOptions): Promise<KeysTextLoad> {
  return loadKeysLayout(parseKeysFile(text), options);
}

/** Like loadKeysText, for a file already split by parseKeysFile. */
export async function loadKeysLayout(layout: KeysFileLayout, options: KeysTextOptions): Promise<KeysTextLoad> {
  const keys: LoadedKey[] = [];
  const problems: Problem[] = [];
  const keyBlocks = layout.blocks.filter((b) => b.type === 'PUBLIC KEY BLOCK' || b.type === 'PRIVATE KEY BLOCK');
  if (keyBlocks.length === 0) {
    problems.push({
      code: 'keys-no-openpgp', severity: 'error',
      range: layout.pem ?? rangeOf(0, 0, 0),
      message: layout.pem
        ? 'This is a PEM/X.509 key, not an OpenPGP key: Helm charts are signed with OpenPGP keys (export one with gpg --armor --export).'
        : 'No OpenPGP key block (-----BEGIN PGP PUBLIC KEY BLOCK-----) in this file.',
    });
    return { keys, problems, layout, revocations: [], read: [] };
  }
  const revocations: Uint8Array[] = [];
  const read: Key[] = [];
  let previousEnd = -1;
  // Listings and blocks are both in file order: one pass hands each key block the listings above it.
  let nextListing = 0;
  const budget = new KeyBudget(options.verificationUnits);
  for (const block of keyBlocks) {
    const beginRange = block.begin;
    const listingsAbove: KeyListing[] = [];
    for (; nextListing < layout.listings.length && layout.listings[nextListing].range.start.line < block.begin.start.line; nextListing++) {
      countWork('key-steps');
      const listing = layout.listings[nextListing];
      if (listing.range.start.line > previousEnd) listingsAbove.push(listing);
    }
    previousEnd = block.range.end.line;
    if (!block.bytes) {
      problems.push({ code: 'keys-malformed', severity: 'error', range: block.error!.range, message: `${block.error!.message}; this block was skipped.` });
      continue;
    }
    const where = `block at line ${block.begin.start.line + 1}`;
    const loaded = await loadBinaryKeys(block.bytes, { file: options.file, range: block.range, where, secretKeys: options.secretKeys, now: options.now, budget });
    problems.push(...loaded.problems.map((p) => ({ ...p, range: beginRange })));
    revocations.push(...loaded.revocations);
    read.push(...loaded.read);
    if (options.secretKeys === 'public-only' && (loaded.sawSecret || block.type === 'PRIVATE KEY BLOCK')) {
      problems.push({
        code: 'keys-secret-key', severity: 'error', range: beginRange,
        message: 'A private key in a KEYS file: anyone can read it. Remove the block and treat the key as compromised (revoke it).',
      });
    }
    for (const key of loaded.keys) {
      const earlier = await addOrMerge(keys, key, options.now, budget);
      if (earlier) {
        problems.push({
          code: 'keys-duplicate', severity: 'warning', range: beginRange,
          message: `Key ${key.info.fingerprint} appears again (first at line ${(earlier.source.range?.start.line ?? 0) + 1}); the copies were merged.`,
        });
      }
    }
    // A block whose keys were all skipped is reported already; its listing cannot be checked.
    if (loaded.keys.length > 0) checkListings(listingsAbove, loaded.keys, problems);
  }
  await applyRevocations(keys, revocations, options.now, budget);
  const overBudget = budget.problem();
  if (overBudget) problems.push(overBudget);
  if (layout.truncatedAt !== undefined) {
    problems.push({
      code: 'keys-too-large', severity: 'warning', range: rangeOf(layout.truncatedAt, 0, 0),
      message: `This file has more than ${KeysFileLimits.blocks} armored blocks or ${KeysFileLimits.listingLines} listing lines; nothing from here on was read.`,
    });
  }
  return { keys, problems, layout, revocations, read };
}

export type KeysFileLint = KeysTextLoad;

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Where to report a key's status: its listing's pub line when there is one, else its block's BEGIN line. */
function statusRange(key: LoadedKey, layout: KeysFileLayout, beginAt: Map<number, Range>): Range | undefined {
  const listing = listingOf(layout, key.info.fingerprint);
  if (listing) return listing.primary.range;
  const line = key.source.range?.start.line;
  return line === undefined ? undefined : beginAt.get(line);
}

/**
 * Lints a KEYS file at `now`: everything loading reports, plus per key `keys-expired`, `keys-revoked`
 * and `keys-weak`. The file's keys are loaded as public keys only.
 */
export async function lintKeysFile(text: string, now: Date, file = 'KEYS'): Promise<KeysFileLint> {
  const loaded = await loadKeysText(text, { file, now, secretKeys: 'public-only', verificationUnits: KeyBudget.VERIFICATION_UNITS_PER_KEYS_FILE });
  const beginAt = new Map(loaded.layout.blocks.map((b) => [b.range.start.line, b.begin]));
  for (const key of loaded.keys) {
    const info = key.info;
    const who = `${info.primaryUserId ? `${escapeUntrusted(info.primaryUserId)} ` : ''}(${info.fingerprint})`;
    const range = statusRange(key, loaded.layout, beginAt);
    const at = range ? { range } : {};
    if (info.revoked) {
      loaded.problems.push({ code: 'keys-revoked', severity: 'warning', ...at, message: `Key ${who} is revoked: signatures made with it are rejected.` });
    } else if (info.expires && info.expires <= now) {
      loaded.problems.push({ code: 'keys-expired', severity: 'warning', ...at, message: `Key ${who} expired on ${day(info.expires)}: signatures made with it are rejected until its owner extends it.` });
    }
    const weakness = info.weakness ?? info.signingParts.find((p) => p.weakness)?.weakness;
    if (weakness) {
      loaded.problems.push({ code: 'keys-weak', severity: 'warning', ...at, message: `Key ${who} is weak (${weakness}): signatures made with it are rejected.` });
    }
  }
  return loaded;
}
