// Counted work: what reading and checking an input cost, in units that do not depend on the machine's
// speed or load. Every loop over input and every expensive operation adds to one of these counters, so
// the hostile tests can assert that a case stayed within its budget (time would make them flaky on a
// loaded machine). Counting is a few integer additions per file; nothing here changes a verdict.

export type WorkKind =
  /** Public-key signature verifications, weighted by their real cost (1 ≈ one RSA-2048 check). */
  | 'signature-units'
  /** Bytes produced by inflating gzip data. */
  | 'bytes-inflated'
  /** Bytes fed to a digest (SHA-256 of archives, artifacts). */
  | 'bytes-hashed'
  /** Bytes read from files. */
  | 'bytes-read'
  /** Tar headers and path components walked. */
  | 'tar-steps'
  /** YAML nodes and mapping keys visited (parsing, conversion, duplicate checks). */
  | 'yaml-steps'
  /** Bytes of YAML text handed to the YAML parser (bytes, unlike yaml-steps: bounded by the files' size limits). */
  | 'yaml-bytes'
  /** Key packets, armored blocks and KEYS listing lines read or matched. */
  | 'key-steps'
  /** .helmignore rules tried against paths, and pattern bytes compared while matching. */
  | 'ignore-steps';

const counters = new Map<WorkKind, number>();

/** Adds `amount` to a counter. */
export function countWork(kind: WorkKind, amount = 1): void {
  counters.set(kind, (counters.get(kind) ?? 0) + amount);
}

/** The counters since the last reset. */
export function workDone(): Partial<Record<WorkKind, number>> {
  return Object.fromEntries(counters);
}

export function resetWork(): void {
  counters.clear();
}
