// `oci://host[:port]/repo/chart[:tag][@sha256:hex]` as Helm and the distribution spec read it. Pure.
import { fail, ok, type Result } from '../provenance/codes';
import { escapeUntrusted } from '../provenance/untrustedText';

export interface OciReference {
  /** `host` or `host:port`, as the registry is addressed and as credentials are keyed. */
  registry: string;
  /** The repository path, e.g. `charts/devapp`. */
  repository: string;
  /** The tag, with Helm's `+` → `_` already applied. */
  tag?: string;
  /** `sha256:<64 hex>` when the reference pins the manifest. */
  digest?: string;
}

// The distribution spec's grammar (reference.go): lower-case path components, tags of 1–128 characters.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;
const MAX_REFERENCE_CHARS = 2048;

export function isOciReference(text: string): boolean {
  return text.startsWith('oci://');
}

/** Parses a reference; `requireTag` refuses one that names neither a tag nor a digest. */
export function parseOciReference(text: string, requireTag: boolean): Result<OciReference, 'reference-invalid'> {
  const bad = (why: string) => fail('reference-invalid', `${escapeUntrusted(text, 300)} is not a chart reference: ${why}. Write oci://host[:port]/repository/chart:version.`);
  if (text.length > MAX_REFERENCE_CHARS) return bad(`longer than ${MAX_REFERENCE_CHARS} characters`);
  if (!isOciReference(text)) return bad('it does not start with oci://');
  let rest = text.slice('oci://'.length);
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return bad('the digest after @ must be sha256: and 64 lowercase hex digits');
  }
  const slash = rest.indexOf('/');
  if (slash <= 0) return bad('it names no repository after the registry host');
  const registry = rest.slice(0, slash);
  if (!HOST.test(registry)) return bad(`"${escapeUntrusted(registry, 200)}" is not a host name with an optional port`);
  let repository = rest.slice(slash + 1);
  let tag: string | undefined;
  const colon = repository.lastIndexOf(':');
  if (colon >= 0) {
    // Helm stores a version's `+` as `_`: an OCI tag cannot hold `+`.
    tag = repository.slice(colon + 1).replace(/\+/g, '_');
    repository = repository.slice(0, colon);
    if (!TAG.test(tag)) return bad(`"${escapeUntrusted(tag, 200)}" is not a valid tag`);
  }
  if (repository.length > 255 || !repository.split('/').every((c) => COMPONENT.test(c))) {
    return bad('the repository path must be lower-case letters, digits and . _ - separated by /');
  }
  if (requireTag && tag === undefined && digest === undefined) return bad('it names no version (add :version or @sha256:…)');
  return ok({ registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) });
}

/** The reference as Helm prints it (no scheme). */
export function referenceText(ref: OciReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** Whether the registry is this machine (the only place --plain-http is allowed). */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:[0-9]+$/, '').replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.[0-9]+\.[0-9]+\.[0-9]+$/.test(host);
}
