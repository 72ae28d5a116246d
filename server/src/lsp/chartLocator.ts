// Finds a chart's packaged archive and works out what state the chart is in: `<name>-<version>.tgz`
// next to the chart folder, inside it, or in a configured output folder; an archive of the same chart
// with another version makes the chart stale.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { CancellationToken } from 'vscode-languageserver/node';
import { parseChartYaml } from '../provenance/chartYaml';
import type { ArchiveFactsCache, ArchiveSnapshot } from './caches';
import type { ChartEvaluation, ChartRef } from './status';
import type { ProvCheck } from './provCheck';

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
  for (const n of names.filter((n) => n.startsWith(prefix) && n.endsWith('.tgz'))) {
    try {
      const stat = await fs.stat(path.join(folder, n));
      if (stat.isFile()) found.push({ file: path.join(folder, n), mtime: stat.mtimeMs });
    } catch {
      // vanished while listing
    }
  }
  return found.sort((a, b) => b.mtime - a.mtime).map((f) => f.file);
}

export interface EvaluationContext {
  folders: string[];
  facts: ArchiveFactsCache;
  /** The `.prov` text: the open buffer when there is one, else the file; undefined when there is none. */
  provText(provPath: string): Promise<string | undefined>;
  checkProv(provPath: string, text: string, token: CancellationToken): Promise<ProvCheck | undefined>;
}

/** The chart's state; undefined when cancelled. */
export async function evaluateChart(chart: ChartRef, ctx: EvaluationContext, token: CancellationToken): Promise<ChartEvaluation | undefined> {
  const { name, version } = chart;
  if (chart.error || name === undefined || version === undefined) return { kind: 'invalid', chart };
  const fileName = `${name}-${version}.tgz`;
  // The first folder that has the archive; its facts come with it (one stat when it is cached).
  let archive: string | undefined;
  let snapshot: ArchiveSnapshot | undefined;
  for (const folder of ctx.folders) {
    snapshot = await ctx.facts.get(path.join(folder, fileName));
    if (snapshot) { archive = path.join(folder, fileName); break; }
  }
  if (token.isCancellationRequested) return undefined;
  if (!archive) {
    for (const folder of ctx.folders) {
      for (const candidate of await sameNameArchives(folder, name)) {
        const other = await ctx.facts.get(candidate);
        if (token.isCancellationRequested) return undefined;
        const holds = other?.facts.chart;
        if (holds && holds.name === name) return { kind: 'stale', chart, archive: candidate, holds };
      }
    }
    return { kind: 'not-packaged', chart, looked: ctx.folders };
  }
  const holds = snapshot?.facts.chart;
  if (holds && (holds.name !== name || holds.version !== version)) return { kind: 'stale', chart, archive, holds };
  const prov = `${archive}.prov`;
  const text = await ctx.provText(prov);
  if (text === undefined) return { kind: 'unsigned', chart, archive };
  const check = await ctx.checkProv(prov, text, token);
  return check ? { kind: 'checked', chart, archive, prov, check } : undefined;
}
