// What signing a chart signs (docs/security.md, "What Sign Chart signs"): the archive of the chart's
// source as it is now. A chart directory is packaged when it has no archive yet; an archive that is
// already there (same name and version) is signed only when it is what packaging the source would
// write, file by file (archiveVsSource.ts) — a repository cannot get an archive built from something
// else signed as its source's. An archive named explicitly can always be signed; what it was compared
// with is said (origin), so the person knows whether it matches a source here.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { readChartArchive } from './archive';
import { compareArchiveWithPlan, describeDifferences, type ArchiveComparison } from './archiveVsSource';
import { fail, ok, type Problem, type Result } from './codes';
import { planPackage, writePackage } from './package';
import { escapeUntrusted } from './untrustedText';

/** Where the archive that is signed comes from. */
export type ArchiveOrigin =
  /** Packaged from the chart directory just now. */
  | { kind: 'packaged'; chartDir: string }
  /** An existing archive, identical to what packaging the chart directory writes now. */
  | { kind: 'matches-source'; chartDir: string }
  /** An archive named explicitly that differs from the chart directory next to it. */
  | { kind: 'differs-from-source'; chartDir: string; comparison: ArchiveComparison }
  /** An archive named explicitly with no chart directory of that chart next to it. */
  | { kind: 'no-source' };

export interface ArchiveToSign {
  archivePath: string;
  /** The digest of the bytes packaged or compared: the signer refuses other bytes. Absent for `no-source`. */
  sha256?: string;
  origin: ArchiveOrigin;
  warnings: Problem[];
}

export interface ChartArchiveOptions {
  /** False: refuse (`missing-archive`) instead of packaging when there is no archive yet. */
  mayPackage?: boolean;
  /** The next step named when the existing archive differs (the CLI and the editor word it differently). */
  rebuildHint?: string;
  sourceDateEpoch?: number;
}

const DEFAULT_REBUILD_HINT = 'Package the chart again to rebuild the archive from its source, then sign.';

/**
 * The archive to sign for `chartDir`: `<outDir>/<name>-<version>.tgz` when it exists and is what
 * packaging the source writes now (refused with `archive-differs-from-source` and the differences when
 * not), else a fresh package written there.
 */
export async function archiveForChart(chartDir: string, outDir: string, options: ChartArchiveOptions = {}): Promise<Result<ArchiveToSign>> {
  const plan = await planPackage(chartDir, outDir);
  if (!plan.ok) return plan;
  const { archivePath } = plan.value;
  if (await exists(archivePath)) {
    const compared = compareArchiveWithPlan(archivePath, plan.value, chartDir);
    if (!compared.ok) return compared;
    if (compared.value.total > 0) {
      return fail('archive-differs-from-source', `${escapeUntrusted(archivePath, 500)} is not what packaging ${escapeUntrusted(chartDir, 500)} writes now — ${describeDifferences(compared.value)}. Nothing was signed: an archive that was not built from this source is not signed as the chart's. ${options.rebuildHint ?? DEFAULT_REBUILD_HINT}`);
    }
    return ok({ archivePath, sha256: compared.value.sha256, origin: { kind: 'matches-source', chartDir }, warnings: plan.value.warnings });
  }
  if (options.mayPackage === false) {
    return fail('missing-archive', `${escapeUntrusted(path.basename(archivePath))} is not in ${escapeUntrusted(outDir, 500)}; package the chart first.`);
  }
  const written = await writePackage(plan.value, options.sourceDateEpoch);
  if (!written.ok) return written;
  return ok({ archivePath, sha256: written.value.sha256, origin: { kind: 'packaged', chartDir }, warnings: written.value.warnings });
}

/**
 * An archive named explicitly, and what it was compared with: the chart directory of the same chart
 * next to it (`<folder>/<name>/`) or around it (the archive inside its chart folder), when there is one.
 */
export async function archiveAsGiven(archivePath: string): Promise<ArchiveToSign> {
  const noSource: ArchiveToSign = { archivePath, origin: { kind: 'no-source' }, warnings: [] };
  const chart = await readChartArchive(archivePath);
  // An archive that cannot be read is refused by the signer with its own code.
  if (!chart.ok) return noSource;
  const folder = path.dirname(archivePath);
  for (const chartDir of [path.join(folder, chart.value.metadata.name), folder]) {
    if (!(await exists(path.join(chartDir, 'Chart.yaml')))) continue;
    const plan = await planPackage(chartDir, folder);
    if (!plan.ok || plan.value.name !== chart.value.metadata.name) continue;
    const compared = compareArchiveWithPlan(archivePath, plan.value, chartDir);
    if (!compared.ok) return noSource;
    const origin: ArchiveOrigin = compared.value.total === 0
      ? { kind: 'matches-source', chartDir }
      : { kind: 'differs-from-source', chartDir, comparison: compared.value };
    return { archivePath, sha256: compared.value.sha256, origin, warnings: [] };
  }
  return noSource;
}

/** One sentence on where the signed archive came from, for success messages. */
export function describeOrigin(signed: ArchiveToSign): string {
  const archive = escapeUntrusted(path.basename(signed.archivePath));
  const { origin } = signed;
  switch (origin.kind) {
    case 'packaged':
      return `${archive} was packaged from ${escapeUntrusted(origin.chartDir, 500)} just now.`;
    case 'matches-source':
      return `${archive} is what packaging ${escapeUntrusted(origin.chartDir, 500)} writes now (compared file by file).`;
    case 'differs-from-source':
      return `${archive} was NOT built from the chart source in ${escapeUntrusted(origin.chartDir, 500)} as it is now — ${describeDifferences(origin.comparison)}.`;
    case 'no-source':
      return `${archive} was not built from a chart source here: there is no chart folder of it next to it to compare with.`;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch {
    return false;
  }
}
