// Loading a chart's files as Helm's LoadFiles does (which file becomes what; subcharts from charts/,
// their archives unpacked), and the order chartutil.Save writes them in: Chart.yaml and Chart.lock
// re-serialized by Helm's rules, values.yaml, values.schema.json, templates/, the other files, then each
// subchart under `charts/<name>/` (in name order, where Helm follows Go's random map order).
import { readChartArchiveBytes } from './archive';
import type { ArchiveFile } from './archiveContents';
import { parseChartLock, parseChartYaml } from './chartYaml';
import type { ChartLock, ChartMetadata } from './chartMetadata';
import { archiveChartLock, archiveChartYaml } from './go/chartWriter';
import { MAX_CHART_YAML_BYTES } from './archiveLimits';
import { EngineError } from './engineError';
import { strictUtf8 } from './utf8';

/** Subcharts of subcharts: real charts nest 2–3 deep. */
export const MAX_SUBCHART_DEPTH = 10;

/** One file of the archive packaging would write. */
export interface PackagedFile {
  /** Full path in the archive: `<name>/templates/x.yaml`. */
  path: string;
  data: Buffer;
  /** Chart.yaml and Chart.lock are written from what they say (Helm re-serializes them), not copied. */
  rewritten?: 'chart-yaml' | 'chart-lock';
}

export interface LoadedChart {
  meta: ChartMetadata;
  lock?: ChartLock;
  values?: Buffer;
  schema?: Buffer;
  templates: ArchiveFile[];
  files: ArchiveFile[];
  dependencies: LoadedChart[];
}

/** Bytes the subchart archives may still inflate to. */
export interface Budget { bytes: number }

function text(file: ArchiveFile, where: string): string {
  const decoded = strictUtf8(file.data);
  if (decoded === undefined) throw new EngineError('chart-invalid', `${where}${file.name} is not valid UTF-8`);
  return decoded;
}

export function loadChart(files: ArchiveFile[], where: string, depth: number, budget: Budget): LoadedChart {
  const chartYaml = files.find((f) => f.name === 'Chart.yaml');
  if (!chartYaml) throw new EngineError('chart-invalid', `${where}Chart.yaml is missing (or ignored by .helmignore)`);
  if (chartYaml.data.length > MAX_CHART_YAML_BYTES) throw new EngineError('archive-too-large', `${where}Chart.yaml is over ${MAX_CHART_YAML_BYTES / 1048576} MiB`);
  const requirements = files.find((f) => f.name === 'requirements.yaml');
  const meta = parseChartYaml(text(chartYaml, where), {
    requirementsYaml: requirements ? text(requirements, where) : undefined,
    fileName: `${where}Chart.yaml`,
  });
  if (!meta.ok) throw new EngineError(meta.error.code, meta.error.message);
  const v1 = meta.value.apiVersion === 'v1';
  const chart: LoadedChart = { meta: meta.value, templates: [], files: [], dependencies: [] };
  const subcharts = new Map<string, ArchiveFile[]>();
  for (const f of files) {
    if (f.name === 'Chart.yaml') continue;
    if (f.name === 'Chart.lock' || f.name === 'requirements.lock') {
      const lock = parseChartLock(text(f, where), `${where}${f.name}`);
      if (!lock.ok) throw new EngineError('chart-invalid', lock.error.message);
      chart.lock = lock.value;
      // Helm keeps the Helm 2 files of a v1 chart as they are.
      if (v1 && f.name === 'requirements.lock') chart.files.push(f);
    } else if (f.name === 'requirements.yaml') {
      if (v1) chart.files.push(f);
    } else if (f.name === 'values.yaml') {
      chart.values = f.data;
    } else if (f.name === 'values.schema.json') {
      try {
        JSON.parse(text(f, where));
      } catch {
        throw new EngineError('chart-invalid', `${where}values.schema.json is not valid JSON`);
      }
      chart.schema = f.data;
    } else if (f.name.startsWith('templates/')) {
      chart.templates.push(f);
    } else if (f.name.startsWith('charts/')) {
      if (f.name.endsWith('.prov')) {
        chart.files.push(f);
        continue;
      }
      const rest = f.name.slice('charts/'.length);
      const cname = rest.split('/')[0];
      const list = subcharts.get(cname) ?? [];
      list.push({ name: rest, data: f.data });
      subcharts.set(cname, list);
    } else {
      chart.files.push(f);
    }
  }
  const byName = [...subcharts].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const [cname, sub] of byName) {
    // Helm skips charts/_* and charts/.* entries entirely.
    if (cname.startsWith('_') || cname.startsWith('.')) continue;
    const subWhere = `${where}charts/${cname}/`;
    if (depth + 1 > MAX_SUBCHART_DEPTH) throw new EngineError('archive-too-large', `${subWhere}: subcharts nest more than ${MAX_SUBCHART_DEPTH} deep`);
    if (cname.endsWith('.tgz')) {
      if (sub[0].name !== cname) throw new EngineError('chart-invalid', `${where}charts/${cname} should be a chart archive, but it is a directory`);
      const inner = readChartArchiveBytes(sub[0].data, `${where}charts/${cname}`, { uncompressedBytes: budget.bytes }, true);
      if (!inner.ok) throw new EngineError(inner.error.code, inner.error.message);
      budget.bytes -= inner.value.uncompressedSize;
      chart.dependencies.push(loadChart(inner.value.files, subWhere, depth + 1, budget));
    } else {
      const inner = sub.filter((f) => f.name.includes('/')).map((f) => ({ name: f.name.slice(cname.length + 1), data: f.data }));
      chart.dependencies.push(loadChart(inner, subWhere, depth + 1, budget));
    }
  }
  return chart;
}

/** Helm's CheckDependencies: every dependency in Chart.yaml must be in charts/. */
export function checkDependencies(chart: LoadedChart): void {
  const present = new Set(chart.dependencies.map((d) => d.meta.name));
  const missing = (chart.meta.dependencies ?? []).map((d) => d.name).filter((n) => !present.has(n));
  if (missing.length > 0) {
    throw new EngineError('chart-invalid', `found in Chart.yaml, but missing in charts/ directory: ${missing.join(', ')} (run helm dependency build)`);
  }
}

/** The files of a loaded chart and its subcharts, in the order Helm writes them. */
export function collectEntries(chart: LoadedChart, prefix: string, out: PackagedFile[]): void {
  const base = prefix === '' ? chart.meta.name : `${prefix}/${chart.meta.name}`;
  out.push({ path: `${base}/Chart.yaml`, data: Buffer.from(archiveChartYaml(chart.meta), 'utf8'), rewritten: 'chart-yaml' });
  if (chart.meta.apiVersion === 'v2' && chart.lock) out.push({ path: `${base}/Chart.lock`, data: Buffer.from(archiveChartLock(chart.lock), 'utf8'), rewritten: 'chart-lock' });
  if (chart.values) out.push({ path: `${base}/values.yaml`, data: chart.values });
  if (chart.schema) out.push({ path: `${base}/values.schema.json`, data: chart.schema });
  for (const f of [...chart.templates, ...chart.files]) out.push({ path: `${base}/${f.name}`, data: f.data });
  for (const dep of chart.dependencies) collectEntries(dep, `${base}/charts`, out);
}
