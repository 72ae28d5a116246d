// Docker references as containers/image reads them: a port of its `docker/reference` package
// (regexp.go, normalize.go, reference.go: ParseNormalizedNamed, Parse, ParseNamed) and of
// `docker/policyconfiguration/naming.go` (the scope identity and namespaces a policy is looked up by).
// Kept to the Go code's rules, including its quirks (a `[-]*` separator, no IPv6 hosts), so that what
// this says matches is what CRI-O, Podman and Skopeo match.

// Go's RE2 runs in linear time; JavaScript backtracks. The Go patterns' `[-]*` separator (empty
// allowed) and `x|x[x-]*x` domain component are rewritten as the same languages without ambiguity
// (alphanumeric runs between non-empty separators), so no input can make matching exponential.
const alphaNumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|-+)';
const domainComponent = '[a-zA-Z0-9]+(?:-+[a-zA-Z0-9]+)*';
const tagPat = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
const nameComponent = `${alphaNumeric}(?:(?:${separator}${alphaNumeric})+)?`;
export const domainPat = `${domainComponent}(?:(?:\\.${domainComponent})+)?(?::[0-9]+)?`;
export const namePat = `(?:${domainPat}/)?${nameComponent}(?:(?:/${nameComponent})+)?`;
const referenceRegexp = new RegExp(`^(${namePat})(?::(${tagPat}))?(?:@(${digestPat}))?$`);
const anchoredNameRegexp = new RegExp(`^(?:(${domainPat})/)?(${nameComponent}(?:(?:/${nameComponent})+)?)$`);
const anchoredIdentifierRegexp = /^[a-f0-9]{64}$/;
const NAME_TOTAL_LENGTH_MAX = 255;
/** Longer inputs are refused before any regular expression runs (no reference comes near it). */
const MAX_REFERENCE_LENGTH = 1024;

/** go-digest's registered algorithms and the length of their hex encoding. */
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

export interface DockerReference {
  domain: string;
  /** The repository path below the domain (`library/busybox`). */
  path: string;
  tag?: string;
  digest?: string;
}

/** `domain/path`: what containers/image calls Name(). */
export function nameOf(ref: DockerReference): string {
  return ref.domain ? `${ref.domain}/${ref.path}` : ref.path;
}

/** Name, `:tag`, `@digest`: containers/image's String(). */
export function referenceString(ref: DockerReference): string {
  return `${nameOf(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

export function isNameOnly(ref: DockerReference): boolean {
  return ref.tag === undefined && ref.digest === undefined;
}

/** go-digest's Parse: a registered algorithm and its exact hex length; undefined when valid, else why not. */
export function digestProblem(digest: string): string | undefined {
  const colon = digest.indexOf(':');
  if (colon <= 0 || colon === digest.length - 1) return 'invalid checksum digest format';
  const algorithm = digest.slice(0, colon);
  const encoded = digest.slice(colon + 1);
  if (!/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*$/.test(algorithm)) return 'invalid checksum digest format';
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length === undefined) return 'unsupported digest algorithm';
  if (encoded.length !== length || !/^[a-f0-9]+$/.test(encoded)) return 'invalid checksum digest length';
  return undefined;
}

/** reference.Parse: a reference as written, without normalization. */
export function parseReference(s: string): DockerReference | string {
  if (s.length > MAX_REFERENCE_LENGTH) return 'invalid reference format';
  const m = referenceRegexp.exec(s);
  if (!m) {
    if (s === '') return 'repository name must have at least one component';
    if (referenceRegexp.test(s.toLowerCase())) return 'invalid reference format: repository name must be lowercase';
    return 'invalid reference format';
  }
  if (m[1].length > NAME_TOTAL_LENGTH_MAX) return `repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`;
  const name = anchoredNameRegexp.exec(m[1]);
  const ref: DockerReference = name && name[1] !== undefined ? { domain: name[1], path: name[2] } : { domain: '', path: m[1] };
  if (m[2] !== undefined) ref.tag = m[2];
  if (m[3] !== undefined) {
    const problem = digestProblem(m[3]);
    if (problem) return problem;
    ref.digest = m[3];
  }
  return ref;
}

/** splitDockerDomain: `busybox` is `docker.io/library/busybox`, `index.docker.io` is `docker.io`. */
function splitDockerDomain(name: string): [string, string] {
  const i = name.indexOf('/');
  let domain: string;
  let remainder: string;
  if (i === -1 || (!/[.:]/.test(name.slice(0, i)) && name.slice(0, i) !== 'localhost')) {
    [domain, remainder] = ['docker.io', name];
  } else {
    [domain, remainder] = [name.slice(0, i), name.slice(i + 1)];
  }
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !remainder.includes('/')) remainder = `library/${remainder}`;
  return [domain, remainder];
}

/** reference.ParseNormalizedNamed: what a user types (`busybox`, `quay.io/a/b:1`), fully expanded. */
export function parseNormalizedNamed(s: string): DockerReference | string {
  if (s.length > MAX_REFERENCE_LENGTH) return 'invalid reference format';
  if (anchoredIdentifierRegexp.test(s)) return `invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`;
  const [domain, remainder] = splitDockerDomain(s);
  const tagSep = remainder.indexOf(':');
  const remoteName = tagSep > -1 ? remainder.slice(0, tagSep) : remainder;
  if (remoteName.toLowerCase() !== remoteName) return 'invalid reference format: repository name must be lowercase';
  return parseReference(`${domain}/${remainder}`);
}

/** reference.ParseNamed: a reference that must already be in its normalized form. */
export function parseNamed(s: string): DockerReference | string {
  const ref = parseNormalizedNamed(s);
  if (typeof ref === 'string') return ref;
  if (referenceString(ref) !== s) return 'repository name must be canonical';
  return ref;
}

/**
 * The identity a policy scope is looked up by: `name:tag` or `name@digest` (a name alone gets
 * `:latest`, as the docker transport's ParseReference does); a string when it has both.
 */
export function policyIdentity(ref: DockerReference): string {
  if (ref.tag !== undefined && ref.digest !== undefined) return `${nameOf(ref)}:${ref.tag}@${ref.digest}`;
  if (ref.digest !== undefined) return `${nameOf(ref)}@${ref.digest}`;
  return `${nameOf(ref)}:${ref.tag ?? 'latest'}`;
}

/** DockerReferenceNamespaces: the repository, its parents up to the host (with port), then `*.` wildcards of the host. */
export function policyNamespaces(ref: DockerReference): string[] {
  const res: string[] = [];
  let name = nameOf(ref);
  for (;;) {
    res.push(name);
    const lastSlash = name.lastIndexOf('/');
    if (lastSlash === -1) break;
    name = name.slice(0, lastSlash);
  }
  const portColon = name.indexOf(':');
  if (portColon !== -1) name = name.slice(0, portColon);
  for (;;) {
    const firstDot = name.indexOf('.');
    if (firstDot === -1) break;
    name = name.slice(firstDot + 1);
    res.push(`*.${name}`);
  }
  return res;
}
