// `helm package`, reproducibly: the chart directory read as Helm's LoadDir reads it (chartDirectory.ts),
// loaded and ordered as Helm's LoadFiles and chartutil.Save do (chartLoader.ts), written as Go's
// archive/tar writes Helm's headers (go/tarWriter.ts), so the archive holds the same entries, in the
// same order, with the same contents. Every entry is a regular file, mode 0644, uid/gid 0, no user
// names. Two differences from Helm, both for reproducibility:
// - every entry's mtime is SOURCE_DATE_EPOCH when set, else DEFAULT_MTIME (Helm uses the files' mtimes,
//   so its output changes with every checkout). The gzip header carries no time and OS "unknown".
// - subcharts are written in name order (Helm follows Go's random map order).
// Packaging into the chart directory stays idempotent: the archive being written and its .prov are
// never packaged. The archive is written atomically.
import { createHash } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { fail, ok, type Problem, type Result } from './codes';
import { writeFileAtomic } from './atomicWrite';
import { MAX_ENTRIES, MAX_UNCOMPRESSED_BYTES } from './archiveLimits';
import { readChartDirectory, readChartYamlForName, type ReadAhead } from './chartDirectory';
import { checkDependencies, collectEntries, loadChart, type PackagedFile } from './chartLoader';
import { EngineError } from './engineError';
import { goTarBytes, MAX_USTAR_TIME } from './go/tarWriter';
import { describeIoError } from './hash';
import { escapeUntrusted } from './untrustedText';

/** 1980-01-01T00:00:00Z: the usual epoch of reproducible archives (ZIP's first date), never "no time". */
export const DEFAULT_MTIME = 315532800;

export interface PackageOptions {
  /** Where `<name>-<version>.tgz` goes; created when missing. */
  outDir: string;
  /** Seconds since the epoch for every entry; defaults to $SOURCE_DATE_EPOCH, then DEFAULT_MTIME. */
  sourceDateEpoch?: number;
}

export interface PackageResult {
  archivePath: string;
  name: string;
  version: string;
  /** Entry paths in archive order (`<name>/Chart.yaml`, …). */
  entries: string[];
  /** SHA-256 of the archive written, lowercase hex. */
  sha256: string;
  warnings: Problem[];
}

/** What packaging a chart directory would write, before anything is written. */
export interface PackagePlan {
  name: string;
  version: string;
  /** `<outDir>/<name>-<version>.tgz`, absolute. */
  archivePath: string;
  /** In archive order. */
  files: PackagedFile[];
  warnings: Problem[];
}

/** SOURCE_DATE_EPOCH from an environment: undefined when unset, an error when malformed. */
export function sourceDateEpochFromEnv(env: NodeJS.ProcessEnv = process.env): Result<number | undefined> {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return ok(undefined);
  if (!/^[0-9]+$/.test(raw) || Number(raw) > MAX_USTAR_TIME) {
    return fail('chart-invalid', `SOURCE_DATE_EPOCH="${escapeUntrusted(raw)}" is not a whole number of seconds since 1970 (up to ${MAX_USTAR_TIME})`);
  }
  return ok(Number(raw));
}

/** gzip with no timestamp and OS byte 255 ("unknown"), so the bytes do not depend on the platform. */
function gzipDeterministic(data: Buffer): Buffer {
  const out = zlib.gzipSync(data, { level: zlib.constants.Z_BEST_COMPRESSION });
  out[9] = 0xff;
  return out;
}

function resolveMtime(sourceDateEpoch: number | undefined): Result<number> {
  let mtime = sourceDateEpoch;
  if (mtime === undefined) {
    const fromEnv = sourceDateEpochFromEnv();
    if (!fromEnv.ok) return fromEnv;
    mtime = fromEnv.value ?? DEFAULT_MTIME;
  }
  if (!Number.isInteger(mtime) || mtime < 0 || mtime > MAX_USTAR_TIME) {
    return fail('chart-invalid', `sourceDateEpoch ${mtime} is not a whole number of seconds between 0 and ${MAX_USTAR_TIME}`);
  }
  return ok(mtime);
}

