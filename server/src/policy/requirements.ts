// Policy requirements and identity rules, read as containers/image's signature/policy_config*.go reads
// them: the same fields (its parser is strict: an unknown or repeated key refuses the whole file), the
// same exactly-one-of rules, the same defaults (no signedIdentity is matchRepoDigestOrExact). Each
// refusal becomes a finding on the exact part of the file; run-time failures and never-matching rules
// are findings too.
import { isMap, isSeq, type Node } from 'yaml';
import type { Range } from '../provenance/codes';
import { escapeUntrusted } from '../provenance/untrustedText';
import { domainPat, isNameOnly, namePat, parseNormalizedNamed } from './dockerReference';
import type { IdentityRule, KeySource, Located, PolicyProblem, Requirement } from './policyModel';
import { TRANSPORTS_WITHOUT_DOCKER_REFERENCE } from './scopes';
import { keyText, kindOf, type MapNode, pairsOf, problem, type SourceText, stringValue } from './sourceText';

export const REQUIREMENT_TYPES = ['insecureAcceptAnything', 'reject', 'signedBy', 'sigstoreSigned', 'signedBaseLayer'] as const;
export const IDENTITY_TYPES = ['matchRepoDigestOrExact', 'matchRepository', 'matchExact', 'exactReference', 'exactRepository', 'remapIdentity'] as const;
export const KEY_TYPES = ['GPGKeys', 'signedByGPGKeys', 'X509Certificates', 'signedByX509CAs'] as const;

/** The fields each object kind may have (containers/image refuses any other). */
export const FIELDS = {
  insecureAcceptAnything: ['type'],
  reject: ['type'],
  signedBaseLayer: ['type', 'baseLayerIdentity'],
  signedBy: ['type', 'keyType', 'keyPath', 'keyPaths', 'keyData', 'signedIdentity'],
  sigstoreSigned: ['type', 'keyPath', 'keyPaths', 'keyData', 'keyDatas', 'fulcio', 'rekorPublicKeyPath', 'rekorPublicKeyPaths', 'rekorPublicKeyData', 'rekorPublicKeyDatas', 'pki', 'signedIdentity'],
  fulcio: ['caPath', 'caData', 'oidcIssuer', 'subjectEmail'],
  pki: ['caRootsPath', 'caRootsData', 'caIntermediatesPath', 'caIntermediatesData', 'subjectEmail', 'subjectHostname'],
  matchExact: ['type'],
  matchRepoDigestOrExact: ['type'],
  matchRepository: ['type'],
  exactReference: ['type', 'dockerReference'],
  exactRepository: ['type', 'dockerRepository'],
  remapIdentity: ['type', 'prefix', 'signedPrefix'],
} as const;

/**
 * Fields of current containers/image that older runtimes refuse as "Unknown key" with the whole policy
 * (measured with Skopeo 1.9.3, whose signedBy already has keyPaths but whose sigstoreSigned has not).
 */
const NEWER_FIELDS: Partial<Record<keyof typeof FIELDS, readonly string[]>> = {
  sigstoreSigned: ['keyPaths', 'keyDatas', 'rekorPublicKeyPaths', 'rekorPublicKeyDatas', 'pki'],
};

/** What the requirement is read in: the transport of its scope (undefined for `default`). */
export interface RequirementContext { transport?: string }

type Out = PolicyProblem[];

/** The object's fields by name, each unknown one reported; undefined (reported) when the node is not an object. */
function objectFields(src: SourceText, node: Node | null | undefined, allowed: readonly string[], what: string, out: Out): Map<string, { node: Node; keyRange: Range }> | undefined {
  if (!isMap(node)) {
    out.push(problem('policy-wrong-type', 'error', `${what} must be a JSON object, not ${kindOf(node)}.`, src.rangeOf(node)));
    return undefined;
  }
  const fields = new Map<string, { node: Node; keyRange: Range }>();
  for (const pair of pairsOf(node)) {
    const name = keyText(pair);
    const keyRange = src.rangeOf(pair.key);
    if (!allowed.includes(name)) {
      out.push(problem('policy-unknown-field', 'error', `"${escapeUntrusted(name)}" is not a field of ${what} (it may have ${allowed.map((f) => `"${f}"`).join(', ')}); containers/image refuses the whole policy.`, keyRange));
      continue;
    }
    if (!fields.has(name)) fields.set(name, { node: pair.value as Node, keyRange });
  }
  return fields;
}

