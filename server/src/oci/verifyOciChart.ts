// `helm-prov verify oci://…`: pull into memory, then the OpenPGP verdict on the chart layer and the
// `.prov` layer. One outcome with one primary code: a registry code when the chart could not be pulled
// intact, else the OpenPGP code. The `.prov`'s signed digest is compared with the chart layer's digest
// (the bytes were checked against that digest while they streamed).
import type { Code, Problem } from '../provenance/codes';
import { escapeUntrusted } from '../provenance/untrustedText';
import type { Outcome, VerifyOptions } from '../provenance/verify';
import { pullChart, type PullOptions, type PulledChart } from './pullChart';
import { referenceText, type OciReference } from './reference';
import type { CosignOutcome } from './cosignSignatures';
import type { RegistryClient } from './registryClient';
import { verifyFetchedChart } from './verifyFetched';

export interface OciVerifyOutcome {
  reference: string;
  verdict: 'verified' | 'rejected';
  code: Code;
  message: string;
  manifestDigest?: string;
  /** The chart layer's digest, as the manifest names it. */
  chartDigest?: string;
  warnings: Problem[];
  openpgp?: Outcome;
  /** The cosign verdict, when cosign trust was given. */
  cosign?: CosignOutcome;
  /** What was pulled and the file name it would be saved as (for --destination). */
  pulled?: PulledChart & { archiveName: string };
}

export async function verifyOciChart(ref: OciReference, client: RegistryClient, options: VerifyOptions & PullOptions): Promise<OciVerifyOutcome> {
  const reference = `oci://${referenceText(ref)}`;
  const pulled = await pullChart(client, ref, options);
  if (!pulled.ok) return { reference, verdict: 'rejected', code: pulled.error.code, message: pulled.error.message, warnings: [] };
  const p = pulled.value;
  const base = { reference, manifestDigest: p.manifestDigest, chartDigest: p.chart.descriptor.digest };
  // Helm saves the pull as <name>-<version>.tgz after the config blob; that is the name the .prov signs.
  const name = p.config.name ?? ref.repository.split('/').pop()!;
  const version = p.config.version ?? ref.tag ?? 'unknown';
  const archiveName = `${name}-${version}.tgz`;
  const openpgp = await verifyFetchedChart({ bytes: p.chart.bytes, prov: p.prov?.bytes, archiveName, origin: reference }, options);
  const warnings = [...p.warnings, ...openpgp.warnings];
  const pulledWithName = { ...p, archiveName };
  if (openpgp.verdict !== 'verified') {
    return { ...base, verdict: 'rejected', code: openpgp.code, message: openpgp.message, warnings, openpgp, pulled: pulledWithName };
  }
  // Verified means the .prov signs sha256(chart bytes); say so against the manifest's own descriptor too.
  if (p.chart.descriptor.digest !== `sha256:${openpgp.digest?.actual}`) {
    return { ...base, verdict: 'rejected', code: 'hash-mismatch', message: `The .prov signs sha256:${openpgp.digest?.actual ?? '?'}, but the manifest names the chart layer ${p.chart.descriptor.digest}.`, warnings, openpgp, pulled: pulledWithName };
  }
  if (p.config.name !== undefined && p.config.version !== undefined && openpgp.chart && (p.config.name !== openpgp.chart.name || p.config.version !== openpgp.chart.version)) {
    return {
      ...base, verdict: 'rejected', code: 'manifest-invalid', warnings, openpgp, pulled: pulledWithName,
      message: `The config blob names ${escapeUntrusted(p.config.name)} ${escapeUntrusted(p.config.version)} but the signed chart is ${escapeUntrusted(openpgp.chart.name)} ${escapeUntrusted(openpgp.chart.version)}: Helm would save it under the wrong name.`,
    };
  }
  return { ...base, verdict: 'verified', code: 'verified', message: openpgp.message, warnings, openpgp, pulled: pulledWithName };
}

/**
 * Both verdicts when cosign trust is given: verified when the cosign signature verifies and the OpenPGP
 * check verifies or finds no `.prov` at all (a chart signed with cosign only); a `.prov` that fails
 * rejects the chart, as does any cosign failure. A chart that could not be pulled intact stays rejected.
 */
export function withCosign(o: OciVerifyOutcome, cosign: CosignOutcome): OciVerifyOutcome {
  if (!o.openpgp) return { ...o, cosign };
  if (cosign.verdict !== 'verified') return { ...o, verdict: 'rejected', code: cosign.code, message: `cosign: ${cosign.message}`, cosign };
  if (o.verdict === 'verified' || o.code === 'missing-prov') return { ...o, verdict: 'verified', code: 'verified', message: o.verdict === 'verified' ? o.message : cosign.message, cosign };
  return { ...o, cosign };
}
