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

/**
 * `dev:inode:size:mtime:ctime` of a file (times in nanoseconds), or undefined when it does not exist
 * (or is not a regular file). A file rewritten in place keeps its inode, and its size and mtime can be
 * put back (`touch -r`, utimes); its ctime cannot be set, so a write always changes the stamp.
 */
export async function fileStamp(file: string): Promise<string | undefined> {
  try {
    // Synchronous: a stat costs a few µs, a promise stat 15–45 µs of CPU (boundedRead.ts).
    const stat = fs.statSync(file, { bigint: true });
    return stat.isFile() ? `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}` : undefined;
  } catch {
    return undefined;
  }
}

export interface ArchiveSnapshot { stamp: string; facts: ArchiveFacts }

export class ArchiveFactsCache {
  private readonly entries = new BoundedMap<string, { stamp: string; facts: Promise<ArchiveFacts>; settled?: ArchiveFacts }>(2000);
  /** Every check reads and inflates into these (no new megabytes per check); they keep the last valid chart's tar for sourceFreshness.ts. */
  readonly buffers = new ArchiveBuffers();

  /** The archive's digest and Chart name/version, computed once per stamp; undefined when there is no archive. */
  async get(archivePath: string, attempts = 3): Promise<ArchiveSnapshot | undefined> {
    const stamp = await fileStamp(archivePath);
    if (!stamp) { this.entries.delete(archivePath); return undefined; }
    let entry = this.entries.get(archivePath);
    if (entry?.settled && entry.stamp === stamp) return { stamp, facts: entry.settled };
    if (!entry || entry.stamp !== stamp) {
      // A new stamp need not mean new bytes: the last facts are kept when the digest is theirs (archiveFacts).
      const created: { stamp: string; facts: Promise<ArchiveFacts>; settled?: ArchiveFacts } = { stamp, facts: archiveFacts(archivePath, entry?.settled, this.buffers) };
      void created.facts.then((facts) => { created.settled = facts; });
      entry = created;
      this.entries.set(archivePath, entry);
    }
    const facts = await entry.facts;
    // The file may have been replaced while it was read: the stamp after reading decides.
    if (attempts > 1 && await fileStamp(archivePath) !== stamp) { this.entries.delete(archivePath); return this.get(archivePath, attempts - 1); }
    return { stamp, facts };
  }

  /** The archive changed on disk: found again at the next get (the last facts are kept only to compare digests). */
  invalidate(archivePath: string): void {
    const entry = this.entries.get(archivePath);
    if (entry) this.entries.set(archivePath, { stamp: '', facts: entry.facts, settled: entry.settled });
  }
}
