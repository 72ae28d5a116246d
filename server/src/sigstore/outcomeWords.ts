// A few words per Sigstore code, the same in the editor (status, CodeLens: lsp/statusSigstore.ts,
// codeLens.ts) and the CLI (cli/sigstoreFormat.ts): a summary, and the reason shown after a dash in a
// CodeLens.
import type { SigstoreOutcomeCode } from './codes';

const SIGSTORE_WORDS: Record<SigstoreOutcomeCode, { summary: string; reason: string }> = {
  verified: { summary: 'Verified', reason: 'signature, certificate and log entry hold' },
  // The lens runs Verify Chart, whose notification offers Trust a Sigstore signer (codeActions.ts); short
  // enough that the cosign lens beside it is not cut off. The bundle's diagnostic names the setting.
  'identity-required': { summary: 'Identity required', reason: 'click to name the signer you expect' },
  'signature-invalid': { summary: 'Signature invalid', reason: 'the signature does not match the archive' },
  // Not "changed after signing": beside a verifying .prov the archive is as signed, the cosign signature is for other bytes.
  'digest-mismatch': { summary: 'Digest mismatch', reason: 'the archive is not the one that was signed' },
  'identity-mismatch': { summary: 'Identity mismatch', reason: 'signed by an identity you do not trust; click to name the signer you expect' },
  'issuer-mismatch': { summary: 'Issuer mismatch', reason: 'vouched for by an issuer you do not trust; click to name the signer you expect' },
  'certificate-invalid': { summary: 'Certificate invalid', reason: 'the certificate does not chain to your trusted root' },
  'no-trusted-time': { summary: 'No trusted time', reason: 'no log entry says when it was signed' },
  'timestamp-invalid': { summary: 'Timestamp invalid', reason: 'the signed timestamp does not verify' },
  'tlog-invalid': { summary: 'Log entry invalid', reason: 'the transparency-log entry does not verify' },
  'tlog-missing': { summary: 'Log entry missing', reason: 'nothing public records the signature' },
  'bundle-malformed': { summary: 'Malformed signature', reason: 'the signature file cannot be read' },
  'untrusted-key': { summary: 'Untrusted key', reason: 'signed with a public key, not a Sigstore certificate' },
  unsupported: { summary: 'Unsupported signature', reason: 'a kind of signature this version cannot check' },
  'trusted-root-invalid': { summary: 'Trusted root invalid', reason: 'the trusted root cannot be used' },
  'root-expired': { summary: 'Trusted root expired', reason: 'the trusted root is past its expiry' },
  'root-rotation-invalid': { summary: 'Root update invalid', reason: 'the trusted root\'s update does not verify' },
  'mirror-unreachable': { summary: 'Mirror unreachable', reason: 'the TUF mirror cannot be reached' },
  'artifact-unreadable': { summary: 'Archive unreadable', reason: 'the archive cannot be read' },
};

export function sigstoreWords(code: string): { summary: string; reason: string } {
  return SIGSTORE_WORDS[code as SigstoreOutcomeCode] ?? { summary: code, reason: 'see Verify Sigstore Signature' };
}
