// An OCI image manifest read as a Helm chart: its config, chart and `.prov` layers, with the media
// types Helm writes (pkg/registry/constants.go) and the legacy `application/tar+gzip` Helm still pulls
// with a warning. Pure: bytes in, descriptors out; nothing here fetches.
import { fail, ok, type Problem, type Result } from '../provenance/codes';
import { escapeUntrusted } from '../provenance/untrustedText';
import { MAX_LAYERS } from './limits';
import { parseUntrustedJson } from '../provenance/untrustedJson';

export const OCI_MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_MANIFEST_MEDIA_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';
export const HELM_CONFIG_MEDIA_TYPE = 'application/vnd.cncf.helm.config.v1+json';
export const HELM_CHART_MEDIA_TYPE = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
export const HELM_PROV_MEDIA_TYPE = 'application/vnd.cncf.helm.chart.provenance.v1.prov';
export const LEGACY_CHART_MEDIA_TYPE = 'application/tar+gzip';

/** What a manifest request accepts: the two manifest formats a chart can be stored in. */
export const MANIFEST_ACCEPT = `${OCI_MANIFEST_MEDIA_TYPE}, ${DOCKER_MANIFEST_MEDIA_TYPE}`;

export interface Descriptor {
  mediaType: string;
  /** `sha256:<64 hex>` or `sha512:<128 hex>`: checked here, so a fetch can hash with it. */
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations: Record<string, string>;
}

export interface ChartManifest {
  manifest: ImageManifest;
  config: Descriptor;
  chart: Descriptor;
  prov?: Descriptor;
  warnings: Problem[];
}

const DIGEST = /^(?:sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/;

function invalid(why: string) {
  return fail('manifest-invalid', `The manifest is not a Helm chart manifest: ${why}.`);
}

function stringMap(value: unknown, where: string): Record<string, string> | string {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) return `${where} is not an object`;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') return `${where}["${escapeUntrusted(k, 100)}"] is not a string`;
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function descriptor(value: unknown, where: string): Descriptor | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${where} is not a descriptor object`;
  const d = value as Record<string, unknown>;
  if (typeof d.mediaType !== 'string' || d.mediaType.length > 255) return `${where} has no media type`;
  if (typeof d.digest !== 'string' || !DIGEST.test(d.digest)) return `${where}'s digest "${escapeUntrusted(String(d.digest), 140)}" is not sha256:<64 hex> or sha512:<128 hex>`;
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) return `${where}'s size is not a non-negative integer`;
  const annotations = stringMap(d.annotations, `${where}.annotations`);
  if (typeof annotations === 'string') return annotations;
  return { mediaType: d.mediaType, digest: d.digest, size: d.size, ...(Object.keys(annotations).length ? { annotations } : {}) };
}

/** Any OCI or Docker v2 image manifest (a chart's, or a cosign signature's). */
export function parseImageManifest(bytes: Buffer, contentType?: string): Result<ImageManifest, 'manifest-invalid'> {
  let json: unknown;
  try { json = parseUntrustedJson(bytes.toString('utf8')); } catch { return invalid('it is not JSON'); }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return invalid('it is not a JSON object');
  const m = json as Record<string, unknown>;
  if (m.schemaVersion !== 2) return invalid(`schemaVersion is ${escapeUntrusted(JSON.stringify(m.schemaVersion) ?? 'missing', 40)}, not 2`);
  const mediaType = typeof m.mediaType === 'string' ? m.mediaType : contentType?.split(';')[0].trim();
  if (mediaType !== undefined && mediaType !== OCI_MANIFEST_MEDIA_TYPE && mediaType !== DOCKER_MANIFEST_MEDIA_TYPE) {
    return invalid(/index|list/.test(mediaType) ? `it is an index of several manifests (${escapeUntrusted(mediaType, 120)}), not one chart` : `its media type is ${escapeUntrusted(mediaType, 120)}`);
  }
  const config = descriptor(m.config, 'config');
  if (typeof config === 'string') return invalid(config);
  if (!Array.isArray(m.layers)) return invalid('it has no layers list');
  if (m.layers.length > MAX_LAYERS) return invalid(`it lists ${m.layers.length} layers (more than ${MAX_LAYERS})`);
  const layers: Descriptor[] = [];
  for (let i = 0; i < m.layers.length; i++) {
    const d = descriptor(m.layers[i], `layers[${i}]`);
    if (typeof d === 'string') return invalid(d);
    layers.push(d);
  }
  const annotations = stringMap(m.annotations, 'annotations');
  if (typeof annotations === 'string') return invalid(annotations);
  return ok({ ...(mediaType !== undefined ? { mediaType } : {}), config, layers, annotations });
}

/** The manifest as Helm reads it on pull: a Helm config, exactly one chart layer, at most one `.prov` layer. */
export function parseChartManifest(bytes: Buffer, contentType?: string): Result<ChartManifest, 'manifest-invalid'> {
  const parsed = parseImageManifest(bytes, contentType);
  if (!parsed.ok) return parsed;
  const manifest = parsed.value;
  if (manifest.config.mediaType !== HELM_CONFIG_MEDIA_TYPE) return invalid(`its config is ${escapeUntrusted(manifest.config.mediaType, 120)}, not ${HELM_CONFIG_MEDIA_TYPE} (is this a container image?)`);
  const warnings: Problem[] = [];
  const charts = manifest.layers.filter((l) => l.mediaType === HELM_CHART_MEDIA_TYPE);
  const legacy = manifest.layers.filter((l) => l.mediaType === LEGACY_CHART_MEDIA_TYPE);
  const provs = manifest.layers.filter((l) => l.mediaType === HELM_PROV_MEDIA_TYPE);
  if (charts.length + legacy.length !== 1) return invalid(charts.length + legacy.length === 0 ? `it has no ${HELM_CHART_MEDIA_TYPE} layer` : 'it has more than one chart layer');
  if (legacy.length === 1) {
    warnings.push({ code: 'legacy-media-type', severity: 'warning', message: `The chart layer has the legacy media type ${LEGACY_CHART_MEDIA_TYPE} (charts pushed before Helm 3.8); Helm pulls it with a warning. Push the chart again with a current Helm.` });
  }
  if (provs.length > 1) return invalid('it has more than one .prov layer');
  return ok({ manifest, config: manifest.config, chart: charts[0] ?? legacy[0], ...(provs[0] ? { prov: provs[0] } : {}), warnings });
}
