// Status notifications (per document and per chart) from engine results. Pure: the words a badge, a
// status bar and a CodeLens show for each state and code.
import * as path from 'node:path';
import type { KeysFileLint } from '../provenance/keysFile';
import type { Signer } from '../provenance/signatureCheck';
import type { ProvCheck } from './provCheck';
import type { SignerSummary, StatusParams, StatusSeverity } from './protocol';
import { archiveName, fileRole } from './fileRoles';
import { isoDate } from './keyText';
import { escapeUntrusted } from '../provenance/untrustedText';
import { pathToUri } from './uris';
import { outOfDateText, type Freshness, type OutOfDate } from './sourceFreshness';
import { cosignStatusLine, type CosignFacts } from './cosignLine';
import { chartVerdictOf, cosignOnlyFields, withCosignFields } from './statusSigstore';

export interface ChartRef {
  chartYaml: string;
  folder: string;
  name?: string;
  version?: string;
  /** Why name/version could not be read. */
  error?: string;
}

/** What the server found for a chart; the status and the lenses follow from it. */
export type ChartEvaluation =
  | { kind: 'invalid'; chart: ChartRef }
  | { kind: 'not-packaged'; chart: ChartRef; looked: string[] }
  | { kind: 'stale'; chart: ChartRef; archive: string; holds: { name: string; version: string } }
  | { kind: 'unsigned'; chart: ChartRef; archive: string; freshness?: Freshness; cosign?: CosignFacts }
  /** The archive or its `.prov` exists but is no regular file (`what` says what it is); it is never read. */
  | { kind: 'irregular'; chart: ChartRef; file: string; what: string; archive?: string }
  /** `freshness`: is the archive what the chart folder packages to now (sourceFreshness.ts)? */
  | { kind: 'checked'; chart: ChartRef; archive: string; prov: string; check: ProvCheck; freshness?: Freshness; cosign?: CosignFacts };

/**
 * What changed in the chart folder since packaging, when that is the chart's state: for an unsigned
 * archive, or a verified one. A rejected signature (OpenPGP or cosign) says what matters more.
 */
export function outOfDateOf(evaluation: ChartEvaluation): OutOfDate | undefined {
  if (evaluation.kind !== 'unsigned' && evaluation.kind !== 'checked') return undefined;
  const verdict = chartVerdictOf(evaluation.kind === 'checked' ? evaluation.check.outcome : undefined, evaluation.cosign);
  if (!verdict.verified && verdict.signedWith.length > 0) return undefined;
  return evaluation.freshness?.current === false ? evaluation.freshness.outOfDate : undefined;
}

/** "archive out of date: values.yaml changed since packaging" (file names escaped). */
export function outOfDateSentence(outOfDate: OutOfDate): string {
  return `Archive out of date: ${outOfDateText(outOfDate, (name) => escapeUntrusted(name, 120))}`;
}

const HOLDS_FOR_ARCHIVE = 'Its signature holds for the archive as it is, not for the chart folder.';

/** The fields of a chart whose archive is older than its folder: signing it as it is can only sign the old content. */
function outOfDateFields(outOfDate: OutOfDate, signature: string): Pick<StatusParams, 'state' | 'severity' | 'code' | 'summary' | 'message'> {
  return {
    state: 'stale', severity: 'warning', code: 'archive-differs-from-source', summary: 'Out of date',
    message: `${outOfDateSentence(outOfDate)}. ${signature} Package and Sign to sign the chart as it is now.`,
  };
}

/** A few words per code, and the reason shown after a dash in a CodeLens. */
const OUTCOME_WORDS: Record<string, { summary: string; reason: string }> = {
  verified: { summary: 'Verified', reason: 'signature and archive digest hold' },
  'missing-prov': { summary: 'Unsigned', reason: 'no .prov next to the archive' },
  'missing-archive': { summary: 'Archive missing', reason: 'nothing to check the .prov against' },
  malformed: { summary: 'Malformed provenance', reason: 'the .prov cannot be read' },
  'signature-invalid': { summary: 'Signature invalid', reason: 'the .prov was changed after signing' },
  'unknown-signer': { summary: 'Unknown signer', reason: 'the key is not in your keyrings' },
  'key-expired': { summary: 'Key expired', reason: 'the signing key has expired' },
  'key-revoked': { summary: 'Key revoked', reason: 'the signing key was revoked' },
  'wrong-key-usage': { summary: 'Wrong key usage', reason: 'the key may not sign data' },
  'weak-key': { summary: 'Weak key', reason: 'signed with a key too weak to trust' },
  'weak-hash': { summary: 'Weak hash', reason: 'signed with a broken hash algorithm' },
  'hash-mismatch': { summary: 'Hash mismatch', reason: 'archive changed after signing' },
  'filename-mismatch': { summary: 'File name mismatch', reason: 'signed for another archive name' },
  'metadata-mismatch': { summary: 'Metadata mismatch', reason: 'signed for another chart or version' },
};

