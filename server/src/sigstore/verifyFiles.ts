// One entry point from signature files (as bytes) to an outcome, for every caller that holds files:
// `helm-prov verify-blob`, the cosign siblings of a chart archive (`helm-prov verify`, the language
// server, the client's command). Which format a file is in is decided here once: a Sigstore bundle,
// cosign's older `--bundle` JSON, or a `.sig` with its `.cert` (and optionally the Rekor entry).
// Without a trust policy nothing is verified: a certificate-signed file is `identity-required`
// (naming the identity it claims, so the user can decide), a key-signed one `untrusted-key`.
import { escapeUntrusted } from '../provenance/untrustedText';
import type { Artifact } from './artifact';
import { parseBundle } from './bundle';
import type { SigstoreOutcome, SigstoreOutcomeCode, SigstoreSigner, SigstoreWarning } from './codes';
import { parseCertificateFile, parseRekorEntryFile, parseSignatureFile, type CertificateFile } from './cosignFiles';
import { verifyDetachedSignature } from './detachedSignature';
import { MAX_BUNDLE_BYTES } from './limits';
import { matches, type IdentityPolicy } from './policy';
import { certificateIdentity, claimedSigner, describeSigner } from './signer';
import type { LoadedTrustedRoot } from './trustedRoot';
import { verifyBundle, type Trust } from './verifyBundle';

export interface NamedBytes { name: string; bytes: Buffer }

/** A bundle, or a signature with its certificate (keyless) and optionally its log entry. */
export interface SignatureFiles {
  bundle?: NamedBytes;
  signature?: NamedBytes;
  certificate?: NamedBytes;
  rekorEntry?: NamedBytes;
}

/** A key or one identity policy, or several signers any of whom is trusted (the editor's list). */
export type FilesTrust = Trust | { kind: 'any-of'; policies: IdentityPolicy[] };

export interface FilesVerifyOptions {
  trustedRoot: LoadedTrustedRoot;
  /** Absent (or no policies): no identity or key was given; nothing can verify, the outcome says what would be needed. */
  trust?: FilesTrust;
  warnings?: SigstoreWarning[];
  insecureIgnoreTlog?: boolean;
  /** How the person gives an identity here, for the identity-required message; default: the CLI's flags. */
  howToTrust?: string;
}

const DEFAULT_HOW_TO_TRUST = '--certificate-identity (or --certificate-identity-regexp) and --certificate-oidc-issuer (or --certificate-oidc-issuer-regexp)';

/** cosign's older `--bundle` JSON has no mediaType: a signature with its log entry. */
export function isOldCosignBundle(bytes: Buffer): boolean {
  return /"rekorBundle"\s*:/.test(bytes.subarray(0, 65536).toString('latin1')) && !/"mediaType"\s*:/.test(bytes.subarray(0, MAX_BUNDLE_BYTES).toString('latin1'));
}

/**
 * The one policy a signature is checked against: from several, the first that accepts the identity the
 * certificate claims (the check itself is then made on the verified certificate), else the first, whose
 * mismatch names what was expected.
 */
function chooseTrust(trust: FilesTrust | undefined, claimed: SigstoreSigner | undefined): Trust | undefined {
  if (!trust || trust.kind !== 'any-of') return trust;
  if (trust.policies.length === 0) return undefined;
  const fits = claimed?.kind === 'certificate' ? trust.policies.find((p) => matches(p.identity, claimed.identity) && matches(p.issuer, claimed.issuer)) : undefined;
  return { kind: 'identity', policy: fits ?? trust.policies[0] };
}

