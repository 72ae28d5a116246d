// Stable outcome and problem codes. They appear in diagnostics, CLI --json output and docs/codes.md;
// never rename one without a CHANGELOG entry.
import type { SigstoreCode } from '../sigstore/codes';
import type { RegistryCode } from '../oci/codes';
import type { PolicyCode } from '../policy/codes';

/** The primary outcome of verifying one chart archive. */
export type OutcomeCode =
  | 'verified'
  | 'missing-prov'
  | 'malformed'
  | 'signature-invalid'
  | 'unknown-signer'
  | 'key-expired'
  | 'key-revoked'
  | 'wrong-key-usage'
  | 'weak-key'
  | 'weak-hash'
  | 'hash-mismatch'
  | 'filename-mismatch'
  | 'metadata-mismatch'
  | 'missing-archive';

/** Warnings that never change the verdict. */
export type WarningCode = 'unsigned-content' | 'unknown-signature';

/** Per-key findings in keyrings and KEYS files. */
export type KeyProblemCode =
  | 'keys-expired'
  | 'keys-revoked'
  | 'keys-weak'
  | 'keys-duplicate'
  | 'keys-listing-mismatch'
  | 'keys-secret-key'
  | 'keys-malformed'
  | 'keys-no-openpgp'
  | 'keys-too-large'; // a keyring over the size cap, or a key trimmed to its limits (flooded with signatures)

/** Problems found by packaging, archive reading and signing. */
export type EngineErrorCode =
  | 'chart-invalid'
  | 'chart-unsafe-path'
  | 'archive-invalid'
  | 'archive-too-large'
  | 'archive-differs-from-source'
  | 'key-not-found'
  | 'key-ambiguous'
  | 'key-unusable'
  | 'passphrase-required'
  | 'passphrase-wrong'
  | 'gpg-failed'
  | 'pinentry-loopback-refused'
  | 'io-error';

/** Sigstore outcomes (server/src/sigstore/codes.ts owns them), registry outcomes (server/src/oci/codes.ts),
 * container policy codes (server/src/policy/codes.ts). */
export type Code = OutcomeCode | WarningCode | KeyProblemCode | EngineErrorCode | SigstoreCode | RegistryCode | PolicyCode;

export type Severity = 'error' | 'warning' | 'information';

/** Zero-based line/character positions, like LSP, so the server maps them without arithmetic. */
export interface Position { line: number; character: number }
export interface Range { start: Position; end: Position }

/** A finding with a stable code and a message a person can act on. */
export interface Problem {
  code: Code;
  severity: Severity;
  message: string;
  range?: Range;
}

/** Errors are values: every fallible engine call returns one of these. */
export type Result<T, C extends Code = Code> =
  | { ok: true; value: T }
  | { ok: false; error: Problem & { code: C } };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail<C extends Code>(code: C, message: string, range?: Range): { ok: false; error: Problem & { code: C } } {
  return { ok: false, error: { code, severity: 'error', message, ...(range ? { range } : {}) } };
}

export function rangeOf(line: number, startChar: number, endChar: number, endLine = line): Range {
  return { start: { line, character: startChar }, end: { line: endLine, character: endChar } };
}