export function outcomeWords(code: string): { summary: string; reason: string } {
  return OUTCOME_WORDS[code] ?? { summary: code, reason: 'see the .prov diagnostics' };
}

export function signerSummary(signer: Signer, listedInWorkspaceKeys: string[]): SignerSummary {
  // Assigned field by field (here and in the statuses below), not spread: a workspace's index makes a
  // status per chart, mostly in code V8 has not optimized yet, where each spread is a slow generic copy.
  const summary = { fingerprint: signer.fingerprint, signingKey: signer.signingKey } as SignerSummary;
  if (signer.uid !== undefined) summary.uid = escapeUntrusted(signer.uid);
  summary.uids = signer.uids.map((u) => escapeUntrusted(u));
  summary.algorithm = signer.algorithm;
  if (signer.bits !== undefined) summary.bits = signer.bits;
  summary.signedAt = signer.signedAt.toISOString();
  if (signer.keyExpires) summary.keyExpires = isoDate(signer.keyExpires);
  if (listedInWorkspaceKeys.length) summary.listedInWorkspaceKeys = listedInWorkspaceKeys.map(pathToUri);
  return summary;
}

/** The verdict part of a status, shared by `.prov` documents and charts: added to `status` (the caller's new object). */
function withCheckFields(status: Pick<StatusParams, 'scope' | 'uri'> & Partial<StatusParams>, check: ProvCheck): StatusParams {
  const { outcome } = check;
  const missingArchive = outcome.code === 'missing-archive' && !check.archiveExists;
  const warnings = outcome.warnings.map((w) => ({ code: w.code, message: w.message }));
  const fields = status as StatusParams;
  fields.state = outcome.verdict === 'verified' ? 'verified' : missingArchive ? 'missing-archive' : 'rejected';
  fields.severity = outcome.verdict === 'verified' ? (warnings.length ? 'warning' : 'ok') : missingArchive ? 'information' : 'error';
  fields.code = outcome.code;
  fields.summary = outcomeWords(outcome.code).summary;
  fields.message = outcome.message;
  if (outcome.signer) fields.signer = signerSummary(outcome.signer, check.listedInWorkspaceKeys);
  fields.archive = pathToUri(check.archivePath);
  fields.prov = pathToUri(check.provPath);
  if (outcome.chart) fields.chart = { name: outcome.chart.name, version: outcome.chart.version };
  if (outcome.digest) fields.digest = outcome.digest;
  if (warnings.length) fields.warnings = warnings;
  return fields;
}

/**
 * Every text of a status escaped, whoever built it: the client shows them in the status bar, tooltips
 * and notifications, and a chart's message quotes file names, Chart.yaml values and user ids. Replaces
 * them in `status`, which each caller made for this.
 */
function escapedStatus(status: StatusParams): StatusParams {
  const { summary, message, chart, digest, warnings } = status;
  status.summary = escapeUntrusted(summary);
  status.message = escapeUntrusted(message, 2000);
  if (chart) status.chart = { name: escapeUntrusted(chart.name), version: escapeUntrusted(chart.version) };
  if (digest?.expected !== undefined) status.digest = { ...digest, expected: escapeUntrusted(digest.expected) };
  if (warnings) status.warnings = warnings.map((w) => ({ code: w.code, message: escapeUntrusted(w.message, 2000) }));
  return status;
}

export function provStatus(uri: string, check: ProvCheck): StatusParams {
  return escapedStatus(withCheckFields({ scope: 'document', uri }, check));
}

/** An archive named outside any chart that has no `.prov`. */
export function unsignedArchiveStatus(archive: string, prov: string): StatusParams {
  return escapedStatus({
    scope: 'document', uri: pathToUri(archive), state: 'unsigned', severity: 'warning', code: 'missing-prov', summary: outcomeWords('missing-prov').summary, archive: pathToUri(archive),
    message: `${path.basename(prov)} not found: the archive is not signed. Sign it, or fetch the .prov (helm pull --prov).`,
  });
}