function requireString(src: SourceText, field: { node: Node } | undefined, name: string, out: Out): Located<string> | undefined {
  if (!field) return undefined;
  const value = stringValue(field.node);
  if (value === undefined) {
    out.push(problem('policy-wrong-type', 'error', `"${name}" must be a string, not ${kindOf(field.node)}.`, src.rangeOf(field.node)));
    return undefined;
  }
  return { value, range: src.rangeOf(field.node) };
}

function stringList(src: SourceText, field: { node: Node } | undefined, name: string, out: Out): Located<string>[] | undefined {
  if (!field) return undefined;
  if (!isSeq(field.node)) {
    out.push(problem('policy-wrong-type', 'error', `"${name}" must be an array of strings, not ${kindOf(field.node)}.`, src.rangeOf(field.node)));
    return undefined;
  }
  const items: Located<string>[] = [];
  for (const item of field.node.items as Node[]) {
    const s = requireString(src, { node: item }, `Each entry of "${name}"`, out);
    if (s) items.push(s);
  }
  return items;
}

/** Go's []byte in JSON: standard base64 with padding. */
function base64Of(item: Located<string>, name: string, out: Out): Located<Buffer> | undefined {
  const text = item.value.replace(/[\r\n]/g, '');
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    out.push(problem('policy-wrong-type', 'error', `"${name}" must be base64 (standard alphabet, padded); containers/image refuses this value.`, item.range));
    return undefined;
  }
  return { value: Buffer.from(text, 'base64'), range: item.range };
}

const remapDomain = new RegExp(`^${domainPat}$`);
const remapDomainPrefix = new RegExp(`^${domainPat}/`);
const remapName = new RegExp(`^${namePat}$`);

/** signedIdentity (or baseLayerIdentity): one of the six rules, with its own fields and value checks. */
export function parseIdentity(src: SourceText, node: Node, out: Out): IdentityRule | undefined {
  const range = src.rangeOf(node);
  if (!isMap(node)) {
    out.push(problem('policy-wrong-type', 'error', `"signedIdentity" must be a JSON object, not ${kindOf(node)}.`, range));
    return undefined;
  }
  const typeNode = (pairsOf(node).find((p) => keyText(p) === 'type')?.value ?? undefined) as Node | undefined;
  const type = stringValue(typeNode) ?? '';
  if (!(IDENTITY_TYPES as readonly string[]).includes(type)) {
    out.push(problem('policy-unknown-type', 'error', `Unknown policy reference match type "${escapeUntrusted(type)}": it must be one of ${IDENTITY_TYPES.join(', ')}.`, typeNode ? src.rangeOf(typeNode) : range));
    return undefined;
  }
  const t = type as (typeof IDENTITY_TYPES)[number];
  const fields = objectFields(src, node, FIELDS[t], `a ${t} identity`, out);
  if (!fields) return undefined;
  const missing = FIELDS[t].filter((f) => !fields.has(f));
  if (missing.length) {
    out.push(problem('policy-missing-field', 'error', `A ${t} identity needs ${missing.map((f) => `"${f}"`).join(' and ')}.`, range));
    return undefined;
  }
  const str = (f: string) => requireString(src, fields.get(f), f, out);
  switch (t) {
    case 'exactReference': {
      const ref = str('dockerReference');
      if (!ref) return undefined;
      const parsed = parseNormalizedNamed(ref.value);
      if (typeof parsed === 'string') out.push(problem('policy-identity-invalid', 'error', `Invalid dockerReference "${escapeUntrusted(ref.value)}": ${parsed}.`, ref.range));
      else if (isNameOnly(parsed)) out.push(problem('policy-identity-invalid', 'error', `dockerReference "${escapeUntrusted(ref.value)}" has neither a tag nor a digest; use exactRepository to accept any tag.`, ref.range));
      else return { type: t, dockerReference: ref.value, range };
      return undefined;
    }
    case 'exactRepository': {
      const repo = str('dockerRepository');
      if (!repo) return undefined;
      const parsed = parseNormalizedNamed(repo.value);
      if (typeof parsed === 'string') {
        out.push(problem('policy-identity-invalid', 'error', `Invalid dockerRepository "${escapeUntrusted(repo.value)}": ${parsed}.`, repo.range));
        return undefined;
      }
      return { type: t, dockerRepository: repo.value, range };
    }
    case 'remapIdentity': {
      const prefix = str('prefix');
      const signedPrefix = str('signedPrefix');
      let valid = !!prefix && !!signedPrefix;
      for (const p of [prefix, signedPrefix]) {
        if (p && !(remapDomain.test(p.value) || (remapName.test(p.value) && remapDomainPrefix.test(p.value)))) {
          out.push(problem('policy-identity-invalid', 'error', `The prefix "${escapeUntrusted(p.value)}" is not valid: it must be a host[:port], or a repository name starting with one (no tag, no digest).`, p.range));
          valid = false;
        }
      }
      return valid ? { type: t, prefix: prefix!.value, signedPrefix: signedPrefix!.value, range } : undefined;
    }
    default:
      return { type: t, range };
  }
}

