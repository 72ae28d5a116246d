// Outcome codes of fetching charts from registries and chart repositories (OCI distribution API,
// classic `index.yaml` repositories). Part of the engine's `Code` union (provenance/codes.ts), as the
// Sigstore codes are; this file owns their names. Stable: docs/codes.md ("Registries") documents each.
// A chart that was fetched is then verified with the OpenPGP codes (verified, hash-mismatch, …).

export type RegistryErrorCode =
  /** The reference (`oci://host/repo:tag`, a repository URL) cannot be used. */
  | 'reference-invalid'
  /** No connection: refused, DNS, reset, or a plain-HTTP/TLS mix-up. */
  | 'registry-unreachable'
  /** The TLS handshake failed (unknown CA, wrong host name, expired certificate). */
  | 'registry-tls-failed'
  /** The registry did not answer (or stopped sending) within the time allowed. */
  | 'registry-timeout'
  /** 401/403 after the credentials and token flow that were available. */
  | 'registry-auth-failed'
  /** A credential helper or a credentials file that is named could not give credentials. */
  | 'registry-credentials-failed'
  /** 404: no such repository, tag, manifest or blob. */
  | 'registry-not-found'
  /** Any other answer that is not what the distribution API says (5xx, a redirect loop, a bad token reply). */
  | 'registry-error'
  /** A manifest over the manifest limit (declared or sent). */
  | 'manifest-too-large'
  /** The manifest is not an OCI image manifest of a Helm chart (JSON, schema, media types, descriptors). */
  | 'manifest-invalid'
  /** A blob (config, chart, .prov) larger than its descriptor says, or than its limit. */
  | 'blob-too-large'
  /** Bytes whose digest is not the digest they were asked for (manifest or blob): refused before parsing. */
  | 'blob-digest-mismatch'
  /** A classic repository's index.yaml that cannot be read (size, YAML, structure) or lacks the chart. */
  | 'repo-index-invalid'
  /** The archive downloaded from a classic repository does not have the digest its index.yaml entry says. */
  | 'repo-digest-mismatch'
  /** No cosign signature beside the manifest (no `sha256-<hex>.sig` tag, or no simple-signing layer in it). */
  | 'cosign-signature-missing'
  /** Chart.lock's digest is not Helm's hash of Chart.yaml's and Chart.lock's dependencies: the lock is stale. */
  | 'lock-digest-mismatch'
  /** A dependency whose version or repository cannot be fetched as given (a range without Chart.lock, a `@repo` alias). */
  | 'dependency-unresolved';

/** Warnings that leave the verdict alone. */
export type RegistryWarningCode = 'legacy-media-type'
  /** A `file://` dependency: part of the chart's own source, nothing to fetch or verify. */
  | 'dependency-local';

export type RegistryCode = RegistryErrorCode | RegistryWarningCode;