export async function packageChart(chartDir: string, options: PackageOptions): Promise<Result<PackageResult>> {
  const mtime = resolveMtime(options.sourceDateEpoch);
  if (!mtime.ok) return mtime;
  const plan = await planPackage(chartDir, options.outDir);
  if (!plan.ok) return plan;
  return writePackage(plan.value, mtime.value);
}

/**
 * Everything packaging `chartDir` into `outDir` would write, read and checked as packaging does, but
 * nothing written (outDir need not exist). The archive at the plan's path and its .prov are left out
 * of the walk, as packaging over them leaves them out.
 */
export async function planPackage(chartDir: string, outDir: string): Promise<Result<PackagePlan>> {
  try {
    let root: string;
    try {
      root = realpathSync.native(chartDir);
    } catch (e) {
      return fail('io-error', `Cannot read the chart directory ${escapeUntrusted(chartDir)}: ${describeIoError(e)}`);
    }
    if (!statSync(root).isDirectory()) return fail('chart-invalid', `${escapeUntrusted(chartDir)} is not a chart directory`);

    // Name and version first: they name the output file, which must not be packaged into itself.
    const read: ReadAhead = new Map();
    const head = readChartYamlForName(root, read);
    const archiveName = `${head.name}-${head.version}.tgz`;
    const archivePath = path.join(path.resolve(outDir), archiveName);
    const outReal = path.join(realOrResolved(outDir), archiveName);

    const walked = await readChartDirectory(root, new Set([outReal, `${outReal}.prov`]), read);

    const chart = loadChart(walked.files, '', 0, { bytes: MAX_UNCOMPRESSED_BYTES - walked.bytes });
    checkDependencies(chart);
    const files: PackagedFile[] = [];
    collectEntries(chart, '', files);
    const seen = new Set<string>();
    for (const e of files) {
      if (seen.has(e.path)) throw new EngineError('chart-invalid', `${e.path} would be written twice (two subcharts with one name?)`);
      seen.add(e.path);
    }
    if (files.length > MAX_ENTRIES) throw new EngineError('archive-too-large', `the archive would hold more than ${MAX_ENTRIES} files`);
    return ok({ name: chart.meta.name, version: chart.meta.version, archivePath, files, warnings: walked.warnings });
  } catch (e) {
    if (e instanceof EngineError) return fail(e.code, e.message);
    return fail('io-error', `Cannot package ${escapeUntrusted(chartDir)}: ${describeIoError(e)}`);
  }
}

/** The real path of `dir`, or its absolute path when it does not exist (yet). */
function realOrResolved(dir: string): string {
  try {
    return realpathSync.native(dir);
  } catch {
    return path.resolve(dir);
  }
}

/** Writes a plan's archive (atomically), every entry dated `sourceDateEpoch` (default as in packageChart). */
export async function writePackage(plan: PackagePlan, sourceDateEpoch?: number): Promise<Result<PackageResult>> {
  const mtime = resolveMtime(sourceDateEpoch);
  if (!mtime.ok) return mtime;
  const tar = goTarBytes(plan.files, mtime.value);
  if (tar.length > MAX_UNCOMPRESSED_BYTES) return fail('archive-too-large', `the archive would inflate to more than ${MAX_UNCOMPRESSED_BYTES / 1048576} MiB (Helm's limit)`);
  const gzipped = gzipDeterministic(tar);
  try {
    await fs.mkdir(path.dirname(plan.archivePath), { recursive: true });
  } catch (e) {
    return fail('io-error', `Cannot create ${path.dirname(plan.archivePath)}: ${describeIoError(e)}`);
  }
  const written = await writeFileAtomic(plan.archivePath, gzipped);
  if (!written.ok) return written;
  return ok({
    archivePath: plan.archivePath, name: plan.name, version: plan.version, entries: plan.files.map((e) => e.path),
    sha256: createHash('sha256').update(gzipped).digest('hex'), warnings: plan.warnings,
  });
}