/** The one key source of a requirement (exactly one of the given fields), reported when there are none or several. */
function keySource(src: SourceText, fields: Map<string, { node: Node; keyRange: Range }>, range: Range, names: readonly string[], out: Out): KeySource | undefined {
  const present = names.filter((n) => fields.has(n));
  if (present.length !== 1) {
    const where = present.length > 1 ? fields.get(present[1])!.keyRange : range;
    out.push(problem('policy-key-sources', 'error', `Exactly one of ${names.join(', ')} must be given; ${present.length === 0 ? 'none is' : `${present.join(' and ')} are`}. containers/image refuses the whole policy.`, where));
    return undefined;
  }
  const name = present[0];
  const field = fields.get(name)!;
  const empty = (what: string) => {
    out.push(problem('policy-key-sources', 'error', `"${name}" is ${what}: no key would be loaded, so nothing is accepted.`, src.rangeOf(field.node)));
    return undefined;
  };
  switch (name) {
    case 'keyPath': {
      const p = requireString(src, field, name, out);
      if (!p) return undefined;
      return p.value === '' ? empty('empty') : { kind: 'paths', field: name, paths: [p] };
    }
    case 'keyPaths': {
      const list = stringList(src, field, name, out);
      if (!list) return undefined;
      return list.length === 0 ? empty('an empty array') : { kind: 'paths', field: name, paths: list };
    }
    case 'keyData': {
      const d = requireString(src, field, name, out);
      const data = d && base64Of(d, name, out);
      return data ? { kind: 'data', field: name, data: [data] } : undefined;
    }
    case 'keyDatas': {
      const list = stringList(src, field, name, out);
      if (!list) return undefined;
      if (list.length === 0) return empty('an empty array');
      const data = list.map((d) => base64Of(d, name, out)).filter((d): d is Located<Buffer> => !!d);
      return data.length === list.length ? { kind: 'data', field: name, data } : undefined;
    }
    case 'fulcio': return fulcioOf(src, field.node, out);
    default: return pkiOf(src, field.node, out);
  }
}

function oneOf(fields: Map<string, { node: Node; keyRange: Range }>, names: string[], range: Range, required: boolean, what: string, out: Out): boolean {
  const present = names.filter((n) => fields.has(n));
  if (present.length > 1 || (required && present.length === 0)) {
    out.push(problem('policy-key-sources', 'error', `${what}: ${present.length > 1 ? `${present.join(' and ')} cannot be used together` : `give one of ${names.join(', ')}`}. containers/image refuses the whole policy.`, present.length > 1 ? fields.get(present[1])!.keyRange : range));
    return false;
  }
  return true;
}

function fulcioOf(src: SourceText, node: Node, out: Out): KeySource | undefined {
  const range = src.rangeOf(node);
  const fields = objectFields(src, node, FIELDS.fulcio, '"fulcio"', out);
  if (!fields) return undefined;
  let ok = oneOf(fields, ['caPath', 'caData'], range, true, 'In "fulcio"', out);
  for (const f of ['oidcIssuer', 'subjectEmail']) {
    if (!fields.has(f) || stringValue(fields.get(f)!.node) === '') {
      out.push(problem('policy-missing-field', 'error', `"fulcio" needs a non-empty "${f}".`, range));
      ok = false;
    }
  }
  const caPath = requireString(src, fields.get('caPath'), 'caPath', out);
  return ok ? { kind: 'fulcio', range, caPath, oidcIssuer: stringValue(fields.get('oidcIssuer')?.node), subjectEmail: stringValue(fields.get('subjectEmail')?.node) } : undefined;
}

