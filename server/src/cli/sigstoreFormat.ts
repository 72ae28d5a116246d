// Text and JSON renderings of a Sigstore outcome, shared by `verify-blob` and the cosign lines of
// `verify`. Everything quoted from a signature passes through escapeUntrusted().
import type { SigstoreOutcome } from '../sigstore/codes';
import { escapeUntrusted } from '../provenance/untrustedText';

/** The issue's --json fields after "artifact": verdict, code, warnings, signer, tlog, message. */
export function sigstoreOutcomeJson(o: SigstoreOutcome) {
  return {
    verdict: o.verdict,
    code: o.code,
    warnings: o.warnings.map((w) => w.code),
    signer: !o.signer ? null : o.signer.kind === 'key' ? { key: o.signer.fingerprint } : { identity: o.signer.identity, issuer: o.signer.issuer },
    tlog: o.tlog ? { logIndex: Number(o.tlog.logIndex), integratedTime: o.tlog.integratedTime ?? null } : null,
    message: o.message,
  };
}

/** `verified` or `rejected (code)`, then the message and the warnings on indented lines. */
export function formatSigstoreOutcome(o: SigstoreOutcome): string {
  return [
    `${o.verdict}${o.verdict === 'verified' ? '' : ` (${o.code})`}`,
    `  ${escapeUntrusted(o.message, 4000)}`,
    ...o.warnings.map((w) => `  warning (${w.code}): ${escapeUntrusted(w.message, 2000)}`),
  ].join('\n');
}