export function verifySignatureFiles(files: SignatureFiles, artifact: Artifact, options: FilesVerifyOptions): SigstoreOutcome {
  const warnings = options.warnings ?? [];
  const rejected = (code: SigstoreOutcomeCode, message: string): SigstoreOutcome => ({ verdict: 'rejected', code, message, warnings });
  const untrusted = (keyed: boolean, signer?: SigstoreSigner) => noTrustOutcome(keyed, signer, warnings, options.howToTrust ?? DEFAULT_HOW_TO_TRUST);

  if (files.bundle) {
    const { bytes, name } = files.bundle;
    if (isOldCosignBundle(bytes)) {
      const entry = parseRekorEntryFile(bytes, name);
      if (!entry.ok) return rejected(entry.error.code as SigstoreOutcomeCode, entry.error.message);
      const claimed = entry.value.certificate ? certificateSigner(entry.value.certificate) : undefined;
      const trust = chooseTrust(options.trust, claimed);
      if (!trust) return untrusted(!entry.value.certificate, claimed);
      return verifyDetachedSignature({ signature: Buffer.alloc(0), entry: entry.value }, artifact, { trustedRoot: options.trustedRoot, trust, warnings });
    }
    const parsed = parseBundle(bytes);
    if (!parsed.ok) return rejected(parsed.error.code as SigstoreOutcomeCode, parsed.error.message);
    const claimed = claimedSigner(parsed.value.bundle);
    const trust = chooseTrust(options.trust, claimed);
    if (!trust) return untrusted(parsed.value.bundle.verificationMaterial.content.$case === 'publicKey', claimed);
    return verifyBundle(parsed.value, artifact, { trustedRoot: options.trustedRoot, trust, warnings, insecureIgnoreTlog: options.insecureIgnoreTlog ?? false });
  }

  if (!files.signature) return rejected('bundle-malformed', 'There is no signature: give a bundle, or a .sig file.');
  const signature = parseSignatureFile(files.signature.bytes, files.signature.name);
  if (!signature.ok) return rejected('bundle-malformed', signature.error.message);
  let certificate: CertificateFile | undefined;
  if (files.certificate) {
    const cert = parseCertificateFile(files.certificate.bytes, files.certificate.name);
    if (!cert.ok) return rejected(cert.error.code as SigstoreOutcomeCode, cert.error.message);
    certificate = cert.value;
  }
  let entry;
  if (files.rekorEntry) {
    const parsed = parseRekorEntryFile(files.rekorEntry.bytes, files.rekorEntry.name);
    if (!parsed.ok) return rejected(parsed.error.code as SigstoreOutcomeCode, parsed.error.message);
    entry = parsed.value;
  }
  const claimed = certificate ? certificateSigner(certificate) : undefined;
  const trust = chooseTrust(options.trust, claimed);
  if (!trust) return untrusted(!certificate, claimed);
  return verifyDetachedSignature({ signature: signature.value, certificate, entry }, artifact,
    { trustedRoot: options.trustedRoot, trust, warnings, insecureIgnoreTlog: options.insecureIgnoreTlog ?? false });
}

function certificateSigner(certificate: CertificateFile): SigstoreSigner {
  const { identity, issuer } = certificateIdentity(certificate.cert);
  return { kind: 'certificate', identity: identity ?? '', issuer: issuer ?? '' };
}

/** Nothing was checked: say who the signature claims to be from and how to trust that signer. */
function noTrustOutcome(keyed: boolean, signer: SigstoreSigner | undefined, warnings: SigstoreWarning[], howToTrust: string): SigstoreOutcome {
  if (!keyed) {
    const claim = signer ? `It claims ${describeSigner(signer)}. ` : '';
    return {
      verdict: 'rejected', code: 'identity-required', warnings, ...(signer ? { signer } : {}),
      message: `A keyless (certificate) signature verifies only against the signer you expect, and none was given: nothing was checked. ${claim}If that is who you expect, say so with ${escapeUntrusted(howToTrust)}.`,
    };
  }
  return {
    verdict: 'rejected', code: 'untrusted-key', warnings,
    message: 'The signature is made with a public key, not a Sigstore certificate: verify it with the key you trust (helm-prov verify-blob --key cosign.pub).',
  };
}
