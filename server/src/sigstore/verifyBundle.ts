// Verifies an artifact against a Sigstore bundle, offline, with a trusted root given as data.
// @sigstore/verify checks the cryptography (certificate chain at the log's time, SCTs, log inclusion,
// timestamps, the signature); around it this adds what it leaves to its caller or gets wrong:
// the trusted root's shape (trustedRoot.ts), bundle bounds (bundle.ts), the artifact's digest against
// the bundle's, the DSSE subject binding (dsseBinding.ts), checking on a digest alone
// (messageSignature.ts), whole-value identity matching (policy.ts), and one code per outcome.
import type { KeyObject } from 'node:crypto';
import { Verifier, toSignedEntity, type SignedEntity, type Signer } from '@sigstore/verify';
import { escapeUntrusted } from '../provenance/untrustedText';
import { countWork } from '../provenance/work';
import type { Artifact } from './artifact';
import type { ParsedBundle } from './bundle';
import type { SigstoreOutcome, SigstoreOutcomeCode, SigstoreSigner, SigstoreWarning, TlogFacts } from './codes';
import { checkDsseBinding } from './dsseBinding';
import { explainLibraryError } from './libraryErrors';
import { ArtifactSignatureContent, artifactDigest, messageHash } from './messageSignature';
import { checkIdentity, type IdentityPolicy } from './policy';
import { claimedSigner, describeSigner, describeTlog, keyFingerprint, tlogFacts } from './signer';
import type { LoadedTrustedRoot } from './trustedRoot';

/** What makes a signer trusted: a certificate identity policy, or a public key you hold. */
export type Trust =
  | { kind: 'identity'; policy: IdentityPolicy }
  | { kind: 'key'; key: KeyObject };

export interface BundleVerifyOptions {
  trustedRoot: LoadedTrustedRoot;
  trust: Trust;
  /** Warnings from how the inputs were obtained (trusted root age, ...), carried into the outcome. */
  warnings?: SigstoreWarning[];
  /** Keyed bundles only: accept one without a log entry (cosign's --insecure-ignore-tlog), with a warning. */
  insecureIgnoreTlog?: boolean;
}

export const TLOG_IGNORED: SigstoreWarning = {
  code: 'tlog-ignored',
  message: 'No transparency-log entry was checked (--insecure-ignore-tlog): this proves only that the key signed, not when, nor that the signature is publicly recorded.',
};

