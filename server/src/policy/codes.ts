// Codes of container signature policies (`policy.json`, `registries.d`) and of simple-signing image
// signatures. They join the engine's `Code` union (provenance/codes.ts) as the Sigstore codes do, so
// `Problem`, `Result` and `fail` carry them; this file owns their names. Stable: docs/codes.md
// ("Container policies") documents each, a rename needs a CHANGELOG entry.

/** Findings of `policy lint`: errors are what the runtime refuses to load, fails on, or never matches. */
export type PolicyLintCode =
  | 'policy-json-invalid'
  | 'policy-duplicate-key'
  | 'policy-unknown-field'
  | 'policy-newer-field'
  | 'policy-missing-field'
  | 'policy-wrong-type'
  | 'policy-unknown-transport'
  | 'policy-empty-requirements'
  | 'policy-scope-not-expanded'
  | 'policy-scope-wildcard'
  | 'policy-scope-path'
  | 'policy-scope-invalid'
  | 'policy-unknown-type'
  | 'policy-key-sources'
  | 'policy-fulcio-without-rekor'
  | 'policy-identity-invalid'
  | 'policy-identity-misfit'
  | 'policy-keytype'
  | 'policy-never-accepts'
  | 'policy-key-file'
  | 'policy-key-private'
  | 'policy-key-expired'
  | 'policy-key-revoked'
  | 'policy-no-attachments'
  | 'registries-invalid'
  | 'registries-unknown-field'
  | 'registries-duplicate-scope'
  | 'registries-lookaside-url'
  | 'registries-scope-not-expanded';

/** Outcomes of verifying an image's simple-signing signatures against a policy. */
export type ImageSignatureCode =
  | 'image-accepted'
  | 'image-rejected-by-policy'
  | 'image-no-signature'
  | 'image-signature-invalid'
  | 'image-signature-untrusted'
  | 'image-digest-mismatch'
  | 'image-identity-mismatch'
  | 'image-requirement-unsupported';

export type PolicyCode = PolicyLintCode | ImageSignatureCode;
