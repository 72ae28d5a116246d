// What a hostile case may cost, in counted work (server/src/provenance/work.ts) and bytes, derived from
// the limits docs/security.md documents. Counted work does not depend on the machine's speed or load:
// a case fails when the engine did more work than the limits allow, never because the machine was
// busy. CPU and wall time are measured and reported with every case, never asserted.
import * as zlib from 'node:zlib';
import { WHOLE_INFLATE_BYTES, WHOLE_READ_BYTES } from '../../server/src/provenance/archive';
import { MAX_CHART_YAML_BYTES, MAX_COMPRESSED_BYTES, MAX_UNCOMPRESSED_BYTES } from '../../server/src/provenance/archiveLimits';
import { MAX_YAML_NODES } from '../../server/src/provenance/yamlBounds';
import { KeyBudget } from '../../server/src/provenance/keyLoader';
import { MAX_KEYRING_BYTES } from '../../server/src/provenance/keyring';
import { KeysFileLimits } from '../../server/src/provenance/keysFile';
import { MAX_IGNORE_STEPS } from '../../server/src/provenance/chartDirectory';
import { MAX_PROV_BYTES } from '../../server/src/provenance/provDocument';
import type { WorkKind } from '../../server/src/provenance/work';

export type WorkBudgets = Record<WorkKind, number>;

/**
 * Signature units a case may spend on its own fixture keyrings and signatures: describing a fixture
 * key costs 1–4 units, checking a signature 1–15, and the heaviest case (the display one, verifying
 * through the CLI, hover, CodeLens and status) needs 14. A case that checks more says why in its
 * `budgets` (a KEYS file: `KeyBudget.VERIFICATION_UNITS_PER_KEYS_FILE`).
 */
export const FIXTURE_SIGNATURE_UNITS = 64;

/** The work one verification of one chart with one keyring may cause, by the documented limits. */
export const DEFAULT_BUDGETS: WorkBudgets = {
  'signature-units': FIXTURE_SIGNATURE_UNITS,
  // A .prov, a keyring and an archive read whole, each within its size limit.
  'bytes-read': MAX_PROV_BYTES + MAX_KEYRING_BYTES + WHOLE_READ_BYTES,
  // An archive too large to read whole, streamed once through the digest.
  'bytes-hashed': MAX_COMPRESSED_BYTES,
  // An archive: the in-memory inflation cut one byte past WHOLE_INFLATE_BYTES, then the streamed walk,
  // which stops within one zlib chunk past Helm's limit.
  'bytes-inflated': WHOLE_INFLATE_BYTES + 1 + MAX_UNCOMPRESSED_BYTES + zlib.constants.Z_DEFAULT_CHUNK,
  // A walk linear in what it reads: at most one step (a header, a path component) per inflated byte.
  'tar-steps': MAX_UNCOMPRESSED_BYTES + zlib.constants.Z_DEFAULT_CHUNK,
  // The .prov's signed text and an archive's Chart.yaml, each within its size limit.
  'yaml-bytes': MAX_PROV_BYTES + MAX_CHART_YAML_BYTES,
  // At most one step per byte of that text (a node, a key), plus the alias-expansion budget.
  'yaml-steps': MAX_PROV_BYTES + MAX_CHART_YAML_BYTES + MAX_YAML_NODES,
  // One key file within its per-file limits: its keys and kept signatures, armored blocks and listing lines.
  'key-steps': KeyBudget.KEYS_PER_FILE + KeyBudget.SIGNATURES_PER_FILE + KeysFileLimits.blocks + KeysFileLimits.listingLines,
  // Packaging: .helmignore rules matched against the chart's files, stopped at the packager's budget.
  'ignore-steps': MAX_IGNORE_STEPS,
};

/** Peak resident memory of the case's whole process, Node included (about 60 MB of it). */
export const MEMORY_LIMIT_MEGABYTES = 256;

/**
 * A case still running after this long is killed and fails as a hang. This is a safety net that ends
 * a hang (a blocked read never returns), not an assertion of speed: the heaviest case needs about a
 * second of CPU, so two minutes holds on any loaded machine, and no case fails for being slow.
 */
export const KILL_AFTER_MILLISECONDS = 120_000;

export function budgetsOf(overrides: Partial<WorkBudgets> = {}): WorkBudgets {
  return { ...DEFAULT_BUDGETS, ...overrides };
}

/** One message per kind of work over its budget; empty when the case stayed within every one. */
export function overBudget(work: Partial<Record<WorkKind, number>>, budgets: WorkBudgets): string[] {
  return (Object.keys(budgets) as WorkKind[])
    .filter((kind) => (work[kind] ?? 0) > budgets[kind])
    .map((kind) => `${kind}: ${work[kind]}, over its budget of ${budgets[kind]}`);
}
