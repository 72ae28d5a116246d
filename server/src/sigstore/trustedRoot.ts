// A Sigstore trusted root (trusted_root.json): the CA certificates, transparency-log keys, CT-log keys
// and timestamp authorities that a verification may rest on, each with the time it was valid for.
// Checked here before @sigstore/verify sees it: the library treats a missing `validFor.start` as
// "valid since the beginning of time" (conformance case trust-root-tlog-missing-validity-start_fail);
// the spec makes the start required, and a key without one could vouch for entries before it existed.
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial, type TrustMaterial } from '@sigstore/verify';
import { fail, ok, type Result } from '../provenance/codes';
import { escapeUntrusted } from '../provenance/untrustedText';
import { MAX_TRUST_INSTANCES, MAX_TRUSTED_ROOT_BYTES } from './limits';
import publicGood from './data/public-good.trusted_root.json';
import staging from './data/staging.trusted_root.json';
import { parseUntrustedJson } from '../provenance/untrustedJson';

export type SigstoreInstance = 'public-good' | 'staging';

export interface LoadedTrustedRoot {
  root: TrustedRoot;
  material: TrustMaterial;
  /** Where it came from, for messages: "the shipped public-good root", a file name, the TUF cache. */
  source: string;
}

const MEDIA_TYPES = new Set([
  'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  'application/vnd.dev.sigstore.trustedroot.v0.1+json',
  'application/vnd.dev.sigstore.trustedroot.v0.2+json',
]);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and checks a trusted root from its bytes; `source` names it in messages. */
export function parseTrustedRoot(bytes: Uint8Array, source: string): Result<LoadedTrustedRoot> {
  if (bytes.length > MAX_TRUSTED_ROOT_BYTES) {
    return fail('trusted-root-invalid', `The trusted root ${escapeUntrusted(source)} is ${bytes.length} bytes, over the ${MAX_TRUSTED_ROOT_BYTES}-byte limit.`);
  }
  let json: unknown;
  try {
    json = parseUntrustedJson(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    return fail('trusted-root-invalid', `The trusted root ${escapeUntrusted(source)} is not JSON: ${escapeUntrusted((e as Error).message)}.`);
  }
  return trustedRootFromJson(json, source);
}

export function trustedRootFromJson(json: unknown, source: string): Result<LoadedTrustedRoot> {
  const problem = structureProblem(json);
  if (problem) return fail('trusted-root-invalid', `The trusted root ${escapeUntrusted(source)} is not usable: ${problem}. Get a current one (helm-prov sigstore update-root) or fix the file.`);
  try {
    const root = TrustedRoot.fromJSON(json);
    return ok({ root, material: toTrustMaterial(root), source });
  } catch (e) {
    return fail('trusted-root-invalid', `The trusted root ${escapeUntrusted(source)} is not usable: ${escapeUntrusted((e as Error).message)}.`);
  }
}

/** What the library would silently accept or crash on: the shape, sizes and every validity start. */
function structureProblem(json: unknown): string | undefined {
  if (!isObject(json)) return 'it is not a JSON object';
  if (typeof json.mediaType !== 'string' || !MEDIA_TYPES.has(json.mediaType)) {
    return `its mediaType ${JSON.stringify(escapeUntrusted(String(json.mediaType)))} is not a trusted root's`;
  }
  const lists: Record<string, string> = { tlogs: 'transparency log', ctlogs: 'CT log', certificateAuthorities: 'certificate authority', timestampAuthorities: 'timestamp authority' };
  for (const [field, what] of Object.entries(lists)) {
    const list = json[field] ?? [];
    if (!Array.isArray(list)) return `"${field}" is not a list`;
    if (list.length > MAX_TRUST_INSTANCES) return `"${field}" has ${list.length} entries, over the limit of ${MAX_TRUST_INSTANCES}`;
    for (const [i, entry] of list.entries()) {
      if (!isObject(entry)) return `${field}[${i}] is not an object`;
      const name = `${what} ${typeof entry.baseUrl === 'string' ? escapeUntrusted(entry.baseUrl) : typeof entry.uri === 'string' ? escapeUntrusted(entry.uri) : `#${i + 1}`}`;
      const keyed = field === 'tlogs' || field === 'ctlogs';
      const holder = keyed ? entry.publicKey : entry;
      if (!isObject(holder)) return `the ${name} has no public key`;
      if (keyed && typeof holder.rawBytes !== 'string') return `the ${name}'s public key has no rawBytes`;
      if (!keyed && !(isObject(entry.certChain) && Array.isArray(entry.certChain.certificates) && entry.certChain.certificates.length > 0)) {
        return `the ${name} has no certificates`;
      }
      const validFor = holder.validFor;
      if (!isObject(validFor) || typeof validFor.start !== 'string' || Number.isNaN(Date.parse(validFor.start))) {
        return `the ${name} has no validFor.start (a key without the start of its validity could vouch for any time before it existed)`;
      }
      if (validFor.end !== undefined && validFor.end !== null && (typeof validFor.end !== 'string' || Number.isNaN(Date.parse(validFor.end)))) {
        return `the ${name} has an unreadable validFor.end`;
      }
    }
  }
  return undefined;
}

const shipped = new Map<SigstoreInstance, LoadedTrustedRoot>();

/** The trusted root shipped with Helm Provenance (server/src/sigstore/data/SOURCE.md says where it came from). */
export function shippedTrustedRoot(instance: SigstoreInstance): LoadedTrustedRoot {
  let loaded = shipped.get(instance);
  if (!loaded) {
    const parsed = trustedRootFromJson(instance === 'staging' ? staging : publicGood, `shipped with Helm Provenance (${instance})`);
    // The shipped files are checked by the tests; a failure here is a broken build, not an input.
    if (!parsed.ok) throw new Error(parsed.error.message);
    loaded = parsed.value;
    shipped.set(instance, loaded);
  }
  return loaded;
}
