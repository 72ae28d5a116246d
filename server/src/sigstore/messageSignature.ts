// The check of a message signature (a signature over the artifact itself), given to @sigstore/verify
// in place of its own, which needs the artifact's bytes. With only a digest (`sha256:HEX`, or a file
// too large to hold) the signature is checked on the digest: ECDSA with @noble/curves (Node's crypto
// hashes its input itself and has no prehashed ECDSA verify), RSA PKCS#1 v1.5 by recovering the
// DigestInfo with the public key. Ed25519 signs the message, not a digest: it needs the bytes.
import { constants, createHash, publicDecrypt, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import type * as Nist from '@noble/curves/nist';
import type { MessageSignature } from '@sigstore/bundle';
import { HashAlgorithm } from '@sigstore/protobuf-specs';
import { countWork } from '../provenance/work';
import type { Artifact } from './artifact';

export type MessageHash = 'sha256' | 'sha384' | 'sha512';

/** DER prefixes of the DigestInfo an RSA PKCS#1 v1.5 signature wraps around a digest (RFC 8017 §9.2). */
const DIGEST_INFO: Record<MessageHash, Buffer> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

let nist: typeof Nist | undefined;
/**
 * The curve of an EC key by its OpenSSL name. Loaded at the first EC signature: loading @noble/curves' NIST
 * curves precomputes their base point tables (3-4 ms of CPU at every server start that never meets one).
 */
function curveNamed(name: string | undefined) {
  nist ??= require('@noble/curves/nist') as typeof Nist;
  return name === 'prime256v1' ? nist.p256 : name === 'secp384r1' ? nist.p384 : name === 'secp521r1' ? nist.p521 : undefined;
}

/** The digest of the artifact under `hash`, when it can be had: always SHA-256; others from the bytes. */
export function artifactDigest(artifact: Artifact, hash: MessageHash): Buffer | undefined {
  if (hash === 'sha256') return artifact.sha256;
  if (!artifact.bytes) return undefined;
  countWork('bytes-hashed', artifact.bytes.length);
  return createHash(hash).update(artifact.bytes).digest();
}

/** Checks `signature` over the artifact with `key`; 'needs-bytes' when only the digest is known and the key type signs messages. */
export function verifyArtifactSignature(key: KeyObject, signature: Buffer, artifact: Artifact, hash: MessageHash): boolean | 'needs-bytes' {
  countWork('signature-units');
  const type = key.asymmetricKeyType;
  if (artifact.bytes) {
    try {
      return verify(type === 'ed25519' || type === 'ed448' ? null : hash, artifact.bytes, key, signature);
    } catch {
      return false;
    }
  }
  const digest = artifactDigest(artifact, hash);
  if (!digest) return 'needs-bytes';
  if (type === 'ec') {
    const curve = curveNamed(key.asymmetricKeyDetails?.namedCurve);
    if (!curve) return false;
    const jwk = key.export({ format: 'jwk' });
    const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
    try {
      // OpenSSL, and so every Sigstore signer, makes high-S signatures too: they are valid ECDSA.
      return curve.verify(signature, digest, point, { prehash: false, lowS: false, format: 'der' });
    } catch {
      return false;
    }
  }
  if (type === 'rsa') {
    try {
      const recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
      const expected = Buffer.concat([DIGEST_INFO[hash], digest]);
      return recovered.length === expected.length && timingSafeEqual(recovered, expected);
    } catch {
      return false;
    }
  }
  return 'needs-bytes';
}

const HASHES: Partial<Record<HashAlgorithm, MessageHash>> = {
  [HashAlgorithm.HASH_ALGORITHM_UNSPECIFIED]: 'sha256',
  [HashAlgorithm.SHA2_256]: 'sha256',
  [HashAlgorithm.SHA2_384]: 'sha384',
  [HashAlgorithm.SHA2_512]: 'sha512',
};

/** The hash a message signature's digest names; undefined for ones not supported (SHA-3). */
export function messageHash(signature: MessageSignature): MessageHash | undefined {
  return HASHES[signature.messageDigest.algorithm];
}

/**
 * The SignatureContent @sigstore/verify asks of a message signature: compares with the log entry,
 * and checks the signature on the artifact (bytes or digest). `unverifiable` records that the key
 * type needed bytes that were not there, so the caller can say so instead of "signature invalid".
 */
export class ArtifactSignatureContent {
  unverifiable = false;

  constructor(readonly signature: Buffer, private readonly messageDigest: Buffer, private readonly artifact: Artifact, private readonly hash: MessageHash) {}

  compareSignature(signature: Buffer): boolean {
    return signature.length === this.signature.length && timingSafeEqual(signature, this.signature);
  }

  compareDigest(digest: Buffer): boolean {
    return digest.length === this.messageDigest.length && timingSafeEqual(digest, this.messageDigest);
  }

  compareSignedDigest(digest: Buffer): boolean {
    return this.compareDigest(digest);
  }

  verifySignature(key: KeyObject): boolean {
    const result = verifyArtifactSignature(key, this.signature, this.artifact, this.hash);
    if (result === 'needs-bytes') this.unverifiable = true;
    return result === true;
  }
}
