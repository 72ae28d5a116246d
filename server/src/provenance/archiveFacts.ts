// What verification needs to know about an archive on disk: its SHA-256 and its own Chart name and
// version, from one read of the file.
import type { BigIntStats } from 'node:fs';
import * as path from 'node:path';
import { examineChartArchive } from './archive';
import type { ArchiveBuffers } from './archiveBuffers';
import { sha256File } from './hash';
import { escapeUntrusted } from './untrustedText';

/** Facts about the archive that verification needs; computed once and cacheable by the caller. */
export interface ArchiveFacts {
  sha256?: string;
  chart?: { name: string; version: string };
  error?: string;
  /** The path led to another file than the caller looked at (archive.ts): facts of no stamp, never to be kept. */
  replaced?: true;
}

/**
 * `judged`: the facts last found for this path. When the file holds the same bytes again (a `touch`, a
 * checkout, the same download), they are answered after the read and digest, without inflating and
 * walking it: facts depend on the bytes and the name only. Archives too large to read whole are walked.
 * `buffers`: the caller's kept buffers (archiveBuffers.ts), read and inflated into.
 * `looked`: the caller's stat of the path just before (boundedRead.ts), not made again.
 */
export async function archiveFacts(archivePath: string, judged?: ArchiveFacts, buffers?: ArchiveBuffers, looked?: BigIntStats): Promise<ArchiveFacts> {
  // One read gives both the chart and the digest; only a large archive that is not a valid chart needs
  // a second, plain hash. Non-regular files (a FIFO, /dev/zero) are refused before anything reads them.
  const examined = await examineChartArchive(archivePath, escapeUntrusted(path.basename(archivePath)), undefined, (sha256) => sha256 === judged?.sha256, buffers, looked);
  if (!examined) return judged!;
  const { chart, sha256, readable, replaced } = examined;
  if (chart.ok) return { sha256: chart.value.sha256, chart: { name: chart.value.metadata.name, version: chart.value.metadata.version } };
  if (sha256 !== undefined) return { sha256, error: chart.error.message };
  if (!readable) return { error: chart.error.message, ...(replaced ? { replaced } : {}) };
  const hash = await sha256File(archivePath);
  return hash.ok ? { sha256: hash.value.hex, error: chart.error.message } : { error: hash.error.message };
}
