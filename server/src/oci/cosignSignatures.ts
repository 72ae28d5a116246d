// cosign's signatures on an OCI artifact, laid out as cosign lays them out: the manifest tagged
// `sha256-<hex>.sig` in the same repository, one layer per signature whose blob is a simple-signing
// payload naming the signed manifest digest, with the signature, certificate, chain and Rekor bundle in
// the layer's annotations. Each is verified with the Sigstore engine (the same checks and codes as
// `verify-blob`); the chart counts as cosign-signed when one of them verifies against the user's trust.
import { fail, ok, type Code, type Result } from '../provenance/codes';
import { escapeUntrusted } from '../provenance/untrustedText';
import { artifactFromBytes } from '../sigstore/artifact';
import type { SigstoreOutcome } from '../sigstore/codes';
import { parseCertificateFile, rekorEntryFromJson } from '../sigstore/cosignFiles';
import { verifyDetachedSignature, type DetachedOptions } from '../sigstore/detachedSignature';
import { MAX_REKOR_ENTRY_BYTES, MAX_SMALL_FILE_BYTES } from '../sigstore/limits';
import { verifyReferrerBundles } from './cosignReferrers';
import { parseImageManifest, type Descriptor } from './manifest';
import type { RegistryClient } from './registryClient';
import { parseUntrustedJson } from '../provenance/untrustedJson';

export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
export const CHAIN_ANNOTATION = 'dev.sigstore.cosign/chain';
export const BUNDLE_ANNOTATION = 'dev.sigstore.cosign/bundle';
const SIGNATURE_TYPE = 'cosign container image signature';
/** Signatures looked at on one artifact: real ones have one to a few. */
export const MAX_COSIGN_SIGNATURES = 16;

/** `sha256:<hex>` → the tag cosign stores its signatures under. */
export function cosignSignatureTag(manifestDigest: string): string {
  return `${manifestDigest.replace(':', '-')}.sig`;
}

/** The simple-signing payload as cosign writes it (`cosign sign` → payload of one layer). */
export function simpleSigningPayload(dockerReference: string, manifestDigest: string): Buffer {
  return Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': dockerReference }, image: { 'docker-manifest-digest': manifestDigest }, type: SIGNATURE_TYPE }, optional: null }));
}

/** The payload must be a cosign signature of exactly this manifest: else it signs something else. */
export function checkPayload(payload: Buffer, manifestDigest: string): Result<void, 'digest-mismatch' | 'bundle-malformed'> {
  let critical: Record<string, unknown> | undefined;
  try {
    critical = (parseUntrustedJson(payload.toString('utf8')) as { critical?: Record<string, unknown> }).critical;
  } catch { /* below */ }
  if (typeof critical !== 'object' || critical === null) return fail('bundle-malformed', 'The signed payload is not a cosign simple-signing document (no "critical" object).');
  if (critical.type !== SIGNATURE_TYPE) return fail('bundle-malformed', `The signed payload's type is ${escapeUntrusted(JSON.stringify(critical.type) ?? 'missing', 80)}, not "${SIGNATURE_TYPE}".`);
  const signed = (critical.image as Record<string, unknown> | undefined)?.['docker-manifest-digest'];
  if (signed !== manifestDigest) {
    return fail('digest-mismatch', `The signature is for the manifest ${escapeUntrusted(String(signed), 140)}, not for this chart's manifest ${manifestDigest}: it was copied from another artifact.`);
  }
  return ok(undefined);
}

