// The check of a version 4 RSA signature over a few hundred bytes of text (a `.prov`), done with
// node:crypto in one synchronous call, with the key object kept per key packet. openpgp.js does the same
// check through WebCrypto (a key import and a thread-pool job per signature) and its web streams: about
// a third of a repository verify's time (bench/findings.md). Every step is openpgp.js 6.3.2's own
// SignaturePacket.verify, in its order and with its messages, on a packet signatureV4.ts read. Anything
// this does not cover (other algorithms, SHA-1 and other hashes, a key node:crypto will not take) is
// left to openpgp.js.
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { refusalAfterMaths, type SignatureV4 } from './signatureV4';

/** Off: every signature goes to openpgp.js (the tests compare what the two say); for eddsaCheck.ts too. */
export const rsaFastPath = { enabled: true };

/** RSA (encrypt or sign) and RSA sign-only, RFC 9580 §9.1. */
const RSA = new Set<number>([1, 3]);
/** SHA-256, SHA-384, SHA-512, RFC 9580 §9.5: the hashes both checks cover. */
export const HASHES = new Map<number, string>([[8, 'sha256'], [9, 'sha384'], [10, 'sha512']]);

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
export function checkRsaV4(sig: SignatureV4, key: KeyMaterial, toHash: Uint8Array, now: Date): string | undefined | 'not-covered' {
  const hash = HASHES.get(sig.hashAlgorithm);
  if (!rsaFastPath.enabled || !RSA.has(sig.publicKeyAlgorithm) || !hash) return 'not-covered';
  if (sig.publicKeyAlgorithm !== key.algorithm) return 'Public key algorithm used to sign signature does not match issuer key algorithm.';
  const publicKey = keyObjectOf(key);
  if (!publicKey) return 'not-covered';
  const digest = createHash(hash).update(toHash).digest();
  if (sig.left16[0] !== digest[0] || sig.left16[1] !== digest[1]) return 'Signed digest did not match';
  const n = key.publicParams.n!;
  const signature = sig.mpis[0];
  if (signature.length > n.length) return 'Input array too long';
  // Left-padded to the modulus' length, as openpgp.js pads it for WebCrypto.
  const s = Buffer.alloc(n.length);
  s.set(signature, n.length - signature.length);
  if (!verify(hash, toHash, publicKey, s)) return 'Signature verification failed';
  return refusalAfterMaths(sig, now);
}