export function keysStatus(uri: string, lint: KeysFileLint): StatusParams {
  const count = (code: string) => lint.problems.filter((p) => p.code === code).length;
  const parts = [`${lint.keys.length} ${lint.keys.length === 1 ? 'key' : 'keys'}`];
  for (const [code, word] of [['keys-expired', 'expired'], ['keys-revoked', 'revoked'], ['keys-weak', 'weak'], ['keys-secret-key', 'secret'], ['keys-malformed', 'malformed']] as const) {
    const n = count(code);
    if (n) parts.push(`${n} ${word}`);
  }
  const errors = lint.problems.filter((p) => p.severity === 'error');
  const severity: StatusSeverity = errors.length ? 'error' : lint.problems.length ? 'warning' : 'information';
  const first = errors[0] ?? lint.problems[0];
  return escapedStatus({
    scope: 'document', uri, state: 'keys', severity, summary: parts.join(', '),
    ...(first ? { code: first.code } : {}),
    message: first ? first.message : `${parts[0]}, all current. A KEYS file is information only: it does not make its keys trusted.`,
  });
}

function chartNameVersion(chart: ChartRef): { name: string; version: string } | undefined {
  return chart.name !== undefined && chart.version !== undefined ? { name: chart.name, version: chart.version } : undefined;
}

export function chartStatus(evaluation: ChartEvaluation): StatusParams {
  return escapedStatus(Object.assign(chartFields(evaluation), cosignStatusLine('cosign' in evaluation ? evaluation.cosign : undefined)));
}

function chartFields(evaluation: ChartEvaluation): StatusParams {
  const { chart } = evaluation;
  const base: Pick<StatusParams, 'scope' | 'uri' | 'chartFolder' | 'chart'> = { scope: 'chart', uri: pathToUri(chart.chartYaml), chartFolder: pathToUri(chart.folder) };
  const nameVersion = chartNameVersion(chart);
  if (nameVersion) base.chart = nameVersion;
  switch (evaluation.kind) {
    case 'invalid':
      return { ...base, state: 'not-packaged', severity: 'warning', code: 'chart-invalid', summary: 'Chart.yaml invalid', message: chart.error ?? 'Chart.yaml has no name or version.' };
    case 'not-packaged':
      return { ...base, state: 'not-packaged', severity: 'information', summary: 'Not packaged', message: `No ${archiveName(escapeUntrusted(chart.name ?? ''), escapeUntrusted(chart.version ?? ''))} in ${evaluation.looked.join(', ')}. Package and sign the chart.` };
    case 'stale':
      return {
        ...base, state: 'stale', severity: 'warning', archive: pathToUri(evaluation.archive), summary: 'Stale',
        message: `The archive ${evaluation.archive} holds ${escapeUntrusted(evaluation.holds.name)} ${escapeUntrusted(evaluation.holds.version)}, Chart.yaml says ${escapeUntrusted(chart.version ?? '')}. Package and sign again.`,
      };
    case 'irregular': {
      const isProv = fileRole(evaluation.file) === 'prov';
      return {
        ...base, state: 'rejected', severity: 'error', code: isProv ? 'malformed' : 'archive-invalid', summary: 'Not a regular file',
        ...(evaluation.archive ? { archive: pathToUri(evaluation.archive) } : {}),
        message: `${escapeUntrusted(evaluation.file)} is not a regular file (it is ${evaluation.what}), so it is not read. Remove it, then ${isProv ? 'sign the chart again' : 'package and sign the chart again'}.`,
      };
    }
    case 'unsigned': {
      const outOfDate = outOfDateOf(evaluation);
      const archive = pathToUri(evaluation.archive);
      // Signed with cosign only: the verdict is the cosign signatures' (never "Unsigned").
      if (evaluation.cosign?.length) {
        const cosign = { ...base, archive, ...cosignOnlyFields(evaluation.cosign) };
        return outOfDate ? { ...cosign, ...outOfDateFields(outOfDate, HOLDS_FOR_ARCHIVE) } : cosign;
      }
      if (outOfDate) return { ...base, archive, ...outOfDateFields(outOfDate, `${evaluation.archive} is not signed.`) };
      return { ...base, state: 'unsigned', severity: 'warning', code: 'missing-prov', archive, summary: 'Unsigned', message: `${evaluation.archive} has no .prov next to it. Sign the chart.` };
    }
    case 'checked': {
      const checked = Object.assign(withCheckFields(base, evaluation.check), withCosignFields(evaluation.check.outcome, evaluation.cosign));
      const outOfDate = outOfDateOf(evaluation);
      return outOfDate ? Object.assign(checked, outOfDateFields(outOfDate, HOLDS_FOR_ARCHIVE)) : checked;
    }
  }
}