/** One signature layer's parts, as the Sigstore engine takes them. */
function verifyLayer(layer: Descriptor, payload: Buffer, manifestDigest: string, options: DetachedOptions): SigstoreOutcome {
  const rejected = (code: SigstoreOutcome['code'], message: string): SigstoreOutcome => ({ verdict: 'rejected', code, message, warnings: [] });
  const payloadOk = checkPayload(payload, manifestDigest);
  if (!payloadOk.ok) return rejected(payloadOk.error.code, payloadOk.error.message);
  const a = layer.annotations ?? {};
  const signatureText = a[SIGNATURE_ANNOTATION];
  if (typeof signatureText !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(signatureText) || signatureText.length > MAX_SMALL_FILE_BYTES) {
    return rejected('bundle-malformed', `The signature layer has no base64 ${SIGNATURE_ANNOTATION} annotation.`);
  }
  const signature = Buffer.from(signatureText, 'base64');
  let certificate;
  if (a[CERTIFICATE_ANNOTATION]) {
    const cert = parseCertificateFile(Buffer.from(a[CERTIFICATE_ANNOTATION], 'latin1'), CERTIFICATE_ANNOTATION);
    if (!cert.ok) return rejected(cert.error.code as SigstoreOutcome['code'], cert.error.message);
    certificate = cert.value;
  }
  let entry;
  const bundle = a[BUNDLE_ANNOTATION];
  if (bundle) {
    if (bundle.length > MAX_REKOR_ENTRY_BYTES) return rejected('bundle-malformed', `The ${BUNDLE_ANNOTATION} annotation is over ${MAX_REKOR_ENTRY_BYTES} bytes.`);
    let rekorBundle: unknown;
    try { rekorBundle = parseUntrustedJson(bundle); } catch { return rejected('bundle-malformed', `The ${BUNDLE_ANNOTATION} annotation is not JSON.`); }
    // The annotation is what cosign's older `--bundle` file carries as `rekorBundle`.
    const parsed = rekorEntryFromJson({ rekorBundle, base64Signature: signatureText, ...(a[CERTIFICATE_ANNOTATION] ? { cert: a[CERTIFICATE_ANNOTATION] } : {}) }, BUNDLE_ANNOTATION);
    if (!parsed.ok) return rejected('bundle-malformed', parsed.error.message);
    entry = parsed.value;
  }
  return verifyDetachedSignature({ signature, ...(certificate ? { certificate } : {}), ...(entry ? { entry } : {}) }, artifactFromBytes(payload, 'the cosign payload'), options);
}

export interface CosignOutcome {
  verdict: 'verified' | 'rejected';
  code: Code;
  message: string;
  signer?: SigstoreOutcome['signer'];
  tlog?: SigstoreOutcome['tlog'];
  /** How many signature layers were looked at. */
  signatures: number;
}

/**
 * The cosign verdict on the manifest `manifestDigest` of `repository`: the `.sig` tag's signatures,
 * else the Sigstore bundles referring to it (OCI 1.1); verified when one of them verifies.
 */
export async function verifyCosignSignatures(client: RegistryClient, repository: string, manifestDigest: string, options: DetachedOptions): Promise<CosignOutcome> {
  const tagged = await verifySignatureTag(client, repository, manifestDigest, options);
  if (tagged.verdict === 'verified') return tagged;
  const referred = await verifyReferrerBundles(client, repository, manifestDigest, options);
  if (referred.verdict === 'verified') return referred;
  if (tagged.code === 'cosign-signature-missing' && referred.code === 'cosign-signature-missing') {
    return { ...tagged, message: `${tagged.message} No Sigstore bundle refers to it either (OCI 1.1 referrers).` };
  }
  return tagged.code !== 'cosign-signature-missing' ? tagged : referred;
}

/** The signatures stored under the `sha256-<hex>.sig` tag. */
async function verifySignatureTag(client: RegistryClient, repository: string, manifestDigest: string, options: DetachedOptions): Promise<CosignOutcome> {
  const tag = cosignSignatureTag(manifestDigest);
  const fetched = await client.manifest(repository, tag);
  if (!fetched.ok) {
    if (fetched.error.code === 'registry-not-found') {
      return { verdict: 'rejected', code: 'cosign-signature-missing', signatures: 0, message: `There is no cosign signature for ${manifestDigest} (no tag ${tag} in ${escapeUntrusted(repository)}): the chart was not signed with cosign sign.` };
    }
    return { verdict: 'rejected', code: fetched.error.code, message: fetched.error.message, signatures: 0 };
  }
  const parsed = parseImageManifest(fetched.value.bytes, fetched.value.contentType);
  if (!parsed.ok) return { verdict: 'rejected', code: 'manifest-invalid', message: `The cosign signature manifest ${tag}: ${parsed.error.message}`, signatures: 0 };
  const layers = parsed.value.layers.filter((l) => l.mediaType === SIMPLE_SIGNING_MEDIA_TYPE).slice(0, MAX_COSIGN_SIGNATURES);
  if (layers.length === 0) return { verdict: 'rejected', code: 'cosign-signature-missing', signatures: 0, message: `The manifest tagged ${tag} holds no ${SIMPLE_SIGNING_MEDIA_TYPE} layer.` };
  let first: CosignOutcome | undefined;
  for (const layer of layers) {
    const payload = await client.blob(repository, layer, MAX_SMALL_FILE_BYTES, `a cosign payload of ${tag}`);
    const o: CosignOutcome = payload.ok
      ? { ...verifyLayer(layer, payload.value, manifestDigest, options), signatures: layers.length }
      : { verdict: 'rejected', code: payload.error.code, message: payload.error.message, signatures: layers.length };
    if (o.verdict === 'verified') return o;
    first ??= o;
  }
  return layers.length > 1 ? { ...first!, message: `None of the ${layers.length} cosign signatures verifies; the first: ${first!.message}` } : first!;
}
