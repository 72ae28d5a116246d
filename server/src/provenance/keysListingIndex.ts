// Which loaded key a KEYS listing line names, and which listing describes a key, found by index: a KEYS
// file may hold 5 000 blocks under 45 000 listing lines, and comparing each listing with every block
// and key took 41 s (and again on every hover and outline in the editor).
import type { KeysFileLayout } from './keysFile';
import type { KeyListing, ListingLine } from './keysListing';
import { countWork } from './work';

/**
 * Finds the first of `items` (in their order) whose fingerprint a listing line names: by fingerprint, or
 * by key id (the fingerprint's last hex digits, or its first for v5/v6 keys; short ids too), so matching
 * every listing costs work in proportion to the listings and keys, not their product.
 */
export class ListedIndex<T> {
  private readonly byFingerprint = new Map<string, number>();
  /** Per key-id length: the fingerprints' prefixes and suffixes of that length → first position. */
  private readonly byIdLength = new Map<number, Map<string, number>>();

  constructor(private readonly items: readonly T[], private readonly fingerprintOf: (item: T) => string) {
    items.forEach((item, i) => {
      const fingerprint = fingerprintOf(item);
      if (!this.byFingerprint.has(fingerprint)) this.byFingerprint.set(fingerprint, i);
    });
    countWork('key-steps', items.length);
  }

  find(line: ListingLine): T | undefined {
    countWork('key-steps');
    const at = line.fingerprint ? this.byFingerprint.get(line.fingerprint) : line.keyId ? this.idsOfLength(line.keyId.length).get(line.keyId) : undefined;
    return at === undefined ? undefined : this.items[at];
  }

  private idsOfLength(length: number): Map<string, number> {
    let ids = this.byIdLength.get(length);
    if (!ids) {
      ids = new Map();
      for (let i = 0; i < this.items.length; i++) {
        const fingerprint = this.fingerprintOf(this.items[i]);
        for (const id of [fingerprint.slice(-length), fingerprint.slice(0, length)]) if (!ids.has(id)) ids.set(id, i);
      }
      countWork('key-steps', this.items.length);
      this.byIdLength.set(length, ids);
    }
    return ids;
  }
}

const firstListings = new WeakMap<KeysFileLayout, Map<string, KeyListing>>();

/** The first listing that describes the loaded key with this fingerprint (indexed once per layout). */
export function listingOf(layout: KeysFileLayout, fingerprint: string): KeyListing | undefined {
  let byKey = firstListings.get(layout);
  if (!byKey) {
    byKey = new Map();
    for (const listing of layout.listings) {
      if (listing.matches !== undefined && !byKey.has(listing.matches)) byKey.set(listing.matches, listing);
    }
    countWork('key-steps', layout.listings.length);
    firstListings.set(layout, byKey);
  }
  return byKey.get(fingerprint);
}
