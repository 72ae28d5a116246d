// Is a chart archive what packaging its chart directory would write now? Compared file by file, on the
// contents Helm loads — never on the tar bytes, which also carry times and header layout:
// - the source side is the packager's own plan (package.ts: the same walk, .helmignore, loading and
//   subchart unpacking), so "what an archive of this directory holds" has one owner;
// - the archive side is every file the archive holds, read with the archive reader's checks and limits;
// - Chart.yaml and Chart.lock, which packaging rewrites from what they say (keys sorted, empty fields
//   dropped), are equal when the archive's copy, rewritten the same way, is equal;
// - entry order, times, modes, directory entries and a leading UTF-8 BOM (Helm's loader drops it) do
//   not count; any other byte, and any file on one side only, does.
import * as path from 'node:path';
import { readChartArchiveBytes } from './archive';
import { MAX_COMPRESSED_BYTES } from './archiveLimits';
import { readBoundedFile } from './boundedRead';
import { parseChartLock, parseChartYaml } from './chartYaml';
import { archiveChartLock, archiveChartYaml } from './go/chartWriter';
import { fail, ok, type Problem, type Result } from './codes';
import { planPackage, type PackagePlan } from './package';
import type { PackagedFile } from './chartLoader';
import { escapeUntrusted } from './untrustedText';

/** Differences kept for messages; the count of all of them is kept too. */
export const MAX_LISTED_DIFFERENCES = 50;

export type DifferenceKind = 'changed' | 'only-in-archive' | 'only-in-source';

export interface ArchiveDifference {
  /** Relative to the chart: `templates/x.yaml`, `charts/sub/values.yaml`. */
  path: string;
  kind: DifferenceKind;
}

export interface ArchiveComparison {
  archivePath: string;
  chartDir: string;
  /** SHA-256 of the archive bytes that were compared, lowercase hex: sign exactly these. */
  sha256: string;
  /** Files looked at, on either side. */
  files: number;
  /** The first MAX_LISTED_DIFFERENCES, in path order; empty when the archive is identical. */
  differences: ArchiveDifference[];
  /** Every difference, listed or not. */
  total: number;
  /** Packaging's warnings about the source (stale archives in it). */
  warnings: Problem[];
}

/** Compares `archivePath` with what packaging `chartDir` next to it (into its folder) would write. */
export async function compareArchiveWithSource(archivePath: string, chartDir: string): Promise<Result<ArchiveComparison>> {
  const plan = await planPackage(chartDir, path.dirname(archivePath));
  if (!plan.ok) return plan;
  return compareArchiveWithPlan(archivePath, plan.value, chartDir);
}

/** Compares `archivePath` with a packaging plan of `chartDir`. */
export function compareArchiveWithPlan(archivePath: string, plan: PackagePlan, chartDir: string): Result<ArchiveComparison> {
  const read = readBoundedFile(archivePath, MAX_COMPRESSED_BYTES);
  if (!read.ok) {
    if (read.reason === 'not-a-file') return fail('archive-invalid', `${archivePath} is not a regular file`);
    if (read.reason === 'too-large') return fail('archive-too-large', `${archivePath}: ${read.detail} for a chart archive`);
    return fail('io-error', `Cannot read ${archivePath}: ${read.detail}`);
  }
  const archive = readChartArchiveBytes(read.bytes, archivePath, undefined, true);
  if (!archive.ok) return archive;

  const prefix = `${plan.name}/`;
  const expected = new Map<string, PackagedFile>(plan.files.map((f) => [f.path.slice(prefix.length), f]));
  const actual = new Map<string, Buffer>(archive.value.files.map((f) => [f.name, f.data]));
  const paths = [...new Set([...expected.keys(), ...actual.keys()])].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const differences: ArchiveDifference[] = [];
  let total = 0;
  for (const p of paths) {
    const want = expected.get(p);
    const have = actual.get(p);
    const kind: DifferenceKind | undefined = want === undefined ? 'only-in-archive'
      : have === undefined ? 'only-in-source'
        : sameContent(want, have) ? undefined : 'changed';
    if (kind === undefined) continue;
    total++;
    if (differences.length < MAX_LISTED_DIFFERENCES) differences.push({ path: p, kind });
  }
  return ok({
    archivePath, chartDir, sha256: archive.value.sha256, files: paths.length, differences, total, warnings: plan.warnings,
  });
}

/** Byte-equal, or — for a file packaging rewrites — equal once the archive's copy is rewritten the same way. */
function sameContent(want: PackagedFile, have: Buffer): boolean {
  if (want.data.equals(have)) return true;
  if (want.rewritten === 'chart-yaml') {
    const meta = parseChartYaml(have);
    return meta.ok && archiveChartYaml(meta.value) === want.data.toString('utf8');
  }
  if (want.rewritten === 'chart-lock') {
    const lock = parseChartLock(have);
    return lock.ok && archiveChartLock(lock.value) === want.data.toString('utf8');
  }
  return false;
}

const KIND_WORDS: Record<DifferenceKind, string> = {
  changed: 'differs',
  'only-in-archive': 'only in the archive',
  'only-in-source': 'not in the archive',
};

/** "2 files differ: templates/x.yaml (differs), extra.sh (only in the archive)", the first `max` named. */
export function describeDifferences(comparison: Pick<ArchiveComparison, 'differences' | 'total'>, max = 5): string {
  const shown = comparison.differences.slice(0, max).map((d) => `${escapeUntrusted(d.path, 120)} (${KIND_WORDS[d.kind]})`);
  const more = comparison.total - shown.length;
  const count = comparison.total === 1 ? '1 file differs' : `${comparison.total} files differ`;
  return `${count}: ${shown.join(', ')}${more > 0 ? `, and ${more} more` : ''}`;
}
