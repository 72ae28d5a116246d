// Pulling a chart as `helm pull oci://…` does, into memory only: the manifest (by tag or pinned
// digest), then its config, chart and `.prov` blobs, each refused unless its bytes have the digest and
// size the manifest names — before anything parses them.
import { fail, ok, type Problem, type Result } from '../provenance/codes';
import { MAX_PROV_BYTES } from '../provenance/provDocument';
import { escapeUntrusted } from '../provenance/untrustedText';
import type { RegistryErrorCode } from './codes';
import { MAX_CONFIG_BYTES } from './limits';
import { parseChartManifest, type Descriptor } from './manifest';
import { referenceText, type OciReference } from './reference';
import type { RegistryClient } from './registryClient';
import type { ByteBudget } from './byteBudget';
import { parseUntrustedJson } from '../provenance/untrustedJson';

export interface PulledChart {
  manifestDigest: string;
  chart: { descriptor: Descriptor; bytes: Buffer };
  prov?: { descriptor: Descriptor; bytes: Buffer };
  /** The config blob's chart name and version (what Helm names the file after), when it has them. */
  config: { name?: string; version?: string };
  annotations: Record<string, string>;
  warnings: Problem[];
  /** Gives the chart layer's bytes back to the run's budget: call it once the result is reported. */
  release: () => void;
}

export interface PullOptions {
  /** The chart layer's limit (bytes). */
  maxLayerBytes: number;
  /** The bytes of chart layers the whole run may hold at once (several pulls at a time). */
  budget?: ByteBudget;
}

function configFacts(bytes: Buffer): Result<{ name?: string; version?: string }, 'manifest-invalid'> {
  try {
    const c = parseUntrustedJson(bytes.toString('utf8')) as Record<string, unknown>;
    if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new Error('not an object');
    return ok({ ...(typeof c.name === 'string' ? { name: c.name } : {}), ...(typeof c.version === 'string' ? { version: c.version } : {}) });
  } catch {
    return fail('manifest-invalid', 'The chart\'s config blob is not a JSON object (Helm stores Chart.yaml there as JSON).');
  }
}

export async function pullChart(client: RegistryClient, ref: OciReference, options: PullOptions): Promise<Result<PulledChart, RegistryErrorCode>> {
  const shown = escapeUntrusted(referenceText(ref), 300);
  const fetched = await client.manifest(ref.repository, ref.digest ?? ref.tag!, ref.digest);
  if (!fetched.ok) return fetched;
  const parsed = parseChartManifest(fetched.value.bytes, fetched.value.contentType);
  if (!parsed.ok) return fail(parsed.error.code, `${shown}: ${parsed.error.message}`);
  const m = parsed.value;
  const config = await client.blob(ref.repository, m.config, MAX_CONFIG_BYTES, `the config blob of ${shown}`);
  if (!config.ok) return config;
  const facts = configFacts(config.value);
  if (!facts.ok) return facts;
  // Reserved before the download: a layer over the limit is refused by its declared size first.
  const release = m.chart.size <= options.maxLayerBytes && options.budget ? await options.budget.take(m.chart.size) : () => undefined;
  const chart = await client.blob(ref.repository, m.chart, options.maxLayerBytes, `the chart layer of ${shown}`);
  if (!chart.ok) { release(); return chart; }
  let prov: PulledChart['prov'];
  if (m.prov) {
    const bytes = await client.blob(ref.repository, m.prov, MAX_PROV_BYTES, `the .prov layer of ${shown}`);
    if (!bytes.ok) { release(); return bytes; }
    prov = { descriptor: m.prov, bytes: bytes.value };
  }
  return ok({
    manifestDigest: fetched.value.digest,
    chart: { descriptor: m.chart, bytes: chart.value },
    ...(prov ? { prov } : {}),
    config: facts.value,
    annotations: m.manifest.annotations,
    warnings: m.warnings,
    release,
  });
}
