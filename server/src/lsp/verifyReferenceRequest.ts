// `helmProvenance/verifyReference`: "Verify Chart Reference…" — a chart in an OCI registry or a classic
// repository, fetched into memory and verified as the dependency lens does it (editorRegistry.ts), then,
// for an OCI chart, its cosign signatures against `helmProvenance.sigstore.trustedIdentities`. Never in
// Restricted Mode (it would contact a registry named by the workspace's user only, but the credentials
// and helpers it uses are the machine's). Bounded: the reference's length, one byte budget for every
// request at once, the registry client's own limits and timeouts.
import type { Outcome } from '../provenance/verify';
import { escapeUntrusted } from '../provenance/untrustedText';
import { ByteBudget } from '../oci/byteBudget';
import type { CosignOutcome } from '../oci/cosignSignatures';
import type { DependencyPlan } from '../oci/dependencies';
import { DEFAULT_MAX_LAYER_BYTES } from '../oci/limits';
import { shortFingerprint } from './keyText';
import type { KeySet } from './keyStore';
import type { RequestError, RequestResult } from './protocol';
import type { SigstoreVerification } from './sigstoreVerification';
import { withoutUserinfo } from './editorRegistry';
import type { ReferenceSignatureOutcome, VerifyReferenceParams, VerifyReferenceResult } from './verifyReferenceProtocol';

/** Longer than any real reference: Helm's own limit on a repository path is 255 per part. */
export const MAX_REFERENCE_LENGTH = 1024;

/** Chart bytes held at once by every running request together. */
const budget = new ByteBudget(DEFAULT_MAX_LAYER_BYTES);

export interface VerifyReferenceHost {
  trusted: boolean;
  keys: () => Promise<KeySet>;
  trustedFingerprints: string[];
  sigstore: SigstoreVerification;
  progress: (message: string) => void;
}

const clean = (text: string, max = 4000) => escapeUntrusted(withoutUserinfo(text), max);
const refused = (code: string, message: string): { ok: false; error: RequestError } => ({ ok: false, error: { code, message: clean(message) } });

/** `oci://…:version`, or `repo/chart@version` through repositories.yaml, as a plan the engine checks. */
export async function planReference(text: string): Promise<DependencyPlan> {
  const { planDependencies } = await import('../oci/dependencies');
  if (text.startsWith('oci://')) {
    const { parseOciReference } = await import('../oci/reference');
    const ref = parseOciReference(text, true);
    if (!ref.ok) return { name: text, repository: text, kind: 'unresolved', reason: ref.error.message };
    return { name: ref.value.repository, repository: text, kind: 'oci', reference: text, version: ref.value.tag ?? ref.value.digest ?? '' };
  }
  const named = /^([^/@\s]+)\/([^/@\s]+)@([^/@\s]+)$/.exec(text);
  if (!named) return { name: text, repository: text, kind: 'unresolved', reason: 'give oci://host/repository/chart:version, or repo/chart@version with repo a name of your Helm repositories.yaml' };
  const { readRepositoryAliases } = await import('../oci/repositoryAliases');
  return planDependencies([{ name: named[2], repository: `@${named[1]}`, version: named[3] }], undefined, readRepositoryAliases())[0];
}

function openpgpPart(o: Outcome): ReferenceSignatureOutcome {
  const s = o.signer;
  return { verdict: o.verdict, code: o.code, message: clean(o.message), ...(o.verdict === 'verified' && s ? { signer: clean(`${s.uid ? `${s.uid} · ` : ''}${shortFingerprint(s.fingerprint)}`, 500) } : {}) };
}

function cosignPart(c: CosignOutcome): ReferenceSignatureOutcome {
  const s = c.signer;
  const signer = c.verdict !== 'verified' || !s ? undefined : s.kind === 'key' ? `key ${s.fingerprint}` : `${s.identity} (issuer ${s.issuer})`;
  return { verdict: c.verdict, code: c.code, message: clean(c.message), ...(signer ? { signer: clean(signer, 500) } : {}) };
}

