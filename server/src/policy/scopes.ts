// Policy scopes per transport, as containers/image validates them (each transport's
// ValidatePolicyConfigurationScope: a scope it refuses makes the whole policy fail to load) and as it
// looks them up (docker: the image's identity, then its namespaces, then ""). The docker transport
// accepts any scope string, so a scope that can never equal an identity or namespace (not fully
// expanded, a wildcard other than a leading `*.`) loads silently and never matches: those are found here.
import type { Range } from '../provenance/codes';
import { escapeUntrusted } from '../provenance/untrustedText';
import { digestProblem, isNameOnly as isNameOnlyScope, parseNormalizedNamed, parseReference, referenceString } from './dockerReference';
import type { PolicyProblem } from './policyModel';
import { problem } from './sourceText';

/** Transports containers/image registers (alltransports, with storage and docker-daemon built in, as in Skopeo and Podman). */
export const KNOWN_TRANSPORTS = ['docker', 'atomic', 'containers-storage', 'dir', 'docker-archive', 'docker-daemon', 'oci', 'oci-archive', 'sif', 'tarball'] as const;
/** Registered as a stub: it loads, but no image of it can be read any more. */
const REMOVED_TRANSPORTS = new Set(['ostree']);

/** Transports whose images have no Docker reference: identity rules relative to the image never match them. */
export const TRANSPORTS_WITHOUT_DOCKER_REFERENCE: ReadonlySet<string> = new Set(['dir', 'oci', 'oci-archive', 'sif', 'tarball']);

const wildcardHost = /^\*\.[a-zA-Z0-9]+(?:-+[a-zA-Z0-9]+)*(?:\.[a-zA-Z0-9]+(?:-+[a-zA-Z0-9]+)*)*$/;
const hostOnly = /^[a-zA-Z0-9]+(?:-+[a-zA-Z0-9]+)*(?:\.[a-zA-Z0-9]+(?:-+[a-zA-Z0-9]+)*)*(?::[0-9]+)?$/;

/** The transport name's finding, or undefined when containers/image knows it. */
export function transportProblem(name: string, range: Range): PolicyProblem | undefined {
  if ((KNOWN_TRANSPORTS as readonly string[]).includes(name)) return undefined;
  if (REMOVED_TRANSPORTS.has(name)) return problem('policy-unknown-transport', 'warning', `The "${name}" transport was removed from containers/image: its scopes load but no image uses them.`, range);
  return problem('policy-unknown-transport', 'error', `"${escapeUntrusted(name)}" is not a transport containers/image knows (${KNOWN_TRANSPORTS.join(', ')}): the runtime loads these scopes and never uses them.`, range);
}

/** Whether the first path component names a registry host, as reference.splitDockerDomain decides. */
function isDomainComponent(first: string): boolean {
  return /[.:]/.test(first) || first === 'localhost';
}

function notExpanded(scope: string, expanded: string, range: Range, why: string): PolicyProblem {
  return {
    ...problem('policy-scope-not-expanded', 'error', `The scope "${escapeUntrusted(scope)}" is not fully expanded (${why}): scopes are compared with fully expanded names, so this one never matches. Write "${escapeUntrusted(expanded)}".`, range),
    fix: { title: `Expand to "${expanded}"`, range, newText: JSON.stringify(expanded) },
  };
}

/** A docker scope: a fully expanded identity (`host/repo:tag`, `host/repo@digest`), namespace (`host/repo`, `host`), or `*.domain`. */
function dockerScopeProblem(scope: string, range: Range): PolicyProblem | undefined {
  if (scope.startsWith('*.')) {
    if (wildcardHost.test(scope)) return undefined;
    return problem('policy-scope-wildcard', 'error', `The wildcard scope "${escapeUntrusted(scope)}" is not of the form "*.example.com" (a host name without port after "*."): it never matches.`, range);
  }
  if (scope.includes('*')) {
    return problem('policy-scope-wildcard', 'error', `The scope "${escapeUntrusted(scope)}" uses "*" other than as a leading "*." of a host name; scopes are not patterns, so it never matches.`, range);
  }
  const slash = scope.indexOf('/');
  // Without a slash there is no host part to speak of, unless the whole scope is a host (`quay.io`,
  // `localhost:5000`): `busybox:1` is a tagged image someone forgot to expand, not host "busybox" port 1.
  const first = slash === -1 ? '' : scope.slice(0, slash);
  if (slash === -1 && hostOnly.test(scope) && (scope.includes('.') || /^localhost(?::[0-9]+)?$/.test(scope))) {
    return scope === 'index.docker.io' ? notExpanded(scope, 'docker.io', range, 'index.docker.io is read as docker.io') : undefined;
  }
  const parsed = parseReference(scope);
  if (typeof parsed === 'string') {
    return problem('policy-scope-invalid', 'error', `The scope "${escapeUntrusted(scope)}" is not a Docker reference or namespace (${parsed}): it never matches.`, range);
  }
  if (parsed.tag !== undefined && parsed.digest !== undefined) {
    return problem('policy-scope-invalid', 'error', `The scope "${escapeUntrusted(scope)}" has both a tag and a digest; image identities have one or the other, so it never matches.`, range);
  }
  const normalized = parseNormalizedNamed(scope);
  const expanded = typeof normalized === 'string' ? undefined : referenceString(normalized);
  if (!isDomainComponent(first) && expanded) return notExpanded(scope, expanded, range, 'no registry host');
  if (first === 'index.docker.io' && expanded) return notExpanded(scope, expanded, range, 'index.docker.io is read as docker.io');
  if (first === 'docker.io' && expanded && expanded !== scope) {
    if (isNameOnlyScope(parsed)) {
      // `docker.io/bitnami` is a real organisation namespace; `docker.io/busybox` usually means the official image.
      if (parsed.path === 'library') return undefined;
      const hint = notExpanded(scope, expanded, range, 'Docker Hub images without an organisation are under library/');
      return { ...hint, severity: 'warning', message: `The scope "${escapeUntrusted(scope)}" matches only images under "${escapeUntrusted(scope)}/…", never the official image "${escapeUntrusted(expanded)}". If you meant that image, write "${escapeUntrusted(expanded)}".` };
    }
    return notExpanded(scope, expanded, range, 'Docker Hub images without an organisation are under library/');
  }
  if (expanded !== undefined && expanded !== scope) return notExpanded(scope, expanded, range, 'not in canonical form');
  return undefined;
}

