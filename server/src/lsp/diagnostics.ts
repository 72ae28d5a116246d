// Diagnostics for `.prov` and KEYS documents, from engine results. Pure: no connection, no files.
import { DiagnosticSeverity, type Diagnostic, type Range } from 'vscode-languageserver/node';
import type { Problem, Severity } from '../provenance/codes';
import type { ProvDocument } from '../provenance/provDocument';
import { escapeUntrusted } from '../provenance/untrustedText';
import { DIAGNOSTIC_SOURCE } from './protocol';
import type { ProvCheck } from './provCheck';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
};

const START: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

export function codeHref(docsBaseUrl: string, code: string): string {
  return `${docsBaseUrl}docs/codes.md#${code}`;
}

export function toDiagnostic(problem: Problem, docsBaseUrl: string, fallback: Range = START): Diagnostic {
  return {
    range: problem.range ?? fallback,
    severity: SEVERITY[problem.severity],
    source: DIAGNOSTIC_SOURCE,
    code: problem.code,
    codeDescription: { href: codeHref(docsBaseUrl, problem.code) },
    message: escapeUntrusted(problem.message, 2000),
  };
}

function sameProblem(a: Problem, b: Problem): boolean {
  return a.code === b.code && a.message === b.message;
}

/** Where a problem without its own range is shown: the signature block, else the first line. */
function fallbackRange(doc: ProvDocument): Range {
  return doc.signature?.range ?? doc.blockRange ?? START;
}

/**
 * Every structural problem of the document, the verdict's primary problem at its range (hash-mismatch
 * on the digest token, signature codes on the signature block, …), the warnings, and one information
 * diagnostic for a missing archive. A verified document gets none: success is not a problem, and the
 * CodeLens, hover and badges say it (a Problems count that grew with every verified chart hid real ones).
 */
export function provDiagnostics(check: ProvCheck, docsBaseUrl: string): Diagnostic[] {
  const { doc, outcome } = check;
  const fallback = fallbackRange(doc);
  const problems: Problem[] = [...doc.problems];
  const add = (p: Problem) => { if (!problems.some((q) => sameProblem(p, q))) problems.push(p); };
  for (const w of outcome.warnings) add(w);
  if (outcome.problem) {
    add(outcome.code === 'missing-archive' ? { ...outcome.problem, severity: 'information' } : outcome.problem);
  }
  if (check.listedInWorkspaceKeys.length && outcome.code === 'unknown-signer') {
    add({
      code: 'unknown-signer',
      severity: 'information',
      message: `The signing key is listed in this repository's KEYS (${check.listedInWorkspaceKeys.join(', ')}). That is information only: a repository cannot vouch for its own signer. Import the key only after checking its fingerprint through another channel.`,
      range: doc.signature?.range,
    });
  }
  return problems.map((p) => toDiagnostic(p, docsBaseUrl, fallback));
}

export function keysDiagnostics(problems: Problem[], docsBaseUrl: string): Diagnostic[] {
  return problems.map((p) => toDiagnostic(p, docsBaseUrl));
}
