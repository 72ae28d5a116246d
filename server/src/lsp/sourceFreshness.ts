// Is a chart's archive still what packaging its folder would write? The editor asks on every evaluation
// of a chart (each keystroke in Chart.yaml is one), so the answer is cached: an archive's manifest (its
// files' sizes and digests, archiveVsSource.ts) by the archive's stamp (caches.ts fileStamp), and the answer by
// that stamp plus the chart folder's generation, which a file change inside the folder (or Verify) bumps.
// The chart folder is read again only after such a change; the archive only when it changed.
import * as path from 'node:path';
import { compareManifestWithPlan, readArchiveManifest, type ArchiveDifference, type ArchiveManifest } from '../provenance/archiveVsSource';
import type { Result } from '../provenance/codes';
import { planPackage } from '../provenance/package';
import { BoundedMap, fileStamp } from './caches';

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
  private readonly manifests = new BoundedMap<string, { stamp: string; manifest: Result<ArchiveManifest> }>(100);
  private readonly answers = new BoundedMap<string, { answer: Promise<Freshness>; settled?: Freshness }>(2000);
  /** Whether any comparison was started: until then nothing is known, and asking costs no stat (a first index asks for every chart). */
  private compared = false;
  /** Bumped for a chart folder when a file in it changed: its answers are then computed again. */
  private readonly generations = new Map<string, number>();

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
      const created: { answer: Promise<Freshness>; settled?: Freshness } = { answer: this.compare(chartFolder, archive, key.stamp) };
      void created.answer.then((settled) => { created.settled = settled; });
      entry = created;
      this.answers.set(key.key, entry);
    }
    return entry.answer;
  }

  /** The answer when it is known already (nothing is read); undefined when it would have to be computed. */
  async known(chartFolder: string, archive: string): Promise<Freshness | undefined> {
    if (!this.compared) return undefined;
    const key = await this.keyOf(chartFolder, archive);
    return key ? this.answers.get(key.key)?.settled : undefined;
  }

  private async keyOf(chartFolder: string, archive: string): Promise<{ key: string; stamp: string } | undefined> {
    const stamp = await fileStamp(archive);
    return stamp ? { key: `${archive}\0${stamp}\0${chartFolder}\0${this.generations.get(chartFolder) ?? 0}`, stamp } : undefined;
  }

  private manifestOf(archive: string, stamp: string): Result<ArchiveManifest> {
    const cached = this.manifests.get(archive);
    if (cached?.stamp === stamp) return cached.manifest;
    const manifest = readArchiveManifest(archive);
    this.manifests.set(archive, { stamp, manifest });
    return manifest;
  }

  private async compare(chartFolder: string, archive: string, stamp: string): Promise<Freshness> {
    const manifest = this.manifestOf(archive, stamp);
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
