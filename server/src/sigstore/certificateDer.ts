// A certificate's bytes must be DER, the one encoding Sigstore clients write, with a signature of
// whole bytes. @sigstore/core's ASN.1 reader also takes other spellings of the same certificate (a SET
// tag on the outer SEQUENCE, found by the fuzz target) and skips the signature's unused-bits count. Those
// bytes are outside what the issuer signed, so such a certificate verified like the original; cosign
// (Go's crypto/x509) refuses them, and a verdict on bytes no client wrote is not ours to give. OpenSSL's
// reader (node:crypto) is strict, and its encoding of what it read must give the same bytes back.
import { X509Certificate as OpenSslCertificate } from 'node:crypto';
import type { X509Certificate } from '@sigstore/core';

/** Whether `bytes`, read by @sigstore/core as `cert`, are one certificate exactly as a DER encoder writes it (PEM is not). */
export function isDerCertificate(bytes: Uint8Array, cert: X509Certificate): boolean {
  const signature = cert.root.subs[2];
  if (cert.root.subs.length !== 3 || !signature?.tag.isBitString() || signature.value[0] !== 0) return false;
  try {
    return new OpenSslCertificate(bytes).raw.equals(bytes);
  } catch {
    return false;
  }
}
