// Sigstore bundles attached to a chart as OCI 1.1 referrers, as cosign 3 stores them (cosign's
// specs/BUNDLE_SPEC.md): an index of referring manifests (referrers API, or the `sha256-<hex>` tag on
// registries without it), each with `artifactType` the bundle media type, its `subject` the chart's
// manifest, and one layer holding the bundle JSON. The bundle must be about the chart's manifest (a
// message signature over it, or an in-toto statement naming its digest): the Sigstore engine checks
// that, the signature, the certificate and the log entry, against the user's trust.
import { escapeUntrusted } from '../provenance/untrustedText';
import type { Artifact } from '../sigstore/artifact';
import { parseBundle } from '../sigstore/bundle';
import type { DetachedOptions } from '../sigstore/detachedSignature';
import { MAX_BUNDLE_BYTES } from '../sigstore/limits';
import { verifyBundle } from '../sigstore/verifyBundle';
import type { CosignOutcome } from './cosignSignatures';
import { MAX_LAYERS } from './limits';
import { parseImageManifest } from './manifest';
import type { RegistryClient } from './registryClient';
import { parseUntrustedJson } from '../provenance/untrustedJson';

/** The bundle media types a referring manifest may carry (v0.3, and the older parameterised form). */
const BUNDLE_TYPES = /^application\/vnd\.dev\.sigstore\.bundle(?:\.v0\.[1-3]\+json|\+json;\s*version=0\.[1-3])$/;

interface IndexEntry { digest: string; artifactType?: string }

function indexEntries(bytes: Buffer): IndexEntry[] | undefined {
  try {
    const index = parseUntrustedJson(bytes.toString('utf8')) as { manifests?: unknown };
    if (!Array.isArray(index.manifests)) return undefined;
    return index.manifests.slice(0, MAX_LAYERS).filter((m): m is IndexEntry =>
      typeof m === 'object' && m !== null && typeof (m as IndexEntry).digest === 'string' && /^sha256:[0-9a-f]{64}$/.test((m as IndexEntry).digest));
  } catch {
    return undefined;
  }
}

const missing = (message: string): CosignOutcome => ({ verdict: 'rejected', code: 'cosign-signature-missing', message, signatures: 0 });

/** The verdict of the Sigstore bundles referring to `manifestDigest`; cosign-signature-missing when there are none. */
export async function verifyReferrerBundles(client: RegistryClient, repository: string, manifestDigest: string, options: DetachedOptions): Promise<CosignOutcome> {
  const index = await client.referrers(repository, manifestDigest);
  if (!index.ok) return { verdict: 'rejected', code: index.error.code, message: index.error.message, signatures: 0 };
  if (!index.value) return missing(`No Sigstore bundle refers to ${manifestDigest} (no referrers).`);
  const entries = indexEntries(index.value);
  if (!entries) return { verdict: 'rejected', code: 'manifest-invalid', message: `The referrers index of ${manifestDigest} is not an OCI image index.`, signatures: 0 };
  const bundles = entries.filter((e) => e.artifactType === undefined || BUNDLE_TYPES.test(e.artifactType));
  const artifact: Artifact = { name: `the chart manifest ${manifestDigest}`, sha256: Buffer.from(manifestDigest.slice('sha256:'.length), 'hex') };
  let first: CosignOutcome | undefined;
  let looked = 0;
  for (const entry of bundles) {
    const fetched = await client.manifest(repository, entry.digest, entry.digest);
    if (!fetched.ok) { first ??= { verdict: 'rejected', code: fetched.error.code, message: fetched.error.message, signatures: 0 }; continue; }
    let subject: unknown;
    let artifactType: unknown;
    try { ({ subject, artifactType } = parseUntrustedJson(fetched.value.bytes.toString('utf8')) as { subject?: unknown; artifactType?: unknown }); } catch { /* parseImageManifest says why */ }
    const parsed = parseImageManifest(fetched.value.bytes, fetched.value.contentType);
    const layer = parsed.ok ? parsed.value.layers.find((l) => BUNDLE_TYPES.test(l.mediaType)) : undefined;
    if (!parsed.ok || !layer || typeof artifactType !== 'string' || !BUNDLE_TYPES.test(artifactType)) continue;
    looked++;
    // The index may list a manifest that refers to something else: only its own subject counts.
    if ((subject as { digest?: unknown } | undefined)?.digest !== manifestDigest) {
      first ??= { verdict: 'rejected', code: 'digest-mismatch', message: `A referring bundle manifest names the subject ${escapeUntrusted(String((subject as { digest?: unknown } | undefined)?.digest), 140)}, not ${manifestDigest}.`, signatures: 0 };
      continue;
    }
    const blob = await client.blob(repository, layer, MAX_BUNDLE_BYTES, `the Sigstore bundle ${layer.digest}`);
    if (!blob.ok) { first ??= { verdict: 'rejected', code: blob.error.code, message: blob.error.message, signatures: 0 }; continue; }
    const bundle = parseBundle(blob.value);
    const outcome = bundle.ok
      ? verifyBundle(bundle.value, artifact, { trustedRoot: options.trustedRoot, trust: options.trust, ...(options.warnings ? { warnings: options.warnings } : {}) })
      : { verdict: 'rejected' as const, code: bundle.error.code as CosignOutcome['code'], message: bundle.error.message, warnings: [] };
    if (outcome.verdict === 'verified') return { ...outcome, signatures: looked };
    first ??= { ...outcome, signatures: looked };
  }
  if (!first) return missing(`No Sigstore bundle among the referrers of ${manifestDigest}.`);
  return first;
}
