// Every bound on what a Sigstore input may cost. docs/security.md ("Sigstore") lists each with why.

/** A bundle JSON: real ones are 3–10 KB; a DSSE bundle carrying SLSA provenance a few hundred KB. */
export const MAX_BUNDLE_BYTES = 4 * 1024 * 1024;
/** A trusted_root.json: the public-good one is 7 KB. */
export const MAX_TRUSTED_ROOT_BYTES = 1024 * 1024;
/** `.sig`, `.cert`, `cosign.pub` files: a few hundred bytes to 4 KB. */
export const MAX_SMALL_FILE_BYTES = 64 * 1024;
/** A Rekor API entry or an old cosign `--bundle` JSON: a few KB (the body embeds the certificate). */
export const MAX_REKOR_ENTRY_BYTES = 1024 * 1024;
/** The artifact is streamed through SHA-256 up to this size. */
export const MAX_ARTIFACT_BYTES = 1024 * 1024 * 1024;
/** Below this the artifact is also kept in memory (Ed25519 and RSA-PSS signatures need the bytes). */
export const MAX_ARTIFACT_BYTES_IN_MEMORY = 16 * 1024 * 1024;

/** Structure inside a bundle: real bundles have 1 tlog entry, 1–3 certificates, 0–1 timestamps. */
export const MAX_TLOG_ENTRIES = 8;
export const MAX_CHAIN_CERTIFICATES = 8;
export const MAX_RFC3161_TIMESTAMPS = 8;
/** Merkle inclusion-proof hashes: 64 covers a log of 2^64 entries. */
export const MAX_PROOF_HASHES = 64;
/** In-toto subjects compared with the artifact (SLSA provenance of a release: tens). */
export const MAX_INTOTO_SUBJECTS = 4096;

/** Trusted root: instances of each kind (public-good: 2 tlogs, 2 CAs, 2 CT logs, 1 TSA). */
export const MAX_TRUST_INSTANCES = 64;

/** A certificate identity or issuer longer than this is not compared (Fulcio's are URLs and emails). */
export const MAX_IDENTITY_CHARS = 4096;