export function verifyBundle(parsed: ParsedBundle, artifact: Artifact, options: BundleVerifyOptions): SigstoreOutcome {
  const { bundle } = parsed;
  const { trust, trustedRoot } = options;
  const warnings = [...(options.warnings ?? [])];
  const signer = claimedSigner(bundle, trust.kind === 'key' ? trust.key : undefined);
  const tlog = tlogFacts(bundle);
  const reject = (code: SigstoreOutcomeCode, message: string): SigstoreOutcome =>
    ({ verdict: 'rejected', code, message: `${message} (${describeSigner(signer)}; ${describeTlog(tlog)})`, warnings, ...(signer ? { signer } : {}), ...(tlog ? { tlog } : {}) });

  const keyed = bundle.verificationMaterial.content.$case === 'publicKey';
  if (trust.kind === 'identity' && keyed) {
    return reject('untrusted-key', 'The bundle is signed with a public key, not a Sigstore certificate: verify it with the key you trust (--key cosign.pub).');
  }
  if (trust.kind === 'key' && !keyed) {
    return reject('untrusted-key', 'The bundle is signed with a Sigstore certificate, not with a key: verify it with --certificate-identity and --certificate-oidc-issuer.');
  }

  if (trust.kind === 'key' && bundle.verificationMaterial.tlogEntries.length === 0 && !options.insecureIgnoreTlog) {
    return reject('tlog-missing', 'The bundle has no transparency-log entry: nothing public records this signature, so a stolen key\'s signatures look the same. Ask for a bundle with its entry, or pass --insecure-ignore-tlog to accept the key\'s signature alone.');
  }

  let content: ArtifactSignatureContent | undefined;
  if (bundle.content.$case === 'messageSignature') {
    const hash = messageHash(bundle.content.messageSignature);
    if (!hash) return reject('unsupported', 'The bundle\'s message digest uses a hash algorithm this tool does not check (only SHA-256, SHA-384 and SHA-512).');
    const digest = artifactDigest(artifact, hash);
    if (!digest) return reject('unsupported', `The bundle's digest is ${hash.toUpperCase()}: give the file itself, not its SHA-256 digest.`);
    const claimed = Buffer.from(bundle.content.messageSignature.messageDigest.digest);
    if (!claimed.equals(digest)) {
      return reject('digest-mismatch', `${escapeUntrusted(artifact.name, 2000)} is not the artifact that was signed: its ${hash} is ${digest.toString('hex')}, the bundle's is ${claimed.toString('hex')}.`);
    }
    content = new ArtifactSignatureContent(Buffer.from(bundle.content.messageSignature.signature), claimed, artifact, hash);
  } else {
    const bound = checkDsseBinding(bundle.content.dsseEnvelope, artifact);
    if (!bound.ok) return reject(bound.error.code as SigstoreOutcomeCode, bound.error.message);
  }

  let entity: SignedEntity;
  try {
    entity = toSignedEntity(bundle, artifact.bytes ?? Buffer.alloc(0));
  } catch (e) {
    return reject('bundle-malformed', `The bundle cannot be read: ${escapeUntrusted((e as Error).message)}.`);
  }
  if (content) entity = { ...entity, signature: content };

  const material = trust.kind === 'key'
    ? { ...trustedRoot.material, publicKey: () => ({ publicKey: trust.key, validFor: () => true }) }
    : trustedRoot.material;
  // A key needs no trusted time to be valid; a certificate does, so the flag never relaxes that path.
  const ignoreTlog = trust.kind === 'key' && options.insecureIgnoreTlog === true && bundle.verificationMaterial.tlogEntries.length === 0;
  if (ignoreTlog) warnings.push(TLOG_IGNORED);
  // What the library checks besides the signature (counted in ArtifactSignatureContent): the chain and
  // its SCT for a certificate, each log entry's promise or checkpoint, each timestamp.
  countWork('signature-units', (keyed ? 0 : 2) + bundle.verificationMaterial.tlogEntries.length + entity.timestamps.length);
  let verified: Signer;
  try {
    verified = new Verifier(material, ignoreTlog ? { tlogThreshold: 0, timestampThreshold: 0 } : {}).verify(entity);
  } catch (e) {
    if (content?.unverifiable) {
      return reject('unsupported', 'The signer\'s key type (Ed25519) signs the artifact itself, not a digest: give the file, not its digest.');
    }
    const explained = explainLibraryError(e);
    return reject(explained.code, explained.message);
  }

  let verifiedSigner: SigstoreSigner;
  if (trust.kind === 'identity') {
    const identity = verified.identity?.subjectAlternativeName;
    const issuer = verified.identity?.extensions?.issuer;
    const allowed = checkIdentity(trust.policy, identity, issuer);
    if (!allowed.ok) return reject(allowed.error.code as SigstoreOutcomeCode, `${allowed.error.message} The signature itself is valid; it is not from a signer you trust.`);
    verifiedSigner = { kind: 'certificate', identity: identity!, issuer: issuer! };
  } else {
    verifiedSigner = { kind: 'key', fingerprint: keyFingerprint(trust.key) };
  }
  return verifiedOutcome(artifact, verifiedSigner, tlog, warnings, trustedRoot.source);
}

export function verifiedOutcome(artifact: Artifact, signer: SigstoreSigner, tlog: TlogFacts | undefined, warnings: SigstoreWarning[], rootSource: string): SigstoreOutcome {
  return {
    verdict: 'verified',
    code: 'verified',
    message: `${escapeUntrusted(artifact.name, 2000)} was signed by ${describeSigner(signer)}; ${describeTlog(tlog)}; trusted root ${escapeUntrusted(rootSource)}.`,
    warnings,
    signer,
    ...(tlog ? { tlog } : {}),
  };
}
