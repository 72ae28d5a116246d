// `helm-prov push x.tgz oci://host/repo`: what `helm push` does — the chart's `<repo>/<name>:<version>`
// (a version's `+` stored as `_`), the config, chart and `.prov` blobs, then the manifest under the tag.
import { fail, ok, type Result } from '../provenance/codes';
import type { ChartMetadata } from '../provenance/chartMetadata';
import { escapeUntrusted } from '../provenance/untrustedText';
import type { RegistryErrorCode } from './codes';
import { helmArtifact } from './helmArtifact';
import { OCI_MANIFEST_MEDIA_TYPE } from './manifest';
import { parseOciReference, referenceText, type OciReference } from './reference';
import type { RegistryClient } from './registryClient';

export interface PushedChart { reference: OciReference; manifestDigest: string; chartDigest: string; provDigest?: string }

/** Where `helm push` puts a chart under `oci://host/repo`. */
export function pushTarget(repositoryUrl: string, meta: ChartMetadata): Result<OciReference, 'reference-invalid'> {
  const base = parseOciReference(repositoryUrl, false);
  if (!base.ok) return base;
  if (base.value.tag !== undefined || base.value.digest !== undefined) {
    return fail('reference-invalid', `${escapeUntrusted(repositoryUrl, 300)}: push takes the repository (oci://host/path), not a tag or digest; the chart goes to <path>/${escapeUntrusted(meta.name)}:${escapeUntrusted(meta.version)}.`);
  }
  return parseOciReference(`oci://${referenceText(base.value)}/${meta.name}:${meta.version}`, true);
}

export async function pushChart(client: RegistryClient, target: OciReference, meta: ChartMetadata, chartBytes: Buffer, provBytes: Buffer | undefined, created: Date): Promise<Result<PushedChart, RegistryErrorCode>> {
  const a = helmArtifact(meta, chartBytes, provBytes, created);
  const repo = target.repository;
  for (const [blob, what] of [[a.config, 'the config blob'], [a.chart, 'the chart'], ...(a.prov ? [[a.prov, 'the .prov']] as const : [])] as const) {
    const pushed = await client.pushBlob(repo, blob.bytes, blob.descriptor.digest, what);
    if (!pushed.ok) return pushed;
  }
  const manifest = await client.pushManifest(repo, target.tag!, a.manifest, OCI_MANIFEST_MEDIA_TYPE);
  if (!manifest.ok) return manifest;
  return ok({ reference: target, manifestDigest: manifest.value, chartDigest: a.chart.descriptor.digest, ...(a.prov ? { provDigest: a.prov.descriptor.digest } : {}) });
}