/** The cosign signatures beside the manifest, against each configured signer until one verifies. */
async function checkCosign(client: import('../oci/registryClient').RegistryClient, repository: string, manifestDigest: string, sigstore: SigstoreVerification): Promise<CosignOutcome | undefined> {
  const trust = sigstore.trust();
  if (!trust || trust.kind !== 'any-of') return undefined;
  const root = await sigstore.trustedRoot();
  if (!root.ok) return { verdict: 'rejected', code: root.error.code, message: root.error.message, signatures: 0 };
  const { verifyCosignSignatures } = await import('../oci/cosignSignatures');
  let first: CosignOutcome | undefined;
  for (const policy of trust.policies) {
    const o = await verifyCosignSignatures(client, repository, manifestDigest, { trust: { kind: 'identity', policy }, trustedRoot: root.value.trustedRoot, warnings: root.value.warnings });
    if (o.verdict === 'verified') return o;
    first ??= o;
    if (o.code === 'cosign-signature-missing') break;
  }
  return first;
}

export async function verifyReferenceRequest(params: VerifyReferenceParams, host: VerifyReferenceHost): Promise<RequestResult<VerifyReferenceResult>> {
  if (!host.trusted) return refused('workspace-untrusted', 'Verify Chart Reference is not available in Restricted Mode: it contacts registries with the credentials of this machine. Trust the workspace (Manage Workspace Trust) to use it.');
  const text = typeof params.reference === 'string' ? params.reference.trim() : '';
  if (text.length === 0 || text.length > MAX_REFERENCE_LENGTH) return refused('reference-invalid', `give a chart reference of 1 to ${MAX_REFERENCE_LENGTH} characters`);
  const plan = await planReference(text);
  if (plan.kind === 'unresolved' || plan.kind === 'local') return refused('reference-invalid', `${text}: ${plan.reason}`);
  host.progress(`Fetching ${clean(text, 500)}…`);
  const keySet = await host.keys();
  const { verifyPlanned } = await import('./editorRegistry');
  const checked = await verifyPlanned(plan, { keys: keySet.keys, trustedFingerprints: host.trustedFingerprints, maxLayerBytes: DEFAULT_MAX_LAYER_BYTES, budget });
  if (checked.kind === 'failed') return { ok: true, reference: clean(text, 2000), verdict: 'rejected', code: checked.outcome.code, message: clean(checked.outcome.message) };
  let o: { verdict: 'verified' | 'rejected'; code: string; message: string; openpgp?: Outcome; cosign?: CosignOutcome; manifestDigest?: string; chartDigest?: string; archiveUrl?: string } = checked.outcome;
  if (checked.kind === 'oci' && checked.outcome.manifestDigest) {
    host.progress('Checking the cosign signatures…');
    const cosign = await checkCosign(checked.client, checked.ref.repository, checked.outcome.manifestDigest, host.sigstore);
    const { withCosign } = await import('../oci/verifyOciChart');
    // A chart that verifies with OpenPGP and has no cosign signature stays verified: the editor checks cosign wherever signers are configured, not only for charts that are meant to carry one.
    if (cosign && !(cosign.code === 'cosign-signature-missing' && checked.outcome.verdict === 'verified')) o = withCosign(checked.outcome, cosign);
    else o = { ...checked.outcome, cosign: cosign ?? { verdict: 'rejected', code: 'identity-required', signatures: 0, message: 'Not checked: no cosign signer is configured (helmProvenance.sigstore.trustedIdentities).' } };
  }
  return {
    ok: true,
    reference: clean(checked.kind === 'repo' && o.archiveUrl ? o.archiveUrl : text, 2000),
    verdict: o.verdict, code: o.code, message: clean(o.message),
    ...(o.manifestDigest ? { manifestDigest: o.manifestDigest } : {}),
    ...(o.chartDigest ? { chartDigest: o.chartDigest } : {}),
    ...(o.openpgp ? { openpgp: openpgpPart(o.openpgp) } : {}),
    ...(o.cosign ? { cosign: cosignPart(o.cosign) } : {}),
  };
}