function pkiOf(src: SourceText, node: Node, out: Out): KeySource | undefined {
  const range = src.rangeOf(node);
  const fields = objectFields(src, node, FIELDS.pki, '"pki"', out);
  if (!fields) return undefined;
  let ok = oneOf(fields, ['caRootsPath', 'caRootsData'], range, true, 'In "pki"', out);
  ok = oneOf(fields, ['caIntermediatesPath', 'caIntermediatesData'], range, false, 'In "pki"', out) && ok;
  if (!stringValue(fields.get('subjectEmail')?.node) && !stringValue(fields.get('subjectHostname')?.node)) {
    out.push(problem('policy-missing-field', 'error', '"pki" needs "subjectEmail" or "subjectHostname".', range));
    ok = false;
  }
  return ok ? { kind: 'pki', range, caRootsPath: requireString(src, fields.get('caRootsPath'), 'caRootsPath', out), subjectEmail: stringValue(fields.get('subjectEmail')?.node), subjectHostname: stringValue(fields.get('subjectHostname')?.node) } : undefined;
}

/** The identity rule a requirement uses (its own, else the default matchRepoDigestOrExact), checked against its context. */
function identityOf(src: SourceText, fields: Map<string, { node: Node; keyRange: Range }>, range: Range, type: 'signedBy' | 'sigstoreSigned', ctx: RequirementContext, out: Out): IdentityRule | undefined {
  const node = fields.get('signedIdentity')?.node;
  const rule: IdentityRule | undefined = node === undefined ? { type: 'matchRepoDigestOrExact', range, implicit: true } : parseIdentity(src, node, out);
  if (!rule) return undefined;
  const relative = rule.type === 'matchExact' || rule.type === 'matchRepoDigestOrExact' || rule.type === 'matchRepository' || rule.type === 'remapIdentity';
  const where = node === undefined ? range : rule.range;
  const named = rule.type + (node === undefined ? ' (the default when signedIdentity is absent)' : '');
  if (relative && ctx.transport && TRANSPORTS_WITHOUT_DOCKER_REFERENCE.has(ctx.transport)) {
    out.push(problem('policy-identity-misfit', 'error', `${named} compares the signature with the image's Docker reference, which "${ctx.transport}" images do not have: it never matches. Use exactReference or exactRepository.`, where));
  } else if (type === 'sigstoreSigned' && rule.type !== 'matchRepository' && rule.type !== 'exactRepository') {
    out.push(problem('policy-identity-misfit', 'warning', `${named} does not accept cosign-created signatures, which name only a repository: use matchRepository or exactRepository for them.`, where));
  }
  return rule;
}

