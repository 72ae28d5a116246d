// Is a chart's archive still what packaging its folder would write? The editor asks on every evaluation
// of a chart (each keystroke in Chart.yaml is one), so the answer is cached: an archive's manifest (its
// files' sizes and digests, archiveVsSource.ts) by the archive's digest (from the facts cache, caches.ts),
// and the answer by that digest plus the chart folder's generation, which a file change inside the folder
// (or Verify) bumps. The chart folder is read again only after such a change; the archive only when its
// bytes changed (a new stamp with the same bytes, as after a `touch`, reuses both).
import * as path from 'node:path';
import { compareManifestWithPlan, keptArchiveManifest, readArchiveManifest, type ArchiveDifference, type ArchiveManifest } from '../provenance/archiveVsSource';
import type { Result } from '../provenance/codes';
import { planPackage } from '../provenance/package';
import { BoundedMap, type ArchiveFactsCache } from './caches';

/**
 * The largest archive (its files' sizes added up) compared in the background. Comparing reads the whole
 * chart folder; beyond this the editor leaves it to Sign Chart, which compares before signing.
 */
export const MAX_COMPARED_BYTES = 32 * 1024 * 1024;

/** What changed since packaging: the first files that differ (archiveVsSource's order) and how many in all. */
export interface OutOfDate {
  differences: ArchiveDifference[];
  total: number;
}

/** A `notCompared` answer (too large, or the folder cannot be packaged) claims nothing either way. */
export type Freshness = { current: true } | { current: false; outOfDate: OutOfDate } | { current?: undefined; notCompared: string };

export class SourceFreshness {
  private readonly manifests = new BoundedMap<string, { id: string; manifest: Result<ArchiveManifest> }>(100);
  private readonly answers = new BoundedMap<string, { answer: Promise<Freshness>; settled?: Freshness }>(2000);
  /** Whether any comparison was started: until then nothing is known, and asking costs no stat (a first index asks for every chart). */
  private compared = false;
  /** Bumped for a chart folder when a file in it changed: its answers are then computed again. */
  private readonly generations = new Map<string, number>();

  constructor(private readonly facts: ArchiveFactsCache) {}

  /** A file in `chartFolder` (or the folder itself) changed on disk. */
  sourceChanged(chartFolder: string): void {
    this.generations.set(chartFolder, (this.generations.get(chartFolder) ?? 0) + 1);
  }

  /** Compares `archive` with what packaging `chartFolder` next to it would write now (cached, see above). */
  async check(chartFolder: string, archive: string): Promise<Freshness> {
    const key = await this.keyOf(chartFolder, archive);
    if (!key) return { notCompared: `${path.basename(archive)} is gone` };
    let entry = this.answers.get(key.key);
    if (!entry) {
      this.compared = true;
      const compared = this.compare(chartFolder, archive, key.id);
      const created: { answer: Promise<Freshness>; settled?: Freshness } = { answer: compared.then((c) => c.freshness) };
      // An archive rewritten while it was compared answers for other bytes than the key's: not kept.
      void compared.then((c) => { if (c.sameBytes) created.settled = c.freshness; else this.answers.delete(key.key); });
      entry = created;
      this.answers.set(key.key, entry);
    }
    return entry.answer;
  }

  /**
   * The answer when it is known already (nothing is read), with the archive's bytes it is for (their
   * digest, or `unread:<stamp>`); undefined when it would have to be computed.
   */
  async known(chartFolder: string, archive: string): Promise<{ freshness: Freshness; archiveId: string } | undefined> {
    if (!this.compared) return undefined;
    const key = await this.keyOf(chartFolder, archive);
    const freshness = key && this.answers.get(key.key)?.settled;
    return freshness && key ? { freshness, archiveId: key.id } : undefined;
  }

  /** The archive's bytes are named by their digest; an archive that cannot be read, by its stamp. */
  private async keyOf(chartFolder: string, archive: string): Promise<{ key: string; id: string } | undefined> {
    const snapshot = await this.facts.get(archive);
    if (!snapshot) return undefined;
    const id = snapshot.facts.sha256 ?? `unread:${snapshot.stamp}`;
    return { key: `${archive}\0${id}\0${chartFolder}\0${this.generations.get(chartFolder) ?? 0}`, id };
  }

  private manifestOf(archive: string, id: string): Result<ArchiveManifest> {
    const cached = this.manifests.get(archive);
    if (cached?.id === id) return cached.manifest;
    // The check that found this digest (the facts) usually inflated these very bytes just before.
    const manifest = keptArchiveManifest(id, archive, this.facts.buffers) ?? readArchiveManifest(archive);
    // Read after the digest was taken: kept under the digest of the bytes it read.
    this.manifests.set(archive, { id: manifest.ok ? manifest.value.sha256 : id, manifest });
    return manifest;
  }

  /** The answer, and whether the archive read was still the bytes named `id`. */
  private async compare(chartFolder: string, archive: string, id: string): Promise<{ freshness: Freshness; sameBytes: boolean }> {
    const manifest = this.manifestOf(archive, id);
    return { freshness: await this.compareManifest(chartFolder, archive, manifest), sameBytes: !manifest.ok || manifest.value.sha256 === id };
  }

  private async compareManifest(chartFolder: string, archive: string, manifest: Result<ArchiveManifest>): Promise<Freshness> {
    if (!manifest.ok) return { notCompared: manifest.error.message };
    let bytes = 0;
    for (const f of manifest.value.files.values()) bytes += f.size;
    if (bytes > MAX_COMPARED_BYTES) return { notCompared: `${path.basename(archive)} holds more than ${MAX_COMPARED_BYTES / 1048576} MiB` };
    const plan = await planPackage(chartFolder, path.dirname(archive));
    if (!plan.ok) return { notCompared: plan.error.message };
    const { differences, total } = compareManifestWithPlan(manifest.value, plan.value, chartFolder, archive);
    return total === 0 ? { current: true } : { current: false, outOfDate: { differences, total } };
  }
}

/** Up to `max` names, with "and N more": `values.yaml`, `a, b and c`, `a, b, c and 4 more`. */
function nameList(names: string[], total: number): string {
  const more = total - names.length;
  if (more > 0) return `${names.join(', ')} and ${more} more`;
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

const KIND_NOTE: Record<ArchiveDifference['kind'], string> = { changed: '', 'only-in-source': ' (new)', 'only-in-archive': ' (removed)' };

/** "values.yaml changed since packaging"; up to three files named (`show` escapes them for where they go). */
export function outOfDateText(outOfDate: OutOfDate, show: (name: string) => string, max = 3): string {
  const names = outOfDate.differences.slice(0, max).map((d) => `${show(d.path)}${KIND_NOTE[d.kind]}`);
  return `${nameList(names, outOfDate.total)} changed since packaging`;
}