/** Go's filepath.Clean for absolute Unix paths (no `.`, `..`, doubled or trailing slashes). */
function cleanPath(p: string): string {
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/** dir, oci, oci-archive, sif: an absolute, clean path other than "/". */
function pathScopeProblem(transport: string, scope: string, range: Range): PolicyProblem | undefined {
  if (!scope.startsWith('/')) return problem('policy-scope-path', 'error', `"${transport}" scopes must be absolute paths; "${escapeUntrusted(scope)}" makes containers/image refuse the whole policy.`, range);
  if (scope === '/') return problem('policy-scope-path', 'error', `The "${transport}" scope "/" is refused by containers/image (it would shadow ""): use the scope "" for every path.`, range);
  const cleaned = cleanPath(scope);
  if (cleaned !== scope) {
    return { ...problem('policy-scope-path', 'error', `The "${transport}" scope "${escapeUntrusted(scope)}" is not in canonical form, which containers/image refuses; write "${escapeUntrusted(cleaned)}".`, range), fix: { title: `Write "${cleaned}"`, range, newText: JSON.stringify(cleaned) } };
  }
  return undefined;
}

/** openshift's scopeRegexp: `host[/namespace[/stream[:tag]]]`. */
const atomicScope = /^[^/]*(\/[^:/]*(\/[^:/]*(:[^:/]*)?)?)?$/;

/** containers-storage: `[driver@/graph/root]` or `[/graph/root]`, optionally followed by an image. */
function storageScopeProblem(scope: string, range: Range): PolicyProblem | undefined {
  const refused = (why: string) => problem('policy-scope-invalid', 'error', `The containers-storage scope "${escapeUntrusted(scope)}" is refused by containers/image (${why}), and with it the whole policy.`, range);
  if (!scope.startsWith('[')) return refused('it must start with a store location such as "[overlay@/var/lib/containers/storage]"');
  const close = scope.indexOf(']');
  if (close < 1) return refused('the store location has no closing "]"');
  const spec = scope.slice(1, close);
  const at = spec.indexOf('@');
  const root = at === -1 ? spec : spec.slice(at + 1);
  if (spec === '' || (at !== -1 && (spec.slice(0, at) === '' || root === ''))) return refused('the store location is empty');
  if (!root.startsWith('/')) return refused('the graph root must be an absolute path');
  const fields = scope.slice(close + 1).split('@');
  if (fields.length > 3) return refused('too many "@" parts');
  if (fields.length >= 2 && !/^[a-f0-9]{64}$/.test(fields[1]) && digestProblem(fields[1])) return refused(`"${escapeUntrusted(fields[1])}" is neither a digest nor an image ID`);
  return undefined;
}

/** The finding for one scope of one transport, or undefined when it can match. */
export function scopeProblem(transport: string, scope: string, range: Range): PolicyProblem | undefined {
  if (scope === '') return undefined;
  switch (transport) {
    case 'docker': return dockerScopeProblem(scope, range);
    case 'dir': case 'oci': case 'oci-archive': case 'sif': return pathScopeProblem(transport, scope, range);
    case 'docker-archive': case 'tarball':
      return problem('policy-scope-invalid', 'error', `"${transport}" supports only the scope ""; containers/image refuses "${escapeUntrusted(scope)}" and with it the whole policy.`, range);
    case 'docker-daemon':
      return digestProblem(scope) === undefined ? problem('policy-scope-invalid', 'error', `A docker-daemon scope cannot be a digest ("${escapeUntrusted(scope)}"): containers/image refuses it and the whole policy.`, range) : undefined;
    case 'atomic':
      return atomicScope.test(scope) ? undefined : problem('policy-scope-invalid', 'error', `"${escapeUntrusted(scope)}" is not an atomic scope (host[/namespace[/stream[:tag]]]): containers/image refuses it and the whole policy.`, range);
    case 'containers-storage': return storageScopeProblem(scope, range);
    default: return undefined;
  }
}