/** One requirement object of a requirements array. */
export function parseRequirement(src: SourceText, node: Node, ctx: RequirementContext, out: Out): Requirement | undefined {
  const range = src.rangeOf(node);
  if (!isMap(node)) {
    out.push(problem('policy-wrong-type', 'error', `A policy requirement must be a JSON object, not ${kindOf(node)}.`, range));
    return undefined;
  }
  const typePair = pairsOf(node as MapNode).find((p) => keyText(p) === 'type');
  const type = stringValue(typePair?.value) ?? '';
  if (!(REQUIREMENT_TYPES as readonly string[]).includes(type)) {
    const where = typePair ? src.rangeOf(typePair.value as Node) : range;
    out.push(problem(typePair ? 'policy-unknown-type' : 'policy-missing-field', 'error', typePair
      ? `Unknown policy requirement type "${escapeUntrusted(type)}" (${REQUIREMENT_TYPES.join(', ')}); runtimes older than the type refuse it the same way.`
      : 'A policy requirement needs "type".', where));
    return undefined;
  }
  const t = type as (typeof REQUIREMENT_TYPES)[number];
  const fields = objectFields(src, node, FIELDS[t], `a ${t} requirement`, out);
  if (!fields) return undefined;
  for (const name of NEWER_FIELDS[t] ?? []) {
    const field = fields.get(name);
    if (field) out.push(problem('policy-newer-field', 'warning', `"${name}" is newer than some runtimes: older ones (Skopeo 1.9, measured) refuse the whole policy with "Unknown key \"${name}\"". Check the containers/image version of every runtime that reads this file.`, field.keyRange));
  }
  switch (t) {
    case 'insecureAcceptAnything': case 'reject': return { type: t, range };
    case 'signedBaseLayer': {
      const identity = fields.get('baseLayerIdentity');
      if (!identity) out.push(problem('policy-missing-field', 'error', 'signedBaseLayer needs "baseLayerIdentity".', range));
      else parseIdentity(src, identity.node, out);
      out.push(problem('policy-never-accepts', 'error', 'signedBaseLayer is not implemented by containers/image: every image under it is rejected.', src.rangeOf(typePair!.value as Node)));
      return { type: t, range };
    }
    case 'signedBy': {
      const keyTypeField = fields.get('keyType');
      const keyType = requireString(src, keyTypeField, 'keyType', out);
      if (!keyTypeField) out.push(problem('policy-keytype', 'error', 'signedBy needs "keyType" ("GPGKeys"); containers/image refuses the policy without it.', range));
      else if (keyType && !(KEY_TYPES as readonly string[]).includes(keyType.value)) {
        out.push(problem('policy-keytype', 'error', `Unrecognized keyType "${escapeUntrusted(keyType.value)}": containers/image refuses the policy. Use "GPGKeys".`, keyType.range));
      } else if (keyType && keyType.value !== 'GPGKeys') {
        out.push(problem('policy-keytype', 'error', `keyType "${keyType.value}" loads but is not implemented: every signature is rejected at run time ("Unimplemented keyType value"). Use "GPGKeys".`, keyType.range));
      }
      const keys = keySource(src, fields, range, ['keyPath', 'keyPaths', 'keyData'], out);
      const signedIdentity = identityOf(src, fields, range, 'signedBy', ctx, out);
      return signedIdentity ? { type: t, range, keyType: keyType?.value ?? '', keys, signedIdentity } : undefined;
    }
    case 'sigstoreSigned': {
      const keys = keySource(src, fields, range, ['keyPath', 'keyPaths', 'keyData', 'keyDatas', 'fulcio', 'pki'], out);
      const rekorNames = ['rekorPublicKeyPath', 'rekorPublicKeyPaths', 'rekorPublicKeyData', 'rekorPublicKeyDatas'];
      const rekor = rekorNames.filter((n) => fields.has(n));
      if (rekor.length > 1) out.push(problem('policy-key-sources', 'error', `At most one of ${rekorNames.join(', ')} may be given.`, fields.get(rekor[1])!.keyRange));
      if (fields.has('fulcio') && rekor.length === 0) {
        out.push(problem('policy-fulcio-without-rekor', 'error', 'fulcio needs a Rekor public key (rekorPublicKeyPath, rekorPublicKeyPaths, rekorPublicKeyData or rekorPublicKeyDatas): containers/image refuses the policy without one.', fields.get('fulcio')!.keyRange));
      }
      if (fields.has('pki') && rekor.length > 0) out.push(problem('policy-key-sources', 'error', 'Rekor keys are not supported with pki: containers/image refuses the policy.', fields.get(rekor[0])!.keyRange));
      const rekorPath = requireString(src, fields.get('rekorPublicKeyPath'), 'rekorPublicKeyPath', out);
      const rekorPaths = [...(rekorPath ? [rekorPath] : []), ...(stringList(src, fields.get('rekorPublicKeyPaths'), 'rekorPublicKeyPaths', out) ?? [])];
      const signedIdentity = identityOf(src, fields, range, 'sigstoreSigned', ctx, out);
      return signedIdentity ? { type: t, range, keys, rekorPaths, signedIdentity } : undefined;
    }
  }
}

/** A requirements array: non-empty, each entry a requirement. */
export function parseRequirements(src: SourceText, node: Node, ctx: RequirementContext, out: Out): Requirement[] | undefined {
  if (!isSeq(node)) {
    out.push(problem('policy-wrong-type', 'error', `Policy requirements must be a JSON array, not ${kindOf(node)}.`, src.rangeOf(node)));
    return undefined;
  }
  const items = node.items as Node[];
  if (items.length === 0) {
    out.push(problem('policy-empty-requirements', 'error', 'The list of requirements must not be empty: containers/image refuses the whole policy. Use [{"type": "reject"}] to reject, [{"type": "insecureAcceptAnything"}] to accept.', src.rangeOf(node)));
    return undefined;
  }
  return items.map((item) => parseRequirement(src, item, ctx, out)).filter((r): r is Requirement => !!r);
}

