// `helmProvenance/verifySigstore`: the cosign signatures beside a file, verified with the configured
// signers or the one the person named for this check, as the client's "Verify Sigstore Signature" shows
// them. Reads only: allowed in an untrusted workspace (nothing is spawned or written).
import * as path from 'node:path';
import { escapeUntrusted } from '../provenance/untrustedText';
import type { SigstoreOutcome } from '../sigstore/codes';
import { siblingLabel } from '../sigstore/siblingFiles';
import type { RequestResult, SigstoreSignatureResult, VerifySigstoreParams, VerifySigstoreResult } from './protocol';
import type { SigstoreVerification } from './sigstoreVerification';
import { fileRole } from './fileRoles';
import { pathToUri, uriToPath } from './uris';

export function signatureResult(file: string, o: SigstoreOutcome): SigstoreSignatureResult {
  return {
    file: pathToUri(file),
    verdict: o.verdict,
    code: o.code,
    message: escapeUntrusted(o.message, 2000),
    ...(o.signer ? { signer: o.signer.kind === 'key' ? { key: o.signer.fingerprint } : { identity: o.signer.identity, issuer: o.signer.issuer } } : {}),
    ...(o.tlog ? { tlog: { logIndex: o.tlog.logIndex, ...(o.tlog.integratedTime !== undefined ? { integratedTime: new Date(o.tlog.integratedTime * 1000).toISOString() } : {}) } } : {}),
    warnings: o.warnings.map((w) => ({ code: w.code, message: escapeUntrusted(w.message, 2000) })),
  };
}

export interface SigstoreRequestContext {
  progress(message: string): void;
  /** The archive a Chart.yaml's chart packages to, when there is one. */
  chartArchive(chartYaml: string): Promise<{ archive?: string }>;
}

export async function verifySigstoreRequest(params: VerifySigstoreParams, verification: SigstoreVerification, ctx: SigstoreRequestContext): Promise<RequestResult<VerifySigstoreResult>> {
  const given = uriToPath(params.uri);
  if (!given) return { ok: false, error: { code: 'io-error', message: `${escapeUntrusted(params.uri, 500)} is not a local file.` } };
  // Run on a Chart.yaml (the editor a person has open), the command means the chart: its archive, beside which cosign signs.
  const file = fileRole(given) === 'chart' ? (await ctx.chartArchive(given)).archive ?? given : given;
  ctx.progress(`Verifying the cosign signatures of ${path.basename(file)}…`);
  const { artifact, results } = await verification.verifyFile(file, params.identity);
  return {
    ok: true,
    artifact: pathToUri(artifact),
    signatures: results.map((r) => signatureResult(r.files.kind === 'bundle' ? r.files.bundle : r.files.signature, {
      ...r.outcome, message: `${siblingLabel(r.files)}: ${r.outcome.message}`,
    })),
  };
}
