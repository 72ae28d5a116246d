// The cosign line of a chart: when its archive has Sigstore signatures beside it
// (sigstore/siblingFiles.ts), their verdicts with the configured signers, as one line for the CodeLens
// on Chart.yaml and the status badge's tooltip. What a line says comes from the verification; signer
// names are the certificate's and are escaped for each place they are shown.
import type { CodeLens } from 'vscode-languageserver/node';
import { codiconText, escapeUntrusted } from '../provenance/untrustedText';
import { siblingLabel, sigstoreSiblings } from '../sigstore/siblingFiles';
import type { SigstoreVerification } from './sigstoreVerification';

export interface CosignSignatureFacts {
  label: string;
  verdict: 'verified' | 'rejected';
  code: string;
  /** The verification's sentence (unescaped): what happened and what to do. */
  message: string;
  identity?: string;
  issuer?: string;
  /** The log's integrated time (ISO), for a verified signature that has one. */
  loggedAt?: string;
}

/** Undefined when the archive has no cosign signature beside it (nothing to show). */
export type CosignFacts = CosignSignatureFacts[];

export async function cosignFacts(archive: string, verification: SigstoreVerification): Promise<CosignFacts | undefined> {
  const siblings = sigstoreSiblings(archive);
  if (siblings.length === 0) return undefined;
  return (await verification.verify(archive, siblings)).map(({ files, outcome }) => ({
    label: siblingLabel(files),
    verdict: outcome.verdict,
    code: outcome.code,
    message: outcome.message,
    ...(outcome.signer?.kind === 'certificate' ? { identity: outcome.signer.identity, issuer: outcome.signer.issuer } : {}),
    ...(outcome.verdict === 'verified' && outcome.tlog?.integratedTime !== undefined ? { loggedAt: new Date(outcome.tlog.integratedTime * 1000).toISOString() } : {}),
  }));
}

/** ⚠ for a signature nothing was checked against yet (no trusted signer: the warning of the status), else ✗. */
export function cosignMark(code: string): string {
  return code === 'identity-required' ? '⚠' : '✗';
}

/** `cosign ✓ <identity> (<issuer>) · logged <date>`, or `cosign ✗ <code> (<file>)` (⚠ for identity-required) per signature; plain text, unescaped. */
export function cosignLineText(facts: CosignFacts): string {
  // What to do about a failure is the chart's verdict's to say (statusSigstore.ts): here only which signature and its code.
  return facts.map((f) => (f.verdict === 'verified'
    ? `cosign ✓ ${f.identity ?? 'key'}${f.issuer ? ` (${f.issuer})` : ''}${f.loggedAt ? ` · logged ${f.loggedAt.slice(0, 10)}` : ''}`
    : `cosign ${cosignMark(f.code)} ${f.code} (${f.label})`)).join('; ');
}

/**
 * The CodeLens line: text only (the verdicts are in the status's tooltip and diagnostics; "Verify Sigstore
 * Signature" checks again). Its title is cut at 200 characters, its tooltip holds the whole line.
 */
export function cosignLenses(facts: CosignFacts | undefined): CodeLens[] {
  if (!facts) return [];
  const line = cosignLineText(facts);
  return [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, command: { title: codiconText(line, 200), command: '', tooltip: escapeUntrusted(line, 2000) } }];
}

/** The status notification's `cosign` field. */
export function cosignStatusLine(facts: CosignFacts | undefined): { cosign: string } | Record<string, never> {
  return facts ? { cosign: escapeUntrusted(cosignLineText(facts), 2000) } : {};
}
