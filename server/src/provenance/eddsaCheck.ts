// The check of a version 4 EdDSA (legacy, Ed25519) signature with node:crypto, for the same reasons as
// rsaCheck.ts. openpgp.js 6.3.2 checks it with WebCrypto's Ed25519, which on Node is the same OpenSSL
// verification as node:crypto's; the steps before it (point encoding, left padding of r and s, the
// digest's minimum size) and after it are its own, in its order and with its messages. A key on another
// curve, or one node:crypto will not take, is left to openpgp.js.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { HASHES, rsaFastPath, signedBytes, type SignedData } from './rsaCheck';
import { refusalAfterMaths, type SignatureV4 } from './signatureV4';

export const EDDSA_LEGACY = 22;
/** The OID of Ed25519 in its legacy EdDSA encoding (RFC 9580 §9.2), as openpgp.js keeps it. */
const ED25519_LEGACY_OID = '2b06010401da470f01';
const SIZE = 32;

/** A key packet's algorithm and public values, as openpgp.js's key packets hold them. */
export interface EddsaKeyMaterial { algorithm: number; publicParams: { oid?: { oid?: Uint8Array | string }; Q?: Uint8Array } }

const keyObjects = new WeakMap<object, KeyObject | null>();

function keyObjectOf(keyPacket: EddsaKeyMaterial, point: Uint8Array): KeyObject | null {
  let key = keyObjects.get(keyPacket);
  if (key === undefined) {
    try {
      key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(point).toString('base64url') }, format: 'jwk' });
    } catch {
      key = null;
    }
    keyObjects.set(keyPacket, key);
  }
  return key;
}

function leftPadded(bytes: Uint8Array): Buffer | undefined {
  if (bytes.length > SIZE) return undefined;
  const padded = Buffer.alloc(SIZE);
  padded.set(bytes, SIZE - bytes.length);
  return padded;
}

/** As rsaCheck's checkRsaV4, for EdDSA legacy signatures on Ed25519 keys. */
export function checkEddsaV4(sig: SignatureV4, key: EddsaKeyMaterial, toHash: Uint8Array | SignedData, now: Date): string | undefined | 'not-covered' {
  const hash = HASHES.get(sig.hashAlgorithm);
  if (!rsaFastPath.enabled || sig.publicKeyAlgorithm !== EDDSA_LEGACY || !hash) return 'not-covered';
  if (key.algorithm !== EDDSA_LEGACY) return 'Public key algorithm used to sign signature does not match issuer key algorithm.';
  const oid = key.publicParams.oid?.oid;
  const point = key.publicParams.Q;
  if (!(oid instanceof Uint8Array) || Buffer.from(oid).toString('hex') !== ED25519_LEGACY_OID || !point) return 'not-covered';
  const { digest } = (toHash instanceof Uint8Array ? signedBytes(toHash) : toHash)(hash);
  if (sig.left16[0] !== digest[0] || sig.left16[1] !== digest[1]) return 'Signed digest did not match';
  const r = leftPadded(sig.mpis[0]);
  const s = leftPadded(sig.mpis[1]);
  if (!r || !s) return 'Input array too long';
  if (point[0] !== 0x40 || point.length !== SIZE + 1) return 'Invalid point encoding';
  const publicKey = keyObjectOf(key, point.subarray(1));
  if (!publicKey) return 'not-covered';
  // SHA-256 and longer only reach here: the digest is long enough for EdDSA.
  if (!verify(null, digest, publicKey, Buffer.concat([r, s]))) return 'Signature verification failed';
  return refusalAfterMaths(sig, now);
}
