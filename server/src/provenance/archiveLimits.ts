// How much of a chart archive is read at most: Helm's own limits, and ours where Helm has none.

/** Helm's own limit on a chart's decompressed size (archive.MaxDecompressedChartSize). */
export const MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024;
/** Compressed data cannot sensibly exceed what it inflates to. */
export const MAX_COMPRESSED_BYTES = 100 * 1024 * 1024;
/** Helm's limit on one file in a chart (archive.MaxDecompressedFileSize): bigger ones Helm cannot load. */
export const MAX_ENTRY_BYTES = 5 * 1024 * 1024;
/** Large real charts (with subcharts and dashboards) hold a few thousand files; 200 000 empty entries do not pass. */
export const MAX_ENTRIES = 20_000;
/** Real Chart.yaml files are a few KB; 1 MiB leaves room for long annotations and caps YAML parsing work. */
export const MAX_CHART_YAML_BYTES = 1024 * 1024;

export interface ArchiveLimits {
  compressedBytes: number;
  uncompressedBytes: number;
  entryBytes: number;
  entries: number;
  chartYamlBytes: number;
}

export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  compressedBytes: MAX_COMPRESSED_BYTES,
  uncompressedBytes: MAX_UNCOMPRESSED_BYTES,
  entryBytes: MAX_ENTRY_BYTES,
  entries: MAX_ENTRIES,
  chartYamlBytes: MAX_CHART_YAML_BYTES,
});

/** The defaults with the caller's overrides. */
export function limitsOf(partial?: Partial<ArchiveLimits>): ArchiveLimits {
  return { ...DEFAULT_ARCHIVE_LIMITS, ...partial };
}

/** A size as messages show it next to a limit. */
export function mib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${+(bytes / (1024 * 1024)).toFixed(2)} MiB` : `${bytes} bytes`;
}
