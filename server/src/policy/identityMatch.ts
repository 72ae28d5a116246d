// Whether a signature's claimed identity is accepted for an image: a port of containers/image's
// signature/policy_reference_match.go (matchesDockerReference of each signedIdentity rule), with the
// rules' plain-words meaning beside them.
import { isNameOnly, nameOf, parseNamed, parseNormalizedNamed, referenceString, type DockerReference } from './dockerReference';
import type { IdentityRule } from './policyModel';

/** matchRepoDigestOrExactReferenceValues. */
function repoDigestOrExact(intended: DockerReference, signature: DockerReference): boolean {
  if (isNameOnly(signature)) return false;
  if (intended.tag !== undefined) return referenceString(signature) === referenceString(intended);
  if (intended.digest !== undefined) return nameOf(signature) === nameOf(intended);
  return false;
}

/** remapIdentity's prefix test: the whole name, or the name up to a `/`. */
function refMatchesPrefix(name: string, prefix: string): boolean {
  if (name.length < prefix.length) return false;
  if (name.length === prefix.length) return name === prefix;
  return name.startsWith(prefix) && name[prefix.length] === '/';
}

/**
 * Whether `rule` accepts a signature claiming `signedReference` for the image `intended` (the image's
 * Docker reference; undefined when its transport has none).
 */
export function identityMatches(rule: IdentityRule, intended: DockerReference | undefined, signedReference: string): boolean {
  const signature = parseNormalizedNamed(signedReference);
  if (typeof signature === 'string') return false;
  switch (rule.type) {
    case 'matchExact':
      if (!intended || isNameOnly(intended) || isNameOnly(signature)) return false;
      return referenceString(signature) === referenceString(intended);
    case 'matchRepoDigestOrExact':
      return !!intended && repoDigestOrExact(intended, signature);
    case 'matchRepository':
      return !!intended && nameOf(signature) === nameOf(intended);
    case 'exactReference': {
      const wanted = parseNormalizedNamed(rule.dockerReference);
      if (typeof wanted === 'string' || isNameOnly(wanted) || isNameOnly(signature)) return false;
      return referenceString(signature) === referenceString(wanted);
    }
    case 'exactRepository': {
      const wanted = parseNormalizedNamed(rule.dockerRepository);
      return typeof wanted !== 'string' && nameOf(signature) === nameOf(wanted);
    }
    case 'remapIdentity': {
      if (!intended) return false;
      let remapped = intended;
      if (refMatchesPrefix(nameOf(intended), rule.prefix)) {
        const parsed = parseNamed(referenceString(intended).replace(rule.prefix, rule.signedPrefix));
        if (typeof parsed === 'string') return false;
        remapped = parsed;
      }
      return repoDigestOrExact(remapped, signature);
    }
  }
}

/** What the rule accepts, in plain words. */
export function identityInWords(rule: IdentityRule): string {
  switch (rule.type) {
    case 'matchExact': return 'the signature names exactly the image reference, tag included (an image pulled by digest never matches)';
    case 'matchRepoDigestOrExact': return `the signature names the image reference: the same tag when pulled by tag, the same repository when pulled by digest${rule.implicit ? ' (matchRepoDigestOrExact, the default)' : ''}`;
    case 'matchRepository': return 'the signature names the same repository, any tag';
    case 'exactReference': return `the signature names exactly ${rule.dockerReference}, whatever the image is called`;
    case 'exactRepository': return `the signature names the repository ${rule.dockerRepository}, any tag, whatever the image is called`;
    case 'remapIdentity': return `the image's name with the prefix ${rule.prefix} read as ${rule.signedPrefix}, then matched as matchRepoDigestOrExact`;
  }
}
