// The check of a version 4 RSA signature over a few hundred bytes of text (a `.prov`), done with
// node:crypto in one synchronous call, with the key object kept per key packet; or over a detached file
// already hashed as it streamed (signedDigest). openpgp.js does the same
// check through WebCrypto (a key import and a thread-pool job per signature) and its web streams: about
// a third of a repository verify's time (bench/findings.md). Every step is openpgp.js 6.3.2's own
// SignaturePacket.verify, in its order and with its messages, on a packet signatureV4.ts read. Anything
// this does not cover (other algorithms, SHA-1 and other hashes, a key node:crypto will not take) is
// left to openpgp.js.
import { constants, createHash, createPublicKey, publicDecrypt, verify, type KeyObject } from 'node:crypto';
import { refusalAfterMaths, type SignatureV4 } from './signatureV4';

/** Off: every signature goes to openpgp.js (the tests compare what the two say); for eddsaCheck.ts too. */
export const rsaFastPath = { enabled: true };

/** RSA (encrypt or sign) and RSA sign-only, RFC 9580 §9.1. */
const RSA = new Set<number>([1, 3]);
/** SHA-256, SHA-384, SHA-512, RFC 9580 §9.5: the hashes both checks cover. */
export const HASHES = new Map<number, string>([[8, 'sha256'], [9, 'sha384'], [10, 'sha512']]);

/**
 * The signed bytes under one hash: their digest, and node:crypto's RSA check over them. Whole bytes (a
 * `.prov`'s text) are hashed on demand; a detached file is hashed as it streams (signatureCheck.ts).
 */
export type SignedData = (hash: string) => { digest: Buffer; verifyRsa(key: KeyObject, signature: Buffer): boolean };

/** The DER DigestInfo prefix of each hash (RFC 8017 §9.2), what an RSA signature's block ends with before the digest. */
const DIGEST_INFO = new Map([
  ['sha256', Buffer.from('3031300d060960864801650304020105000420', 'hex')],
  ['sha384', Buffer.from('3041300d060960864801650304020205000430', 'hex')],
  ['sha512', Buffer.from('3051300d060960864801650304020305000440', 'hex')],
]);

/**
 * Bytes already hashed (a detached file, hashed once as it streams) as SignedData: the RSA check then
 * opens the signature's PKCS #1 v1.5 block and compares it whole with the DigestInfo and digest
 * (RFC 8017 §8.2.2's encode-and-compare), so the bytes are not hashed a second time.
 */
export function signedDigest(hash: string, digest: Buffer): ReturnType<SignedData> {
  const expected = Buffer.concat([DIGEST_INFO.get(hash)!, digest]);
  return {
    digest,
    verifyRsa: (key, signature) => {
      try {
        return publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature).equals(expected);
      } catch {
        return false;
      }
    },
  };
}

/** Bytes in memory as SignedData. */
export function signedBytes(toHash: Uint8Array): SignedData {
  return (hash) => ({ digest: createHash(hash).update(toHash).digest(), verifyRsa: (key, signature) => verify(hash, toHash, key, signature) });
}

/** A key packet's algorithm and public values, as openpgp.js's key packets hold them. */
export interface KeyMaterial { algorithm: number; publicParams: { n?: Uint8Array; e?: Uint8Array } }

const keyObjects = new WeakMap<object, KeyObject | null>();

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** The key packet's RSA public key, made once; null when node:crypto will not take it. */
function keyObjectOf(keyPacket: KeyMaterial): KeyObject | null {
  let key = keyObjects.get(keyPacket);
  if (key === undefined) {
    const { n, e } = keyPacket.publicParams;
    try {
      key = n && e ? createPublicKey({ key: { kty: 'RSA', n: base64url(n), e: base64url(e) }, format: 'jwk' }) : null;
    } catch {
      key = null;
    }
    keyObjects.set(keyPacket, key);
  }
  return key;
}

/**
 * Checks `sig` over `toHash` (signatureV4's signedBytesV4) with `key` as SignaturePacket.verify does:
 * undefined when the check holds, the reason when it does not, and 'not-covered' when openpgp.js must do it.
 */
export function checkRsaV4(sig: SignatureV4, key: KeyMaterial, toHash: Uint8Array | SignedData, now: Date): string | undefined | 'not-covered' {
  const hash = HASHES.get(sig.hashAlgorithm);
  if (!rsaFastPath.enabled || !RSA.has(sig.publicKeyAlgorithm) || !hash) return 'not-covered';
  if (sig.publicKeyAlgorithm !== key.algorithm) return 'Public key algorithm used to sign signature does not match issuer key algorithm.';
  const publicKey = keyObjectOf(key);
  if (!publicKey) return 'not-covered';
  const data = (toHash instanceof Uint8Array ? signedBytes(toHash) : toHash)(hash);
  if (sig.left16[0] !== data.digest[0] || sig.left16[1] !== data.digest[1]) return 'Signed digest did not match';
  const n = key.publicParams.n!;
  const signature = sig.mpis[0];
  if (signature.length > n.length) return 'Input array too long';
  // Left-padded to the modulus' length, as openpgp.js pads it for WebCrypto.
  const s = Buffer.alloc(n.length);
  s.set(signature, n.length - signature.length);
  if (!data.verifyRsa(publicKey, s)) return 'Signature verification failed';
  return refusalAfterMaths(sig, now);
}
