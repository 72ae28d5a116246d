// How the editor fetches and verifies a chart reference: the dependency lens and "Verify Chart
// Reference…" both go through here, so they reach a registry the same way. The editor cannot ask for
// flags: a registry on this machine is spoken to in plain HTTP, any other over TLS; credentials come
// from Helm's and Docker's config files (and their helpers), never from the request, and are never in
// a message.
import type { DependencyPlan } from '../oci/dependencies';
import type { OciReference } from '../oci/reference';
import type { RegistryClient } from '../oci/registryClient';
import type { OciVerifyOutcome } from '../oci/verifyOciChart';
import type { RepoVerifyOutcome } from '../oci/verifyRepoChart';
import type { VerifyOptions } from '../provenance/verify';
import type { PullOptions } from '../oci/pullChart';

/** A URL's `user:password@` never reaches a message (a repositories.yaml URL may carry one). */
export function withoutUserinfo(text: string): string {
  return text.replace(/(:\/\/)[^/@\s]*@/g, '$1');
}

export type PlanOutcome =
  | { kind: 'oci'; outcome: OciVerifyOutcome; client: RegistryClient; ref: OciReference }
  | { kind: 'repo'; outcome: RepoVerifyOutcome }
  | { kind: 'failed'; outcome: { verdict: 'rejected'; code: string; message: string }; transient: boolean };

/** Fetches and verifies one planned chart (OpenPGP); the pulled bytes are given back to the budget before returning. */
export async function verifyPlanned(plan: DependencyPlan & { kind: 'oci' | 'repo' }, options: VerifyOptions & PullOptions): Promise<PlanOutcome> {
  const { makeTransport } = await import('../oci/transport');
  if (plan.kind === 'repo') {
    const { verifyRepoChart } = await import('../oci/verifyRepoChart');
    return { kind: 'repo', outcome: await verifyRepoChart(plan.url, plan.name, plan.version, makeTransport(), options) };
  }
  const { parseOciReference, isLoopbackRegistry } = await import('../oci/reference');
  const ref = parseOciReference(plan.reference, true);
  if (!ref.ok) return { kind: 'failed', outcome: { verdict: 'rejected', code: ref.error.code, message: ref.error.message }, transient: false };
  const { credentialsFor } = await import('../oci/credentialStore');
  const credentials = await credentialsFor(ref.value.registry);
  if (!credentials.ok) return { kind: 'failed', outcome: { verdict: 'rejected', code: credentials.error.code, message: `credentials — ${credentials.error.message}` }, transient: true };
  const { RegistryClient } = await import('../oci/registryClient');
  const client = new RegistryClient(ref.value.registry, { plainHttp: isLoopbackRegistry(ref.value.registry), transport: makeTransport(), ...(credentials.value ? { credentials: credentials.value } : {}) });
  const { verifyOciChart } = await import('../oci/verifyOciChart');
  const outcome = await verifyOciChart(ref.value, client, options);
  outcome.pulled?.release();
  const { pulled, ...kept } = outcome;
  return { kind: 'oci', outcome: kept, client, ref: ref.value };
}
