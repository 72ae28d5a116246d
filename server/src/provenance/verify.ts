// Verifies a chart archive against its provenance file, in Helm's order (signature, then the archive's
// digest) plus what Helm leaves out: the signed Chart name/version must be the archive's own, weak
// hashes and keys are refused, and every outcome has one primary code and a message a person can act on.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OutcomeCode, Problem, Range } from './codes';
import type { CheckKey } from './keyTypes';
import { parseProvenance, MAX_PROV_BYTES, type FileEntry, type ProvDocument } from './provDocument';
import { escapeUntrusted } from './untrustedText';
import { checkSignature, type Signer } from './signatureCheck';
import { readBoundedFile } from './boundedRead';
import { archiveFacts, type ArchiveFacts } from './archiveFacts';

export interface Outcome {
  archive: string;
  prov: string;
  verdict: 'verified' | 'rejected';
  code: OutcomeCode;
  message: string;
  /** Warnings that leave the verdict alone (unsigned-content, unknown-signature). */
  warnings: Problem[];
  /** The primary problem (when rejected) with the range in the .prov it concerns, if any. */
  problem?: Problem;
  signer?: Signer;
  /** Fingerprints (or key ids) the signature packets name, known keys or not; absent when the signature was not read. */
  issuers?: string[];
  /** The signature packets' creation and expiry times (ms); absent when the signature was not read. */
  signatureTimes?: number[];
  digest?: { expected?: string; actual?: string };
  /** The archive's own Chart name and version, when it could be read. */
  chart?: { name: string; version: string };
  document?: ProvDocument;
}

export interface VerifyOptions {
  keys: CheckKey[];
  now?: Date;
  /** When non-empty, only keys with these primary fingerprints count as signers. */
  trustedFingerprints?: string[];
  /** The .prov text as the editor has it (unsaved edits count); read from disk when absent. */
  provText?: string;
  provPath?: string;
}

export async function verifyArchive(archivePath: string, options: VerifyOptions): Promise<Outcome> {
  const provPath = options.provPath ?? `${archivePath}.prov`;
  const base = { archive: archivePath, prov: provPath, warnings: [] as Problem[] };
  let provText = options.provText;
  if (provText === undefined) {
    const read = await readProv(provPath);
    if (typeof read !== 'string') return { ...base, verdict: 'rejected', ...read };
    provText = read;
  }
  if (!fs.existsSync(archivePath)) {
    return { ...base, verdict: 'rejected', code: 'missing-archive', message: `The archive ${escapeUntrusted(path.basename(archivePath))} does not exist next to its provenance file.` };
  }
  const facts = await archiveFacts(archivePath);
  return verifyProvenance(parseProvenance(provText), archivePath, facts, options);
}

async function readProv(provPath: string): Promise<string | { code: OutcomeCode; message: string }> {
  const name = escapeUntrusted(path.basename(provPath));
  const read = readBoundedFile(provPath, MAX_PROV_BYTES);
  if (read.ok) return read.bytes.toString('utf8');
  switch (read.reason) {
    case 'missing':
      return { code: 'missing-prov', message: `${name} not found: the chart is not signed. Sign it with "helm-prov sign" or ask the maintainer for the .prov file.` };
    case 'too-large':
      return { code: 'malformed', message: `${name} is too large to be a provenance file (limit ${MAX_PROV_BYTES} bytes): ${escapeUntrusted(read.message)}.` };
    default:
      return { code: 'malformed', message: `${name} cannot be read as a provenance file: ${escapeUntrusted(read.message)}.` };
  }
}

