// A detached signature checked with node:crypto as the signed file streams (signatureCheck.ts's
// detachedCheck asks first): a version 4 RSA or legacy EdDSA signature of the binary class over SHA-256,
// -384 or -512, the file hashed once. Everything else (a text-class signature, whose bytes openpgp.js
// first gives canonical line endings; other algorithms and hashes) is left to openpgp.js, as for a `.prov`.
import { createHash } from 'node:crypto';
import type { ReadableStream } from 'node:stream/web';
import { checkEddsaV4, EDDSA_LEGACY, type EddsaKeyMaterial } from './eddsaCheck';
import type { PartMaterial } from './keyTypes';
import { errorText } from './packetFacts';
import { checkRsaV4, HASHES, rsaFastPath, signedDigest } from './rsaCheck';
import { hashedSuffixV4, type SignatureV4 } from './signatureV4';

/** The class of a signature over the bytes as they are, openpgp.js's `enums.signature.binary`. */
const SIGNATURE_BINARY = 0x00;
/** RSA (encrypt or sign), RSA sign-only and EdDSA legacy: what rsaCheck.ts and eddsaCheck.ts check. */
const OWN_ALGORITHMS = new Set([1, 3, EDDSA_LEGACY]);

/** As checkRsaV4 says it (undefined: it holds; a reason; 'not-covered': openpgp.js must check it), or the stream's error. */
export async function streamedCheckV4(own: SignatureV4, material: PartMaterial, openData: () => ReadableStream<Uint8Array>, now: Date): Promise<string | undefined | 'not-covered'> {
  const hash = HASHES.get(own.hashAlgorithm);
  if (!hash || !rsaFastPath.enabled || own.signatureType !== SIGNATURE_BINARY || !OWN_ALGORITHMS.has(own.publicKeyAlgorithm)) return 'not-covered';
  const digest = createHash(hash);
  try {
    const reader = openData().getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) digest.update(chunk.value);
  } catch (e) {
    return errorText(e);
  }
  const hashed = signedDigest(hash, digest.update(hashedSuffixV4(own)).digest());
  return own.publicKeyAlgorithm === EDDSA_LEGACY
    ? checkEddsaV4(own, material as EddsaKeyMaterial, () => hashed, now)
    : checkRsaV4(own, material, () => hashed, now);
}
