// Caches that keep the server from hashing archives and checking signatures again when nothing changed.
// Archive facts are keyed by the file's identity and times (fileStamp), and kept across a new stamp when
// the bytes' digest is the same; verdicts by the archive's digest, the `.prov` text, the keyring contents
// and the trust settings (provCheck.ts).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { archiveFacts, type ArchiveFacts } from '../provenance/archiveFacts';
import { ArchiveBuffers } from '../provenance/archiveBuffers';

/** A Map that forgets its oldest entries beyond `limit`. */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly limit: number) {}

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) { this.map.delete(key); this.map.set(key, value); }
    return value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.limit) this.map.delete(this.map.keys().next().value as K);
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }
}

export function sha256Text(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The stat of `file` when it is a regular file; undefined when nothing is there or it is something else. */
function regularFileStat(file: string): fs.BigIntStats | undefined {
  try {
    // Synchronous: a stat costs a few µs, a promise stat 15–45 µs of CPU (boundedRead.ts); a missing file
    // answers undefined (a thrown error costs ten times the stat).
    const stat = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
    return stat?.isFile() ? stat : undefined;
  } catch {
    return undefined;
  }
}

function stampOf(stat: fs.BigIntStats): string {
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
}

/**
 * `dev:inode:size:mtime:ctime` of a file (times in nanoseconds), or undefined when it does not exist
 * (or is not a regular file). A file rewritten in place keeps its inode, and its size and mtime can be
 * put back (`touch -r`, utimes); its ctime cannot be set, so a write always changes the stamp.
 */
export function fileStamp(file: string): string | undefined {
  const stat = regularFileStat(file);
  return stat && stampOf(stat);
}

export interface ArchiveSnapshot { stamp: string; facts: ArchiveFacts }

export class ArchiveFactsCache {
  private readonly entries = new BoundedMap<string, { stamp: string; facts: Promise<ArchiveFacts>; settled?: ArchiveFacts }>(2000);
  /** Every check reads and inflates into these (no new megabytes per check); they keep the last valid chart's tar for sourceFreshness.ts. */
  readonly buffers = new ArchiveBuffers();

  /** The archive's digest and Chart name/version, computed once per stamp; undefined when there is no archive. */
  async get(archivePath: string, attempts = 3): Promise<ArchiveSnapshot | undefined> {
    const looked = regularFileStat(archivePath);
    if (!looked) { this.entries.delete(archivePath); return undefined; }
    const stamp = stampOf(looked);
    let entry = this.entries.get(archivePath);
    if (entry?.settled && entry.stamp === stamp) return { stamp, facts: entry.settled };
    if (!entry || entry.stamp !== stamp) {
      // A new stamp need not mean new bytes: the last facts are kept when the digest is theirs (archiveFacts).
      // The stat that made the stamp is the reader's look before opening (boundedRead.ts `looked`): one stat
      // of the path before the read, not two.
      entry = { stamp, facts: archiveFacts(archivePath, entry?.settled, this.buffers, looked) };
      this.entries.set(archivePath, entry);
    }
    const facts = await entry.facts;
    // Settled for every later get of this stamp (whoever awaited first; the facts are the same).
    entry.settled = facts;
    // The file may have been replaced or written while it was read: the stamp after reading decides. The
    // same stamp before the open and after the read is the same inode (dev:ino) at both moments, with no
    // write in between (a write changes the ctime, which cannot be set back; a rename changes the moved
    // file's ctime too), and the reader checked that the file it opened is the one stamped (a folder on the
    // way swapped and swapped back changes no stamp): the bytes read are those of this stamp. Any other
    // answer is read again; after the last attempt it is answered but not kept.
    if (facts.replaced || fileStamp(archivePath) !== stamp) {
      this.entries.delete(archivePath);
      if (attempts > 1) return this.get(archivePath, attempts - 1);
    }
    return { stamp, facts };
  }

  /** The archive changed on disk: found again at the next get (the last facts are kept only to compare digests). */
  invalidate(archivePath: string): void {
    const entry = this.entries.get(archivePath);
    if (entry) this.entries.set(archivePath, { stamp: '', facts: entry.facts, settled: entry.settled });
  }
}
