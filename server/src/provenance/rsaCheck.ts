// The check of a version 4 RSA signature over a few hundred bytes of text (a `.prov`), done with
// node:crypto in one synchronous call, with the key object kept per key packet. openpgp.js does the same
// check through WebCrypto (a key import and a thread-pool job per signature) and its web streams: about
// a third of a repository verify's time (bench/findings.md). Every step is openpgp.js 6.3.2's own
// SignaturePacket.verify, in its order and with its messages; the bytes hashed come from the packet's own
// `toHash`. Anything this does not cover (other versions and algorithms, SHA-1 and other hashes,
// critical unknown subpackets or notations, revocation keys) is left to openpgp.js.
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import * as openpgp from 'openpgp';
import type { AnyKeyPacket } from './keyInfo';

/** Off: every signature goes to openpgp.js (the tests compare what the two say). */
export const rsaFastPath = { enabled: true };

const RSA = new Set<number>([openpgp.enums.publicKey.rsaEncryptSign, openpgp.enums.publicKey.rsaSign]);
const HASHES = new Map<number, string>([
  [openpgp.enums.hash.sha256, 'sha256'], [openpgp.enums.hash.sha384, 'sha384'], [openpgp.enums.hash.sha512, 'sha512'],
]);

/** The fields of openpgp.js's packets that its typings leave out. */
interface RawSignature {
  version: number;
  publicKeyAlgorithm: number;
  hashAlgorithm: number;
  signatureType: number;
  signedHashValue: Uint8Array;
  params: { s?: Uint8Array } | Promise<unknown>;
  created: Date;
  unknownSubpackets: { critical: boolean }[];
  rawNotations: { critical: boolean }[];
  revocationKeyClass: number | null;
  getExpirationTime(): Date | number;
  toHash(signatureType: number, data: unknown): Uint8Array | ReadableStream<Uint8Array>;
}
interface RawKeyPacket { algorithm: number; publicParams: { n?: Uint8Array; e?: Uint8Array } }

const keyObjects = new WeakMap<object, KeyObject | null>();

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** The key packet's RSA public key, made once; null when node:crypto will not take it. */
function keyObjectOf(keyPacket: RawKeyPacket): KeyObject | null {
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
 * Checks `packet` over the text in `literal` with `keyPacket` as SignaturePacket.verify does (the
 * issuer key id is the caller's to set): undefined when the check holds, the reason when it does not,
 * and 'not-covered' when openpgp.js must do it.
 */
export function checkRsaV4(packet: openpgp.SignaturePacket, keyPacket: AnyKeyPacket, literal: unknown, now: Date): string | undefined | 'not-covered' {
  const sig = packet as unknown as RawSignature;
  const key = keyPacket as unknown as RawKeyPacket;
  const hash = HASHES.get(sig.hashAlgorithm);
  const params = sig.params as { s?: Uint8Array };
  if (!rsaFastPath.enabled || sig.version !== 4 || !RSA.has(sig.publicKeyAlgorithm) || !hash || !(params.s instanceof Uint8Array)
    || sig.unknownSubpackets.some((p) => p.critical) || sig.rawNotations.some((n) => n.critical) || sig.revocationKeyClass !== null) return 'not-covered';
  if (sig.publicKeyAlgorithm !== key.algorithm) return 'Public key algorithm used to sign signature does not match issuer key algorithm.';
  const publicKey = keyObjectOf(key);
  const toHash = sig.toHash(sig.signatureType, literal);
  if (!publicKey || !(toHash instanceof Uint8Array)) return 'not-covered';
  const digest = createHash(hash).update(toHash).digest();
  if (sig.signedHashValue[0] !== digest[0] || sig.signedHashValue[1] !== digest[1]) return 'Signed digest did not match';
  const n = key.publicParams.n!;
  if (params.s.length > n.length) return 'Input array too long';
  // Left-padded to the modulus' length, as openpgp.js pads it for WebCrypto.
  const s = Buffer.alloc(n.length);
  s.set(params.s, n.length - params.s.length);
  if (!verify(hash, toHash, publicKey, s)) return 'Signature verification failed';
  // openpgp.js compares with `now` cut to whole seconds (util.normalizeDate).
  const second = new Date(Math.floor(now.getTime() / 1000) * 1000);
  if (sig.created > second) return 'Signature creation time is in the future';
  if (second >= sig.getExpirationTime()) return 'Signature is expired';
  return undefined;
}
