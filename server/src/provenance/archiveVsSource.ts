// Is a chart archive what packaging its chart directory would write now? Compared file by file, on the
// contents Helm loads — never on the tar bytes, which also carry times and header layout:
// - the source side is the packager's own plan (package.ts: the same walk, .helmignore, loading and
//   subchart unpacking), so "what an archive of this directory holds" has one owner;
// - the archive side is every file the archive holds, read with the archive reader's checks and limits,
//   kept as a manifest of sizes and digests (a caller may cache it per archive: the editor does);
// - Chart.yaml and Chart.lock, which packaging rewrites from what they say (keys sorted, empty fields
//   dropped), are equal when the archive's copy, rewritten the same way, is equal;
// - entry order, times, modes, directory entries and a leading UTF-8 BOM (Helm's loader drops it) do
//   not count; any other byte, and any file on one side only, does.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { readChartArchiveBytes, readKeptArchive } from './archive';
import type { ArchiveBuffers } from './archiveBuffers';
import type { ArchiveFile, ChartArchive } from './archiveContents';
import { MAX_COMPRESSED_BYTES } from './archiveLimits';
import { readBoundedFile } from './boundedRead';
import { parseChartLock, parseChartYaml } from './chartYaml';
import { archiveChartLock, archiveChartYaml } from './go/chartWriter';
import { fail, ok, type Problem, type Result } from './codes';
import { planPackage, type PackagePlan } from './package';
import type { PackagedFile } from './chartLoader';
import { escapeUntrusted } from './untrustedText';
import { countWork } from './work';

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
  const manifest = readArchiveManifest(archivePath);
  if (!manifest.ok) return manifest;
  return ok(compareManifestWithPlan(manifest.value, plan, chartDir, archivePath));
}

/** One file of an archive, by digest: what a comparison needs, without keeping the bytes. */
export interface ManifestEntry {
  size: number;
  /** SHA-256 of the bytes, hex. */
  sha256: string;
  /** For a Chart.yaml or Chart.lock: SHA-256 of the file as packaging rewrites it (undefined when it cannot be read). */
  rewrittenSha256?: string;
}

/** What an archive holds, file by file (paths relative to the chart): small enough to cache per archive. */
export interface ArchiveManifest {
  /** SHA-256 of the archive bytes, hex. */
  sha256: string;
  files: Map<string, ManifestEntry>;
}

function sha256Hex(data: Buffer | string): string {
  countWork('bytes-hashed', typeof data === 'string' ? Buffer.byteLength(data) : data.length);
  return createHash('sha256').update(data).digest('hex');
}

/** Chart.yaml and Chart.lock as packaging writes them from what they say; undefined for other files or unreadable ones. */
function rewrittenText(name: string, data: Buffer): string | undefined {
  const base = path.posix.basename(name);
  if (base === 'Chart.yaml') {
    const meta = parseChartYaml(data);
    return meta.ok ? archiveChartYaml(meta.value) : undefined;
  }
  if (base === 'Chart.lock') {
    const lock = parseChartLock(data);
    return lock.ok ? archiveChartLock(lock.value) : undefined;
  }
  return undefined;
}

/** Reads an archive (with the archive reader's checks and limits) into its manifest. */
export function readArchiveManifest(archivePath: string): Result<ArchiveManifest> {
  const read = readBoundedFile(archivePath, MAX_COMPRESSED_BYTES);
  if (!read.ok) {
    if (read.reason === 'not-a-file') return fail('archive-invalid', `${archivePath} is not a regular file`);
    if (read.reason === 'too-large') return fail('archive-too-large', `${archivePath}: ${read.detail} for a chart archive`);
    return fail('io-error', `Cannot read ${archivePath}: ${read.detail}`);
  }
  return manifestOf(readChartArchiveBytes(read.bytes, archivePath, undefined, true));
}

/**
 * The manifest of the archive whose digest is `sha256`, from the tar the last check of those bytes
 * kept in `buffers` (archive.ts readKeptArchive), without reading the file; undefined when another archive's is kept.
 */
export function keptArchiveManifest(sha256: string, archivePath: string, buffers: ArchiveBuffers): Result<ArchiveManifest> | undefined {
  const archive = readKeptArchive(sha256, archivePath, buffers);
  return archive && manifestOf(archive);
}

function manifestOf(archive: Result<ChartArchive & { files: ArchiveFile[] }>): Result<ArchiveManifest> {
  if (!archive.ok) return archive;
  const files = new Map<string, ManifestEntry>();
  for (const f of archive.value.files) {
    const rewritten = rewrittenText(f.name, f.data);
    files.set(f.name, { size: f.data.length, sha256: sha256Hex(f.data), ...(rewritten !== undefined ? { rewrittenSha256: sha256Hex(rewritten) } : {}) });
  }
  return ok({ sha256: archive.value.sha256, files });
}

/** Compares an archive's manifest with a packaging plan of `chartDir`: sizes first, a source file is hashed only when its size matches. */
export function compareManifestWithPlan(manifest: ArchiveManifest, plan: PackagePlan, chartDir: string, archivePath = ''): ArchiveComparison {
  const prefix = `${plan.name}/`;
  const expected = new Map<string, PackagedFile>(plan.files.map((f) => [f.path.slice(prefix.length), f]));
  const actual = manifest.files;
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
  return { archivePath, chartDir, sha256: manifest.sha256, files: paths.length, differences, total, warnings: plan.warnings };
}

/** Byte-equal, or — for a file packaging rewrites — equal once the archive's copy is rewritten the same way. */
function sameContent(want: PackagedFile, have: ManifestEntry): boolean {
  if (want.rewritten) {
    const digest = sha256Hex(want.data);
    return digest === have.sha256 || digest === have.rewrittenSha256;
  }
  return want.data.length === have.size && sha256Hex(want.data) === have.sha256;
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
