// Which requirements apply to an image, found as containers/image's requirementsForImageRef finds them:
// the transport's scope equal to the image's identity, else the first of its namespaces (most specific
// first), else the transport's "" scope, else `default`. Plus what each requirement means in plain words.
import { escapeUntrusted } from '../provenance/untrustedText';
import { parseNormalizedNamed, policyIdentity, policyNamespaces, type DockerReference } from './dockerReference';
import { identityInWords } from './identityMatch';
import type { Policy, Requirement } from './policyModel';
import { KNOWN_TRANSPORTS } from './scopes';

export interface ImageRef { transport: 'docker'; ref: DockerReference }

/** `docker://host/repo:tag`, or a bare reference (read as docker, as Podman does); a string says why not. */
export function parseImageRef(text: string): ImageRef | string {
  const transport = /^([a-z-]+):/.exec(text)?.[1];
  if (transport && transport !== 'docker' && (KNOWN_TRANSPORTS as readonly string[]).includes(transport)) {
    return `"${escapeUntrusted(text)}" uses the ${transport} transport; only docker:// images are explained and verified`;
  }
  const rest = text.startsWith('docker://') ? text.slice('docker://'.length) : text;
  const ref = parseNormalizedNamed(rest);
  if (typeof ref === 'string') return `"${escapeUntrusted(text)}" is not a valid image reference: ${ref}`;
  return { transport: 'docker', ref };
}

export interface ScopeChoice {
  transport: string;
  /** The scope that applies, or undefined for the policy's `default`. */
  scope?: string;
  /** The scopes tried, most specific first. */
  tried: string[];
  requirements: Requirement[];
}

export function requirementsFor(policy: Policy, image: ImageRef): ScopeChoice {
  const identity = policyIdentity(image.ref);
  const tried = [identity, ...policyNamespaces(image.ref), ''];
  const scopes = policy.scopes.filter((s) => s.transport === image.transport);
  for (const candidate of tried) {
    const found = scopes.find((s) => s.scope === candidate);
    if (found) return { transport: image.transport, scope: candidate, tried, requirements: found.requirements };
  }
  return { transport: image.transport, tried, requirements: policy.default ?? [] };
}

function keysInWords(req: Extract<Requirement, { type: 'signedBy' | 'sigstoreSigned' }>): string {
  const k = req.keys;
  if (!k) return 'no usable key source';
  switch (k.kind) {
    case 'paths': return `a key in ${k.paths.map((p) => escapeUntrusted(p.value)).join(', ')}`;
    case 'data': return `a key given inline (${k.field})`;
    case 'fulcio': return `a Fulcio certificate for ${escapeUntrusted(k.subjectEmail ?? '?')} issued by ${escapeUntrusted(k.oidcIssuer ?? '?')}`;
    case 'pki': return `a certificate from the CA roots ${escapeUntrusted(k.caRootsPath?.value ?? '(inline)')} for ${escapeUntrusted(k.subjectEmail ?? k.subjectHostname ?? '?')}`;
  }
}

/** What one requirement demands, in plain words. */
export function requirementInWords(req: Requirement): string {
  switch (req.type) {
    case 'insecureAcceptAnything': return 'accepts any image, signed or not';
    case 'reject': return 'rejects every image';
    case 'signedBaseLayer': return 'not implemented by containers/image: rejects every image';
    case 'signedBy':
      return `needs a simple-signing (GPG) signature by ${keysInWords(req)}${req.keyType !== 'GPGKeys' ? ` — but keyType ${escapeUntrusted(req.keyType)} is not implemented, so it rejects every image` : ''}; the signature must name the image's manifest digest, and ${identityInWords(req.signedIdentity)}`;
    case 'sigstoreSigned':
      return `needs a sigstore (cosign) signature verified with ${keysInWords(req)}${req.rekorPaths.length ? ` and a Rekor entry signed by ${req.rekorPaths.map((p) => escapeUntrusted(p.value)).join(', ')}` : ''}; ${identityInWords(req.signedIdentity)}`;
  }
}
