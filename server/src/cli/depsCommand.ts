// `helm-prov deps <chart-dir>`: every dependency in Chart.yaml verified where it lives (an OCI registry or
// a chart repository) at the version Chart.lock pins, and Chart.lock's digest checked against Chart.yaml.
// One line (or JSON object) per dependency, each with its code; exit 1 when any is not verified.
import * as path from 'node:path';
import { escapeUntrusted, jsonLine } from '../provenance/untrustedText';
import { parseCommandArgs, UsageError } from './args';
import type { Io } from './io';
import { verifyOptions, type RemoteOutcome } from './ociCommands';
import { clientFor, connectionOptions, positiveNumber, refuseRemotePlainHttp, repoUrl, transportFor } from './registryOptions';
import { loadCheckKeys } from './loadKeys';

export async function depsCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { ...connectionOptions, keyring: verifyOptions.keyring, trust: verifyOptions.trust, json: verifyOptions.json, 'max-layer-bytes': verifyOptions['max-layer-bytes'] });
  if (positionals.length !== 1) throw new UsageError('deps takes one chart directory');
  const dir = positionals[0];
  const { readBoundedFile } = await import('../provenance/boundedRead');
  const { MAX_CHART_YAML_BYTES } = await import('../provenance/archiveLimits');
  const { parseChartYaml, parseChartLock } = await import('../provenance/chartYaml');
  const chartRead = readBoundedFile(path.join(dir, 'Chart.yaml'), MAX_CHART_YAML_BYTES);
  if (!chartRead.ok) throw new UsageError(`${escapeUntrusted(dir, 2000)} is not a chart directory: ${escapeUntrusted(chartRead.message, 2000)}`);
  const meta = parseChartYaml(chartRead.bytes);
  if (!meta.ok) { io.err(`Error: ${escapeUntrusted(meta.error.message, 2000)} [${meta.error.code}]`); return 1; }
  const lockRead = readBoundedFile(path.join(dir, 'Chart.lock'), MAX_CHART_YAML_BYTES);
  if (!lockRead.ok && lockRead.reason !== 'missing') { io.err(`Error: ${escapeUntrusted(lockRead.message, 2000)}`); return 1; }
  const lock = lockRead.ok ? parseChartLock(lockRead.bytes) : undefined;
  if (lock && !lock.ok) { io.err(`Error: ${escapeUntrusted(lock.error.message, 2000)} [${lock.error.code}]`); return 1; }
  const { lockDigest, planDependencies } = await import('../oci/dependencies');
  const { DEFAULT_MAX_LAYER_BYTES } = await import('../oci/limits');
  const maxLayerBytes = positiveNumber(values['max-layer-bytes'], 'max-layer-bytes') ?? DEFAULT_MAX_LAYER_BYTES;
  const keys = await loadCheckKeys(values.keyring, io);
  if (!keys) return 1;
  let failed = 0;
  const report = (o: Record<string, unknown> & { code: string; message: string }, head: string, verdict: string) => {
    if (values.json) io.out(jsonLine(o));
    else { io.out(`${head}: ${verdict}${verdict === 'verified' ? '' : ` (${o.code})`}`); io.out(`  ${escapeUntrusted(o.message, 4000)}`); }
  };
  if (lock?.ok) {
    const expected = lockDigest(meta.value.dependencies, lock.value.dependencies);
    const same = expected === lock.value.digest;
    if (!same) failed++;
    report({ file: 'Chart.lock', verdict: same ? 'verified' : 'rejected', code: same ? 'verified' : 'lock-digest-mismatch', digest: lock.value.digest,
      message: same ? `Chart.lock's digest ${lock.value.digest} is Helm's hash of Chart.yaml's dependencies and the locked ones.`
        : `Chart.lock's digest is ${escapeUntrusted(lock.value.digest, 200)}, but Chart.yaml's and Chart.lock's dependencies hash to ${expected}: Chart.yaml changed after helm dependency update (Helm says the lock file is out of sync). Run helm dependency update.` }, 'Chart.lock', same ? 'verified' : 'rejected');
  }
  const clients = new Map<string, import('../oci/registryClient').RegistryClient | undefined>();
  const { readRepositoryAliases } = await import('../oci/repositoryAliases');
  for (const plan of planDependencies(meta.value.dependencies ?? [], lock?.ok ? lock.value : undefined, readRepositoryAliases())) {
    const head = `${escapeUntrusted(plan.name)} ${escapeUntrusted(plan.version ?? '?')} (${escapeUntrusted(plan.repository || 'no repository')})`;
    const base = { dependency: plan.name, version: plan.version ?? null, repository: plan.repository };
    if (plan.kind === 'local' || plan.kind === 'unresolved') {
      if (plan.kind === 'unresolved') failed++;
      report({ ...base, verdict: plan.kind === 'local' ? 'local' : 'rejected', code: plan.kind === 'local' ? 'dependency-local' : 'dependency-unresolved', message: plan.reason }, head, plan.kind === 'local' ? 'local' : 'rejected');
      continue;
    }
    let o: RemoteOutcome;
    if (plan.kind === 'oci') {
      const { parseOciReference } = await import('../oci/reference');
      const ref = parseOciReference(plan.reference, true);
      if (!ref.ok) { failed++; report({ ...base, verdict: 'rejected', code: 'dependency-unresolved', message: ref.error.message }, head, 'rejected'); continue; }
      if (!clients.has(ref.value.registry)) clients.set(ref.value.registry, await clientFor(ref.value.registry, values, io));
      const client = clients.get(ref.value.registry);
      if (!client) { failed++; continue; }
      const { verifyOciChart } = await import('../oci/verifyOciChart');
      o = await verifyOciChart(ref.value, client, { keys, trustedFingerprints: values.trust, maxLayerBytes });
    } else {
      const url = repoUrl(plan.url, values['plain-http'] ?? false);
      if (url.startsWith('http:')) await refuseRemotePlainHttp(new URL(url).host);
      const { verifyRepoChart } = await import('../oci/verifyRepoChart');
      o = await verifyRepoChart(url, plan.name, plan.version, await transportFor(values), { keys, trustedFingerprints: values.trust, maxLayerBytes });
    }
    if (o.verdict !== 'verified') failed++;
    const signer = o.openpgp?.signer;
    report({ ...base, verdict: o.verdict, code: o.code, signer: signer ? { fingerprint: signer.fingerprint, uid: signer.uid ?? null } : null, message: o.message }, head, o.verdict);
  }
  return failed ? 1 : 0;
}
