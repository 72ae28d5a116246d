// `helm-prov verify --repo URL chart --version V`: what `helm pull --verify` fetches from a classic chart
// repository — index.yaml, the archive its entry names (checked against the entry's digest while it
// streams) and `<archive URL>.prov` beside it — then the OpenPGP verdict on them, in memory.
import * as path from 'node:path';
import type { Peer } from '../net/boundedHttp';
import type { Code, Problem } from '../provenance/codes';
import { MAX_PROV_BYTES } from '../provenance/provDocument';
import { escapeUntrusted } from '../provenance/untrustedText';
import type { Outcome, VerifyOptions } from '../provenance/verify';
import { MAX_INDEX_BYTES } from './limits';
import { findIndexEntry, type IndexEntry } from './repoIndex';
import type { Transport } from './transport';
import type { ByteBudget } from './byteBudget';
import { verifyFetchedChart } from './verifyFetched';

export interface RepoVerifyOutcome {
  reference: string;
  verdict: 'verified' | 'rejected';
  code: Code;
  message: string;
  archiveUrl?: string;
  chartDigest?: string;
  warnings: Problem[];
  openpgp?: Outcome;
  fetched?: { archiveName: string; chart: Buffer; prov: Buffer };
}

type RepoOptions = VerifyOptions & { maxLayerBytes: number; budget?: ByteBudget };

function rejectedAs(reference: string) {
  return (code: Code, message: string, extra: Partial<RepoVerifyOutcome> = {}): RepoVerifyOutcome => ({ reference, verdict: 'rejected', code, message, warnings: [], ...extra });
}

export async function verifyRepoChart(repoUrl: string, chart: string, version: string, transport: Transport, options: RepoOptions): Promise<RepoVerifyOutcome> {
  const reference = `${repoUrl.replace(/\/+$/, '')} ${chart} ${version}`;
  const rejected = rejectedAs(reference);
  const base = repoUrl.endsWith('/') ? repoUrl : `${repoUrl}/`;
  const index = await transport({ method: 'GET', url: new URL('index.yaml', base).toString(), maxBytes: MAX_INDEX_BYTES, tooLarge: 'repo-index-invalid', what: 'the repository\'s index.yaml' });
  if (!index.ok) return rejected(index.error.code, index.error.message);
  if (index.value.status !== 200) return rejected(index.value.status === 404 ? 'registry-not-found' : 'registry-error', `${escapeUntrusted(repoUrl, 300)} answered HTTP ${index.value.status} for index.yaml.`);
  const entry = findIndexEntry(index.value.body, base, chart, version);
  if (!entry.ok) return rejected(entry.error.code, entry.error.message);
  // The archive's size is known only as it arrives: a shared budget reserves the whole limit for it.
  const release = options.budget ? await options.budget.take(options.maxLayerBytes) : () => undefined;
  try {
    // The entry's URLs are the repository's text: they lead only where what served index.yaml may send us.
    return await fetchAndVerify(reference, { ...entry.value, from: index.value.peer }, chart, version, transport, options);
  } finally {
    release();
  }
}

/** The archive the index entry names (its digest checked as it streams), its `.prov`, and the verdict. */
async function fetchAndVerify(reference: string, entry: IndexEntry & { from: Peer }, chart: string, version: string, transport: Transport, options: RepoOptions): Promise<RepoVerifyOutcome> {
  const rejected = rejectedAs(reference);
  const archiveUrl = entry.url;
  const shown = escapeUntrusted(archiveUrl, 300);
  if (!entry.digest) return rejected('repo-index-invalid', `The index.yaml entry for ${escapeUntrusted(chart)} ${escapeUntrusted(version, 80)} has no digest, so the download cannot be checked against it.`, { archiveUrl });
  const archive = await transport({ method: 'GET', url: archiveUrl, maxBytes: options.maxLayerBytes, tooLarge: 'blob-too-large', expectDigest: `sha256:${entry.digest}`, what: `the archive ${shown}`, from: entry.from });
  if (!archive.ok) {
    const code = archive.error.code === 'blob-digest-mismatch' ? 'repo-digest-mismatch' : archive.error.code;
    return rejected(code, code === 'repo-digest-mismatch' ? `${archive.error.message} (the digest is the one index.yaml lists for ${escapeUntrusted(chart)} ${escapeUntrusted(version, 80)}).` : archive.error.message, { archiveUrl });
  }
  if (archive.value.status !== 200) return rejected(archive.value.status === 404 ? 'registry-not-found' : 'registry-error', `${shown} answered HTTP ${archive.value.status}.`, { archiveUrl });
  const chartDigest = `sha256:${entry.digest}`;
  const provReply = await transport({ method: 'GET', url: `${archiveUrl}.prov`, maxBytes: MAX_PROV_BYTES, tooLarge: 'blob-too-large', what: `${shown}.prov`, from: entry.from });
  if (!provReply.ok) return rejected(provReply.error.code, provReply.error.message, { archiveUrl, chartDigest });
  if (provReply.value.status !== 200 && provReply.value.status !== 404) return rejected('registry-error', `${shown}.prov answered HTTP ${provReply.value.status}.`, { archiveUrl, chartDigest });
  const prov = provReply.value.status === 200 ? provReply.value.body : undefined;
  // Helm saves the download under the URL's file name; that is the name the .prov signs.
  const archiveName = decodeURIComponent(path.posix.basename(new URL(archiveUrl).pathname)) || `${chart}-${version}.tgz`;
  const openpgp = await verifyFetchedChart({ bytes: archive.value.body, prov, archiveName, origin: archiveUrl }, options);
  const fetched = prov ? { fetched: { archiveName, chart: archive.value.body, prov } } : {};
  return { reference, verdict: openpgp.verdict, code: openpgp.code, message: openpgp.message, archiveUrl, chartDigest, warnings: openpgp.warnings, openpgp, ...fetched };
}
