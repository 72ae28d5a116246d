// A signature kept beside the artifact rather than in a bundle: Kubernetes-style `.sig` + `.cert`,
// `cosign sign-blob --key` output, optionally with the Rekor entry (API JSON or the older cosign
// bundle). With the entry it becomes a v0.1 bundle and goes through verifyBundle, fully offline.
// Without one nothing trusted says when it was signed: a Fulcio certificate is valid for ten minutes,
// so the answer is `no-trusted-time` after saying what did check out; a key's signature is
// `tlog-missing` unless the user accepts that (`--insecure-ignore-tlog`, as cosign).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { verifyCertificateChain } from '@sigstore/verify/dist/key/certificate';
import { fail, type Result } from '../provenance/codes';
import { escapeUntrusted } from '../provenance/untrustedText';
import type { Artifact } from './artifact';
import { bundleFromObject, type ParsedBundle } from './bundle';
import type { SigstoreOutcome, SigstoreSigner, SigstoreWarning } from './codes';
import { hashedrekordDigest, type CertificateFile, type RekorEntry } from './cosignFiles';
import { verifyArtifactSignature } from './messageSignature';
import { checkIdentity } from './policy';
import { certificateIdentity, describeSigner, keyFingerprint } from './signer';
import type { LoadedTrustedRoot } from './trustedRoot';
import { TLOG_IGNORED, verifiedOutcome, verifyBundle, type Trust } from './verifyBundle';

export interface DetachedSignature {
  signature: Buffer;
  certificate?: CertificateFile;
  entry?: RekorEntry;
}

export interface DetachedOptions {
  trustedRoot: LoadedTrustedRoot;
  trust: Trust;
  insecureIgnoreTlog?: boolean;
  warnings?: SigstoreWarning[];
}

export function verifyDetachedSignature(input: DetachedSignature, artifact: Artifact, options: DetachedOptions): SigstoreOutcome {
  const warnings = [...(options.warnings ?? [])];
  const certificate = input.certificate ?? input.entry?.certificate;
  const signature = input.entry?.signature && !input.signature.length ? input.entry.signature : input.signature;
  const rejected = (code: SigstoreOutcome['code'], message: string, signer?: SigstoreSigner): SigstoreOutcome =>
    ({ verdict: 'rejected', code, message, warnings, ...(signer ? { signer } : {}) });

  if (options.trust.kind === 'identity' && !certificate) {
    return rejected('bundle-malformed', 'There is no certificate to verify the signature with: give the .cert file (--certificate), or --key for a key-signed blob.');
  }
  if (input.entry) {
    const built = asBundle(signature, artifact, input.entry, options.trust.kind === 'key' ? undefined : certificate);
    if (!built.ok) return rejected(built.error.code as SigstoreOutcome['code'], built.error.message);
    return verifyBundle(built.value, artifact, { trustedRoot: options.trustedRoot, trust: options.trust, warnings });
  }

  if (options.trust.kind === 'key') {
    const signer: SigstoreSigner = { kind: 'key', fingerprint: keyFingerprint(options.trust.key) };
    const valid = verifyArtifactSignature(options.trust.key, signature, artifact, 'sha256');
    if (valid === 'needs-bytes') return rejected('unsupported', 'This key type signs the artifact itself, not a digest: give the file, not its digest.', signer);
    if (!valid) return rejected('signature-invalid', `The signature does not match ${escapeUntrusted(artifact.name, 2000)} under ${describeSigner(signer)}: the artifact changed after signing, or the signature is for another file or key.`, signer);
    if (!options.insecureIgnoreTlog) {
      return rejected('tlog-missing', `The signature matches ${describeSigner(signer)}, but there is no transparency-log entry: nothing public records it, so a stolen key's signatures look the same. Give the entry (--rekor-entry entry.json, from rekor-cli get --uuid <uuid> --format json), or --insecure-ignore-tlog to accept the signature alone.`, signer);
    }
    warnings.push(TLOG_IGNORED);
    return verifiedOutcome(artifact, signer, undefined, warnings, options.trustedRoot.source);
  }
  return withoutTrustedTime(signature, certificate!, artifact, options, warnings);
}

/** Everything that can be checked without a time, then `no-trusted-time` saying so and how to get the entry. */
function withoutTrustedTime(signature: Buffer, certificate: CertificateFile, artifact: Artifact, options: DetachedOptions, warnings: SigstoreWarning[]): SigstoreOutcome {
  const { cert } = certificate;
  const { identity, issuer } = certificateIdentity(cert);
  const signer: SigstoreSigner = { kind: 'certificate', identity: identity ?? '', issuer: issuer ?? '' };
  const rejected = (code: SigstoreOutcome['code'], message: string): SigstoreOutcome => ({ verdict: 'rejected', code, message: `${message} (${describeSigner(signer)})`, warnings, signer });
  let key: KeyObject;
  try {
    key = createPublicKey({ key: cert.publicKey, format: 'der', type: 'spki' });
  } catch {
    return rejected('certificate-invalid', 'The certificate\'s public key cannot be read.');
  }
  const valid = verifyArtifactSignature(key, signature, artifact, 'sha256');
  if (valid === 'needs-bytes') return rejected('unsupported', 'This key type signs the artifact itself, not a digest: give the file, not its digest.');
  if (!valid) return rejected('signature-invalid', `The signature does not match ${escapeUntrusted(artifact.name, 2000)} under the certificate's key: the artifact changed after signing, or the .sig and .cert are for another file.`);
  try {
    verifyCertificateChain(cert.notBefore, cert, options.trustedRoot.material.certificateAuthorities);
  } catch {
    return rejected('certificate-invalid', 'The signature matches, but the certificate does not chain to a certificate authority in your trusted root: it is from another Sigstore instance (--staging? --trusted-root?) or forged.');
  }
  if (options.trust.kind === 'identity') {
    const allowed = checkIdentity(options.trust.policy, identity, issuer);
    if (!allowed.ok) return rejected(allowed.error.code as SigstoreOutcome['code'], `${allowed.error.message} The signature and chain are valid; it is not from a signer you trust.`);
  }
  const digest = artifact.sha256.toString('hex');
  return rejected('no-trusted-time',
    `The signature, the certificate chain and the identity check out, but nothing trusted says when it was signed: the certificate was valid only from ${cert.notBefore.toISOString()} to ${cert.notAfter.toISOString()}, and without the transparency-log entry a signature made later with a leaked key looks the same. `
    + `Get the entry (rekor-cli search --sha sha256:${digest}, then rekor-cli get --uuid <uuid> --format json > entry.json) and pass --rekor-entry entry.json; verification then runs offline.`);
}

/** The detached signature and its log entry as a v0.1 bundle, so one path checks them all. */
function asBundle(signature: Buffer, artifact: Artifact, entry: RekorEntry, certificate: CertificateFile | undefined): Result<ParsedBundle> {
  if (signature.length === 0) return fail('bundle-malformed', 'There is no signature: give the .sig file (--signature).');
  const logged = hashedrekordDigest(entry.body);
  const json = {
    mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
    verificationMaterial: {
      ...(certificate ? { x509CertificateChain: { certificates: [{ rawBytes: certificate.der.toString('base64') }] } } : { publicKey: { hint: '' } }),
      tlogEntries: [entry.tlogEntry],
    },
    messageSignature: {
      // The log's digest when it has one: a different artifact is then a digest mismatch, said plainly.
      messageDigest: { algorithm: 'SHA2_256', digest: (logged ? Buffer.from(logged, 'hex') : artifact.sha256).toString('base64') },
      signature: signature.toString('base64'),
    },
  };
  return bundleFromObject(json);
}

