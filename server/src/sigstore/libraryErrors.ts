// What @sigstore/verify's errors mean for a person: each of its error codes (and the detail its
// messages carry) becomes one of our outcome codes with an explanation and what to do.
import { escapeUntrusted } from '../provenance/untrustedText';
import type { SigstoreOutcomeCode } from './codes';

export interface Explained { code: SigstoreOutcomeCode; message: string }

/** The innermost message of an error and its causes ("Failed to verify certificate chain: certificate is not valid …"). */
function detailOf(e: unknown): string {
  const parts: string[] = [];
  let cur = e as { message?: string; cause?: unknown } | undefined;
  for (let depth = 0; cur && depth < 4; depth++) {
    if (typeof cur.message === 'string' && cur.message) parts.push(cur.message);
    cur = cur.cause as typeof cur;
  }
  return escapeUntrusted(parts.join(': '), 400);
}

export function explainLibraryError(e: unknown): Explained {
  const code = (e as { code?: unknown })?.code;
  const detail = detailOf(e);
  switch (code) {
    case 'SIGNATURE_ERROR':
      return { code: 'signature-invalid', message: 'The signature does not match the artifact under the signer\'s key: the artifact changed after it was signed, or the signature belongs to another file. Do not use it.' };
    case 'TLOG_BODY_ERROR':
      if (/digest mismatch|payload hash mismatch/.test(detail)) {
        return { code: 'tlog-invalid', message: `The transparency-log entry records another artifact than the bundle (${detail}): the bundle was put together from parts. Ask for a fresh bundle.` };
      }
      return { code: 'tlog-invalid', message: `The transparency-log entry does not record this signature (${detail}): the bundle was altered or put together from parts. Ask for a fresh bundle.` };
    case 'TLOG_INCLUSION_PROMISE_ERROR':
      return { code: 'tlog-invalid', message: 'The log\'s signed promise of inclusion (SET) does not verify with a trusted log key: the entry was altered (index, time, body) or comes from a log your trusted root does not hold.' };
    case 'TLOG_INCLUSION_PROOF_ERROR':
      return { code: 'tlog-invalid', message: `The inclusion proof of the log entry does not verify (${detail}): the entry is not proven to be in a trusted log.` };
    case 'TLOG_MISSING_INCLUSION_ERROR':
      return { code: 'tlog-missing', message: 'The log entry has neither an inclusion promise nor an inclusion proof: nothing shows it was logged.' };
    case 'TLOG_ERROR':
      return { code: /expected \d+ tlog entries/.test(detail) ? 'tlog-missing' : 'tlog-invalid', message: `The transparency-log entries do not suffice (${detail}). A Sigstore signature must be logged; ask for a bundle with its log entry.` };
    case 'TIMESTAMP_ERROR':
      if (/expected \d+ timestamps, got 0/.test(detail)) {
        return { code: 'no-trusted-time', message: 'Nothing trusted says when this was signed (no log integrated time and no timestamp-authority timestamp): a short-lived certificate cannot be shown to have been valid at signing time.' };
      }
      return { code: 'timestamp-invalid', message: `The signed timestamp does not verify (${detail}): it is not from a timestamp authority your trusted root holds for that time, or it is not over this signature.` };
    case 'CERTIFICATE_ERROR':
      if (/SCT/.test(detail)) return { code: 'certificate-invalid', message: `The certificate's CT log proof (SCT) does not verify with your trusted root (${detail}).` };
      if (/not valid or expired/.test(detail)) {
        return { code: 'certificate-invalid', message: 'The certificate was not valid at the trusted time of signing (the log\'s integrated time or the timestamp): it was used outside its few minutes of validity.' };
      }
      return { code: 'certificate-invalid', message: `The certificate does not chain to a certificate authority in your trusted root for the time of signing (${detail}): it is from another Sigstore instance (staging? a private one? use --staging or --trusted-root), or forged.` };
    case 'PUBLIC_KEY_ERROR':
      return { code: 'untrusted-key', message: `The signing key is not one you trust (${detail}).` };
    case 'UNTRUSTED_SIGNER_ERROR':
      return { code: 'identity-mismatch', message: `The certificate's identity is not the one required (${detail}).` };
    default:
      return { code: 'bundle-malformed', message: `The bundle could not be checked: ${detail}.` };
  }
}
