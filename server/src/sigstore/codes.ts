// Outcome codes of Sigstore verification (bundles, cosign `.sig` + `.cert`, keyed signatures) and of
// the trusted root. They are part of the engine's `Code` union (provenance/codes.ts), so `Result`,
// `fail` and `Problem` carry them as they carry the OpenPGP codes; this file owns their names.
// Stable: docs/codes.md ("Sigstore") documents each, a rename needs a CHANGELOG entry.

/** The primary outcome of verifying one artifact against a Sigstore signature. */
export type SigstoreOutcomeCode =
  | 'verified'
  | 'signature-invalid'
  | 'digest-mismatch'
  | 'identity-mismatch'
  | 'issuer-mismatch'
  | 'certificate-invalid'
  | 'no-trusted-time'
  | 'timestamp-invalid'
  | 'tlog-invalid'
  | 'tlog-missing'
  | 'bundle-malformed'
  | 'untrusted-key'
  | 'unsupported'
  | 'trusted-root-invalid'
  | 'root-expired'
  | 'root-rotation-invalid'
  | 'mirror-unreachable'
  | 'artifact-unreadable'
  | 'identity-required';

/** Warnings that never change the verdict. */
export type SigstoreWarningCode = 'tlog-ignored' | 'root-stale' | 'root-from-cache';

/** What the editor flags in a trusted_root.json: keys past their validity, or not valid yet. */
export type TrustedRootProblemCode = 'trust-key-expired' | 'trust-key-not-yet-valid';

export type SigstoreCode = SigstoreOutcomeCode | SigstoreWarningCode | TrustedRootProblemCode;

export interface SigstoreWarning { code: SigstoreWarningCode; message: string }

/** Who signed: the certificate's identity and OIDC issuer, or a public key's fingerprint. */
export type SigstoreSigner =
  | { kind: 'certificate'; identity: string; issuer: string }
  | { kind: 'key'; fingerprint: string };

/** The transparency-log entry the verdict rests on (when there was one). */
export interface TlogFacts {
  logIndex: string;
  /** Seconds since the epoch as the log wrote it; absent for Rekor v2 entries (their time is a TSA's). */
  integratedTime?: number;
}

export interface SigstoreOutcome {
  verdict: 'verified' | 'rejected';
  code: SigstoreOutcomeCode;
  message: string;
  warnings: SigstoreWarning[];
  signer?: SigstoreSigner;
  tlog?: TlogFacts;
}
