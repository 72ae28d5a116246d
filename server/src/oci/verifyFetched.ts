// The OpenPGP verdict on a chart held in memory (fetched from a registry or a chart repository) and its
// `.prov` bytes: the engine's own verifyProvenance with the archive's facts taken from the bytes, so the
// codes are the ones `helm-prov verify` gives for the same files on disk.
import { createHash } from 'node:crypto';
import type { Outcome, VerifyOptions } from '../provenance/verify';
import { escapeUntrusted } from '../provenance/untrustedText';

export interface FetchedChart {
  bytes: Buffer;
  prov?: Buffer;
  /** The file name Helm would save it as (`<name>-<version>.tgz`), which the `.prov` must name. */
  archiveName: string;
  /** Where it came from, for messages (`oci://…`, a URL). */
  origin: string;
}

export async function verifyFetchedChart(chart: FetchedChart, options: VerifyOptions): Promise<Outcome> {
  const { readChartArchiveBytes } = await import('../provenance/archive');
  const { parseProvenance } = await import('../provenance/provDocument');
  const { verifyProvenance } = await import('../provenance/verify');
  const read = readChartArchiveBytes(chart.bytes, chart.archiveName);
  const sha256 = read.ok ? read.value.sha256 : createHash('sha256').update(chart.bytes).digest('hex');
  const facts = read.ok
    ? { sha256, chart: { name: read.value.metadata.name, version: read.value.metadata.version } }
    : { sha256, error: read.error.message };
  if (!chart.prov) {
    return {
      archive: chart.archiveName, prov: `${chart.archiveName}.prov`, verdict: 'rejected', code: 'missing-prov', warnings: [],
      message: `${escapeUntrusted(chart.origin, 300)} has no provenance: the chart is not signed. Sign it (helm-prov sign) and push it with its .prov beside it.`,
      digest: { actual: sha256 },
    };
  }
  return verifyProvenance(parseProvenance(chart.prov), chart.archiveName, facts, { ...options, provPath: `${chart.archiveName}.prov` });
}
