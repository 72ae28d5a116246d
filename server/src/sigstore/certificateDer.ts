// A certificate's bytes must be DER, the one encoding Sigstore clients write. @sigstore/core's ASN.1
// reader also takes other spellings of the same certificate (a SET tag on the outer SEQUENCE, found by
// the fuzz target). The outer structure is not what the issuer signed, so such bytes verify like the
// original; cosign (Go's crypto/x509) refuses them, and a verdict on bytes no client wrote is not ours
// to give. OpenSSL's reader (node:crypto) is strict, and its encoding of what it read must give the
// same bytes back.
import { X509Certificate } from 'node:crypto';

/** Whether `bytes` are one certificate in DER, exactly as a DER encoder writes it (PEM is not). */
export function isDerCertificate(bytes: Uint8Array): boolean {
  try {
    return new X509Certificate(bytes).raw.equals(bytes);
  } catch {
    return false;
  }
}