/** The verdict for a parsed document and facts about its archive: pure apart from crypto. */
export async function verifyProvenance(doc: ProvDocument, archivePath: string, facts: ArchiveFacts, options: VerifyOptions): Promise<Outcome> {
  const now = options.now ?? new Date();
  const archiveName = path.basename(archivePath);
  const warnings = doc.problems.filter((p) => p.severity !== 'error');
  const result = (code: OutcomeCode, message: string, range?: Range, extra: Partial<Outcome> = {}): Outcome => ({
    archive: archivePath,
    prov: options.provPath ?? `${archivePath}.prov`,
    verdict: code === 'verified' ? 'verified' : 'rejected',
    code,
    message,
    warnings,
    chart: facts.chart,
    document: doc,
    ...(code === 'verified' ? {} : { problem: { code, severity: 'error', message, ...(range ? { range } : {}) } }),
    ...extra,
  });

  const broken = doc.problems.find((p) => p.severity === 'error');
  if (broken) return result('malformed', broken.message, broken.range);

  const sig = await checkSignature(doc, options.keys, now, options.trustedFingerprints);
  warnings.push(...sig.warnings);
  const issuers = { ...(sig.issuers ? { issuers: sig.issuers } : {}), ...(sig.times ? { signatureTimes: sig.times } : {}) };
  if (sig.code !== 'verified') return result(sig.code, sig.message, sig.range ?? doc.signature!.range, { signer: sig.signer, ...issuers });

  const signed = { signer: sig.signer, ...issuers };
  const entry = doc.files.find((f) => f.name === archiveName);
  if (!entry) {
    const names = doc.files.map((f) => escapeUntrusted(f.name)).join(', ') || 'no file';
    return result('filename-mismatch', `The provenance was signed for ${names}, not for ${escapeUntrusted(archiveName)}. A renamed archive cannot be verified; use the file name it was signed as.`, doc.files[0]?.nameRange ?? doc.filesRange, signed);
  }
  const digestProblem = checkDigestForm(entry);
  if (digestProblem) return result(digestProblem.code, digestProblem.message, entry.digestRange, signed);
  const digest = { expected: entry.hex, actual: facts.sha256 };
  if (!facts.sha256) return result('missing-archive', `The archive cannot be read: ${facts.error ?? 'unknown error'}.`, entry.nameRange, { ...signed, digest });
  if (facts.sha256 !== entry.hex) {
    return result('hash-mismatch', `The archive changed after signing: the signed sha256 is ${entry.hex}, the archive's is ${facts.sha256}. Do not install it; download it again or re-package and re-sign.`, entry.digestRange, { ...signed, digest });
  }
  const meta = doc.metadata!;
  if (!facts.chart) {
    return result('metadata-mismatch', `The archive matches its signed digest but its Chart.yaml cannot be read to compare name and version: ${facts.error ?? 'unknown error'}.`, meta.range, { ...signed, digest });
  }
  for (const field of ['name', 'version'] as const) {
    const signedValue = meta[field]!;
    if (signedValue.value !== facts.chart[field]) {
      return result('metadata-mismatch', `The signed metadata says ${field} ${escapeUntrusted(signedValue.value)} but the archive's Chart.yaml says ${escapeUntrusted(facts.chart[field])}: the signature was made for another chart.`, signedValue.range, { ...signed, digest });
    }
  }
  return result('verified', `${sig.message} Chart hash verified: sha256:${facts.sha256}.`, undefined, { ...signed, digest });
}

function checkDigestForm(entry: FileEntry): { code: OutcomeCode; message: string } | undefined {
  const algo = entry.algorithm?.toLowerCase();
  if (algo === 'sha1' || algo === 'md5') {
    return { code: 'weak-hash', message: `The archive digest is ${algo}, which is broken. Re-sign the chart: Helm uses sha256.` };
  }
  if (algo !== 'sha256' || entry.algorithm !== 'sha256') {
    return { code: 'malformed', message: `The digest "${escapeUntrusted(entry.digest, 80)}" is not "sha256:<hex>", the only form Helm writes and checks.` };
  }
  if (!/^[0-9a-f]{64}$/.test(entry.hex ?? '')) {
    return { code: 'malformed', message: `The sha256 digest must be 64 lowercase hex digits; Helm compares it literally and rejects any other form.` };
  }
  return undefined;
}
