// `verify-image-signature`: an image's simple-signing signatures against the requirements a policy
// applies to it, as containers/image's IsRunningImageAllowed decides: every requirement must hold
// (they are ANDed); signedBy holds when at least one signature is by its keys, for this manifest digest,
// with an accepted identity. sigstoreSigned is not checked here and says so (never a silent pass).
import type { LoadedKey } from '../provenance/keyTypes';
import type { ImageSignatureCode } from './codes';
import { requirementsFor, requirementInWords, type ImageRef, type ScopeChoice } from './explain';
import { identityMatches } from './identityMatch';
import { loadOpenPgpKeys } from './policyKeys';
import type { Policy, Requirement } from './policyModel';
import { checkSimpleSignature, type SignatureVerdict } from './simpleSignature';

export interface RequirementVerdict {
  requirement: Requirement;
  words: string;
  accepted: boolean;
  code: ImageSignatureCode;
  message: string;
  /** Per signature, for signedBy. */
  signatures: (SignatureVerdict & { name: string })[];
}

export interface ImageVerdict {
  accepted: boolean;
  code: ImageSignatureCode;
  message: string;
  choice: ScopeChoice;
  requirements: RequirementVerdict[];
}

export interface NamedSignature { name: string; bytes: Uint8Array }

export interface VerifyImageInput {
  policy: Policy;
  image: ImageRef;
  manifestDigest: string;
  signatures: NamedSignature[];
  /** Where relative key paths are opened from (the runtime's working directory). */
  base: string;
  now?: Date;
}

/** The rejection reason when several signatures were tried: the most telling one. */
const RANK: ImageSignatureCode[] = ['image-identity-mismatch', 'image-digest-mismatch', 'image-signature-invalid', 'image-signature-untrusted'];

async function checkSignedBy(req: Extract<Requirement, { type: 'signedBy' }>, input: VerifyImageInput, now: Date): Promise<Omit<RequirementVerdict, 'requirement' | 'words'>> {
  const reject = (code: ImageSignatureCode, message: string) => ({ accepted: false, code, message, signatures: [] });
  if (req.keyType !== 'GPGKeys') return reject('image-rejected-by-policy', `Unimplemented keyType value "${req.keyType}": the runtime rejects every image.`);
  if (!req.keys) return reject('image-rejected-by-policy', 'The requirement has no usable key source.');
  const loaded = await loadOpenPgpKeys(req.keys, input.base, now);
  const keys: LoadedKey[] = loaded.keys;
  if (keys.length === 0) return reject('image-rejected-by-policy', `No public keys imported: ${loaded.findings.map((f) => f.message).join(' ') || 'the key source holds none.'}`);
  if (input.signatures.length === 0) return reject('image-no-signature', 'A signature was required, but no signature exists.');
  const results: RequirementVerdict['signatures'] = [];
  for (const sig of input.signatures) {
    const verdict = await checkSimpleSignature(sig.bytes, keys, input.manifestDigest, (claimed) => identityMatches(req.signedIdentity, input.image.ref, claimed), now);
    results.push({ ...verdict, name: sig.name });
    if (verdict.code === 'image-accepted') return { accepted: true, code: 'image-accepted', message: `${sig.name}: ${verdict.message}`, signatures: results };
  }
  const worst = [...results].sort((a, b) => RANK.indexOf(a.code) - RANK.indexOf(b.code))[0];
  const message = results.length === 1 ? worst.message : `None of the ${results.length} signatures was accepted: ${results.map((r) => `${r.name}: ${r.message}`).join('; ')}`;
  return { accepted: false, code: worst.code, message, signatures: results };
}

async function checkRequirement(req: Requirement, input: VerifyImageInput, now: Date): Promise<RequirementVerdict> {
  const words = requirementInWords(req);
  const verdict = (accepted: boolean, code: ImageSignatureCode, message: string): RequirementVerdict => ({ requirement: req, words, accepted, code, message, signatures: [] });
  switch (req.type) {
    case 'insecureAcceptAnything': return verdict(true, 'image-accepted', 'Accepted without any signature (insecureAcceptAnything).');
    case 'reject': return verdict(false, 'image-rejected-by-policy', 'Running image is rejected by policy (reject).');
    case 'signedBaseLayer': return verdict(false, 'image-rejected-by-policy', 'signedBaseLayer is not implemented: the runtime rejects the image.');
    case 'sigstoreSigned': return verdict(false, 'image-requirement-unsupported', 'sigstoreSigned is not checked by verify-image-signature (it verifies simple-signing GPG signatures): not accepted here; use cosign or the runtime for this requirement.');
    case 'signedBy': return { requirement: req, words, ...await checkSignedBy(req, input, now) };
  }
}

/** The policy's decision on one image, with every requirement's own verdict. */
export async function verifyImage(input: VerifyImageInput): Promise<ImageVerdict> {
  const now = input.now ?? new Date();
  const choice = requirementsFor(input.policy, input.image);
  const requirements: RequirementVerdict[] = [];
  for (const req of choice.requirements) requirements.push(await checkRequirement(req, input, now));
  const failed = requirements.find((r) => !r.accepted);
  if (requirements.length === 0) return { accepted: false, code: 'image-rejected-by-policy', message: 'No requirement applies (the policy has no usable default): rejected.', choice, requirements };
  if (failed) return { accepted: false, code: failed.code, message: failed.message, choice, requirements };
  return { accepted: true, code: 'image-accepted', message: requirements.map((r) => r.message).join(' '), choice, requirements };
}
