// What `helm push` stores, byte for byte (Helm 4.1.4, pkg/registry/client.go Push and chart.go): the
// config blob json.Marshal(chart.Metadata), the chart layer, the `.prov` layer when there is one, and a
// manifest {schemaVersion, config, layers, annotations} with Helm's OCI annotations. Pure.
import { createHash } from 'node:crypto';
import type { ChartMetadata } from '../provenance/chartMetadata';
import { goJsonString, goJsonStringMap, helmMetadataJson } from '../provenance/go/goJson';
import { goTrimSpace } from '../provenance/go/unicodeSpace';
import { HELM_CHART_MEDIA_TYPE, HELM_CONFIG_MEDIA_TYPE, HELM_PROV_MEDIA_TYPE, type Descriptor } from './manifest';

export interface HelmArtifact {
  config: { descriptor: Descriptor; bytes: Buffer };
  chart: { descriptor: Descriptor; bytes: Buffer };
  prov?: { descriptor: Descriptor; bytes: Buffer };
  manifest: Buffer;
}

function describe(mediaType: string, bytes: Buffer): Descriptor {
  return { mediaType, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length };
}

function descriptorJson(d: Descriptor): string {
  return `{"mediaType":${goJsonString(d.mediaType)},"digest":${goJsonString(d.digest)},"size":${d.size}}`;
}

/** Go's time.Now().UTC().Format(time.RFC3339): seconds, `Z`. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** generateOCIAnnotations: the chart's fields as org.opencontainers.image.*, then its own annotations (not title or version). */
export function helmOciAnnotations(meta: ChartMetadata, created: string): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (key: string, value: string | undefined) => { if (value !== undefined && goTrimSpace(value) !== '') out[key] = value; };
  add('org.opencontainers.image.description', meta.description);
  add('org.opencontainers.image.title', meta.name);
  add('org.opencontainers.image.version', meta.version);
  add('org.opencontainers.image.url', meta.home);
  add('org.opencontainers.image.created', created);
  if (meta.sources && meta.sources.length > 0) add('org.opencontainers.image.source', meta.sources[0]);
  if (meta.maintainers && meta.maintainers.length > 0) {
    add('org.opencontainers.image.authors', meta.maintainers.map((m) => `${m.name ?? ''}${m.email ? ` (${m.email})` : ''}`).join(', '));
  }
  for (const [key, value] of Object.entries(meta.annotations ?? {})) {
    if (key === 'org.opencontainers.image.version' || key === 'org.opencontainers.image.title') continue;
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The blobs and manifest `helm push` would store for this chart (and its `.prov`) at `created`. */
export function helmArtifact(meta: ChartMetadata, chartBytes: Buffer, provBytes: Buffer | undefined, created: Date): HelmArtifact {
  const configBytes = Buffer.from(helmMetadataJson(meta), 'utf8');
  const config = { descriptor: describe(HELM_CONFIG_MEDIA_TYPE, configBytes), bytes: configBytes };
  const chart = { descriptor: describe(HELM_CHART_MEDIA_TYPE, chartBytes), bytes: chartBytes };
  const prov = provBytes ? { descriptor: describe(HELM_PROV_MEDIA_TYPE, provBytes), bytes: provBytes } : undefined;
  const layers = [chart.descriptor, ...(prov ? [prov.descriptor] : [])];
  const annotations = helmOciAnnotations(meta, rfc3339(created));
  const manifest = Buffer.from(`{"schemaVersion":2,"config":${descriptorJson(config.descriptor)},"layers":[${layers.map(descriptorJson).join(',')}]${Object.keys(annotations).length ? `,"annotations":${goJsonStringMap(annotations)}` : ''}}`, 'utf8');
  return { config, chart, ...(prov ? { prov } : {}), manifest };
}
