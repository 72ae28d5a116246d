// Text and JSON renderings of a Sigstore outcome, shared by `verify-blob` and the cosign lines of
// `verify`. Everything quoted from a signature passes through escapeUntrusted().
import type { SigstoreOutcome } from '../sigstore/codes';
import { escapeUntrusted } from '../provenance/untrustedText';
import { sigstoreWords } from '../sigstore/outcomeWords';

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

// Nothing wrong was found with these: no signer was named, or another one was. The editor says so as a
// warning or names the signer's setting; here the words say it and which flag names the signer.
const SIGNER_FLAGS: Partial<Record<string, string>> = {
  'identity-required': '',
  'identity-mismatch': '--certificate-identity (or --certificate-identity-regexp)',
  'issuer-mismatch': '--certificate-oidc-issuer (or --certificate-oidc-issuer-regexp)',
};

/**
 * `verified`, `rejected (code)`, or for a signer not named or not matched the editor's words
 * (`identity required (identity-required): not verified`); then the message and what to do, indented.
 */
export function sigstoreVerdictLines(o: { verdict: string; code: string; message: string }): string[] {
  const message = `  ${escapeUntrusted(o.message, 4000)}`;
  if (o.verdict === 'verified') return ['verified', message];
  const flags = SIGNER_FLAGS[o.code];
  if (flags === undefined) return [`rejected (${o.code})`, message];
  const head = `${sigstoreWords(o.code).summary.toLowerCase()} (${o.code}): not verified`;
  // identity-required's message already names the flags.
  return flags ? [head, message, `  If you expect this signer, name it with ${flags}.`] : [head, message];
}

/** The verdict lines, then the warnings on indented lines. */
export function formatSigstoreOutcome(o: SigstoreOutcome): string {
  return [
    ...sigstoreVerdictLines(o),
    ...o.warnings.map((w) => `  warning (${w.code}): ${escapeUntrusted(w.message, 2000)}`),
  ].join('\n');
}
