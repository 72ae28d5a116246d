// What a chart archive holds, and the chart-level rules its entries must pass while the tar walk runs:
// one top directory named after the chart, no file outside it, no path twice, exactly one Chart.yaml
// (also by case); Chart.yaml (and requirements.yaml) kept and parsed, other files only when asked.
import type { Problem } from './codes';
import { parseChartYaml } from './chartYaml';
import type { ChartMetadata } from './chartMetadata';
import { EngineError } from './engineError';
import { mib, type ArchiveLimits } from './archiveLimits';
import { ArchivePaths, checkPath, isChartYaml } from './archivePaths';
import type { EntrySink, RawEntry } from './go/tarReader';
import { quotedUntrusted } from './untrustedText';
import { strictUtf8, withoutBom } from './utf8';

export interface ArchiveEntry {
  /** Full path in the archive, `/`-separated, without a trailing slash for directories. */
  path: string;
  type: 'file' | 'directory';
  size: number;
}

export interface ArchiveFile {
  /** Path relative to the chart's top directory (`templates/x.yaml`), as Helm's loader names it. */
  name: string;
  /** Contents with a leading UTF-8 BOM removed, as Helm's loader does. */
  data: Buffer;
}

export interface ChartArchive {
  /** The single top-level directory, equal to the chart name. */
  chartDir: string;
  /** `<chartDir>/Chart.yaml` as text (UTF-8 BOM removed). */
  chartYaml: string;
  metadata: ChartMetadata;
  entries: ArchiveEntry[];
  /** SHA-256 of the archive file, lowercase hex (readChartArchive only; the bytes' digest otherwise). */
  sha256: string;
  compressedSize: number;
  uncompressedSize: number;
  /** Findings that do not stop the archive being read (e.g. names differing only by case). */
  problems: Problem[];
}

/** Collects the chart-level facts while the walker runs, and enforces the chart-level rules. */
export class ChartCollector implements EntrySink {
  readonly entries: ArchiveEntry[] = [];
  readonly problems: Problem[] = [];
  readonly files: ArchiveFile[] = [];
  chartDir: string | undefined;
  chartYaml: Buffer | undefined;
  requirementsYaml: Buffer | undefined;
  private readonly paths = new ArchivePaths((first, path) => {
    this.problems.push({ code: 'archive-invalid', severity: 'warning', message: `${quotedUntrusted(first)} and ${quotedUntrusted(path)} differ only in case; they collide when unpacked on macOS or Windows` });
  });
  /** The first Chart.yaml-like name (any case) directly under the top directory. */
  private chartYamlName: string | undefined;
  private current: { parts: Buffer[]; keep: 'chart' | 'requirements' | 'file' | undefined; name: string } | undefined;

  constructor(private readonly limits: ArchiveLimits, private readonly keepFiles: boolean) {}

  entry(e: RawEntry): boolean {
    if (this.entries.length >= this.limits.entries) {
      throw new EngineError('archive-too-large', `the archive has more than ${this.limits.entries} entries`);
    }
    const path = checkPath(e.name);
    if (e.type === 'file' && e.size > this.limits.entryBytes) {
      throw new EngineError('archive-too-large', `${quotedUntrusted(path)} is ${mib(e.size)}; Helm refuses files over ${mib(this.limits.entryBytes)}`);
    }
    const slash = path.indexOf('/');
    const top = slash < 0 ? path : path.slice(0, slash);
    if (this.chartDir === undefined) this.chartDir = top;
    else if (top !== this.chartDir) {
      throw new EngineError('archive-invalid', `the archive has more than one top-level directory (${quotedUntrusted(this.chartDir)} and ${quotedUntrusted(top)}); a chart archive holds exactly one`);
    }
    if (slash < 0 && e.type === 'file') {
      throw new EngineError('archive-invalid', `${quotedUntrusted(path)} lies outside the chart's top directory`);
    }
    this.recordPath(path, e.type);
    this.entries.push({ path, type: e.type, size: e.size });
    if (e.type === 'directory') {
      this.current = undefined;
      return false;
    }
    const rel = path.slice(slash + 1);
    let keep: 'chart' | 'requirements' | 'file' | undefined;
    if (isChartYaml(rel)) {
      if (this.chartYamlName !== undefined) {
        throw new EngineError('archive-invalid', `the archive holds both ${quotedUntrusted(this.chartYamlName)} and ${quotedUntrusted(rel)}; with more than one Chart.yaml (names differing only in case count too) which one counts depends on the tool and file system`);
      }
      this.chartYamlName = rel;
      if (rel === 'Chart.yaml') {
        if (e.size > this.limits.chartYamlBytes) throw new EngineError('archive-too-large', `Chart.yaml is ${mib(e.size)}, over the ${mib(this.limits.chartYamlBytes)} limit`);
        keep = 'chart';
      }
    } else if (rel === 'requirements.yaml' && e.size <= this.limits.chartYamlBytes) {
      keep = 'requirements';
    }
    if (this.keepFiles) keep = keep ?? 'file';
    this.current = { parts: [], keep, name: rel };
    return keep !== undefined;
  }

  private recordPath(path: string, type: 'file' | 'directory'): void {
    const conflict = this.paths.add(path, type);
    if (conflict) {
      throw new EngineError('archive-invalid', conflict.kind === 'twice'
        ? `${quotedUntrusted(conflict.path)} appears twice in the archive; which copy counts would depend on the tool`
        : `${quotedUntrusted(conflict.path)} is both a file and a directory`);
    }
  }

  data(chunk: Buffer): void {
    this.current?.parts.push(chunk);
  }

  entryEnd(): void {
    const cur = this.current;
    this.current = undefined;
    if (!cur || cur.keep === undefined) return;
    // A file inflated in one piece is a view of it: a kept megabyte file is not copied again.
    const data = withoutBom(cur.parts.length === 1 ? cur.parts[0] : Buffer.concat(cur.parts));
    if (cur.keep === 'chart') this.chartYaml = data;
    if (cur.keep === 'requirements') this.requirementsYaml = data;
    if (this.keepFiles) this.files.push({ name: cur.name, data });
  }

  finish(sha256: string, compressedSize: number, uncompressedSize: number): ChartArchive {
    if (this.chartDir === undefined) throw new EngineError('archive-invalid', 'the archive is empty');
    if (this.chartYaml === undefined) {
      const near = this.chartYamlName;
      throw new EngineError('archive-invalid', `the archive has no ${this.chartDir}/Chart.yaml${near ? ` (it has ${quotedUntrusted(near)}; the name is case-sensitive)` : ''}`);
    }
    const text = strictUtf8(this.chartYaml);
    if (text === undefined) throw new EngineError('chart-invalid', 'Chart.yaml in the archive is not valid UTF-8');
    const requirements = this.requirementsYaml ? strictUtf8(this.requirementsYaml) : undefined;
    if (this.requirementsYaml && requirements === undefined) throw new EngineError('chart-invalid', 'requirements.yaml in the archive is not valid UTF-8');
    const meta = parseChartYaml(text, { requirementsYaml: requirements });
    if (!meta.ok) throw new EngineError('chart-invalid', `in the archive: ${meta.error.message}`);
    if (meta.value.name !== this.chartDir) {
      throw new EngineError('archive-invalid', `the archive's top directory ${quotedUntrusted(this.chartDir)} is not the chart name ${quotedUntrusted(meta.value.name)} from its Chart.yaml`);
    }
    return {
      chartDir: this.chartDir, chartYaml: text, metadata: meta.value, entries: this.entries,
      sha256, compressedSize, uncompressedSize, problems: this.problems,
    };
  }
}
