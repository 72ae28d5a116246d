// Finds a chart's packaged archive: `<name>-<version>.tgz` next to the chart folder, inside it, or in a
// configured output folder; an archive of the same chart with another version makes the chart stale.
// What the archive's `.prov` says is the workspace index's to check (workspaceIndex.ts).
import * as fs from 'node:fs/promises';
import { lstatSync, readlinkSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { CancellationToken } from 'vscode-languageserver/node';
import { parseChartYaml } from '../provenance/chartYaml';
import { escapeUntrusted } from '../provenance/untrustedText';
import type { ArchiveFactsCache, ArchiveSnapshot } from './caches';
import { archiveName, fileRole } from './fileRoles';
import type { ChartEvaluation, ChartRef } from './status';

/** Name and version as Helm reads them from a Chart.yaml text (the buffer when it is open). */
export function readChartRef(chartYaml: string, text: string): ChartRef {
  const folder = path.dirname(chartYaml);
  const parsed = parseChartYaml(text);
  if (!parsed.ok) return { chartYaml, folder, error: parsed.error.message };
  return { chartYaml, folder, name: parsed.value.name, version: parsed.value.version };
}

/** Folders searched for a chart's archive, in order: next to the chart folder, inside it, output folders. */
export function archiveFolders(chart: ChartRef, outputFolders: string[]): string[] {
  return [...new Set([path.dirname(chart.folder), chart.folder, ...outputFolders])];
}

/** Archives named `<name>-*.tgz` in a folder, newest first. */
async function sameNameArchives(folder: string, name: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(folder);
  } catch {
    return [];
  }
  const prefix = `${name}-`;
  const found: { file: string; mtime: number }[] = [];
  for (const n of names.filter((n) => n.startsWith(prefix) && fileRole(n) === 'archive')) {
    try {
      const stat = await fs.stat(path.join(folder, n));
      if (stat.isFile()) found.push({ file: path.join(folder, n), mtime: stat.mtimeMs });
    } catch {
      // vanished while listing
    }
  }
  return found.sort((a, b) => b.mtime - a.mtime).map((f) => f.file);
}

/**
 * What a path that exists but is no regular file is (a device, a FIFO, a folder, a link to one or to
 * nothing), in words; undefined when it is a regular file or nothing is there. Never opens the path.
 */
export function irregularFile(file: string): string | undefined {
  let link: string | undefined;
  try {
    // Nothing there (nearly always: an unsigned chart's `.prov`) answers undefined: a thrown error costs a few times the lstat.
    const stat = lstatSync(file, { throwIfNoEntry: false });
    if (!stat) return undefined;
    if (stat.isSymbolicLink()) link = readlinkSync(file);
  } catch {
    return undefined;
  }
  let kind: string;
  try {
    const stat = statSync(file);
    if (stat.isFile()) return undefined;
    kind = stat.isDirectory() ? 'a folder' : stat.isFIFO() ? 'a FIFO' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : stat.isSocket() ? 'a socket' : 'not a regular file';
  } catch {
    kind = 'nothing that exists';
  }
  return link === undefined ? kind : `a link to ${kind === 'nothing that exists' ? kind : `${escapeUntrusted(link)} (${kind})`}`;
}

/** The chart's archive, found with its facts (`snapshot`); or what the chart's state is when it has none to check. */
export type ArchiveSearch = { kind: 'found'; chart: ChartRef; archive: string; snapshot: ArchiveSnapshot } | Exclude<ChartEvaluation, { kind: 'unsigned' | 'checked' }>;

/**
 * Looks for the chart's `<name>-<version>.tgz` in `folders`, in order, and for archives of the same
 * chart with another version; undefined when cancelled.
 */
export async function locateArchive(chart: ChartRef, folders: string[], facts: ArchiveFactsCache, token: CancellationToken): Promise<ArchiveSearch | undefined> {
  const { name, version } = chart;
  if (chart.error || name === undefined || version === undefined) return { kind: 'invalid', chart };
  const fileName = archiveName(name, version);
  // The first folder that has the archive; its facts come with it (one stat when it is cached).
  let archive: string | undefined;
  let snapshot: ArchiveSnapshot | undefined;
  for (const folder of folders) {
    const candidate = path.join(folder, fileName);
    snapshot = await facts.get(candidate);
    if (snapshot) { archive = candidate; break; }
    // Something is there that cannot be read as an archive: say so, rather than "not packaged".
    const what = irregularFile(candidate);
    if (what) return { kind: 'irregular', chart, file: candidate, what };
  }
  if (token.isCancellationRequested) return undefined;
  if (!archive || !snapshot) {
    for (const folder of folders) {
      for (const candidate of await sameNameArchives(folder, name)) {
        const other = await facts.get(candidate);
        if (token.isCancellationRequested) return undefined;
        const holds = other?.facts.chart;
        if (holds && holds.name === name) return { kind: 'stale', chart, archive: candidate, holds };
      }
    }
    return { kind: 'not-packaged', chart, looked: folders };
  }
  const holds = snapshot.facts.chart;
  if (holds && (holds.name !== name || holds.version !== version)) return { kind: 'stale', chart, archive, holds };
  return { kind: 'found', chart, archive, snapshot };
}
