// Who a signature claims to be from and where it was logged, read from the bundle for messages: on a
// rejection these are what the signature *claims* (nothing vouched for them); on `verified` they are
// what was checked.
import { createHash, type KeyObject } from 'node:crypto';
import type { Bundle } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { escapeUntrusted } from '../provenance/untrustedText';
import type { SigstoreSigner, TlogFacts } from './codes';

const OID_FULCIO_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
const OID_FULCIO_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';

/** The SAN and OIDC issuer of a Fulcio certificate, as @sigstore/verify reads them. */
export function certificateIdentity(cert: X509Certificate): { identity?: string; issuer?: string } {
  let issuer: string | undefined;
  try {
    const v2 = cert.extension(OID_FULCIO_ISSUER_V2);
    issuer = v2 ? v2.valueObj.subs?.[0]?.value.toString('ascii') : cert.extension(OID_FULCIO_ISSUER_V1)?.value.toString('ascii');
  } catch {
    issuer = undefined;
  }
  let identity: string | undefined;
  try {
    identity = cert.subjectAltName;
  } catch {
    identity = undefined;
  }
  return { identity, issuer };
}

/** `sha256:<hex>` of the key's SubjectPublicKeyInfo: what `cosign public-key` output hashes to. */
export function keyFingerprint(key: KeyObject): string {
  return `sha256:${createHash('sha256').update(key.export({ format: 'der', type: 'spki' })).digest('hex')}`;
}

/** The leaf certificate of a bundle, if it has one and it parses. */
export function leafCertificate(bundle: Bundle): X509Certificate | undefined {
  const content = bundle.verificationMaterial.content;
  const raw = content.$case === 'x509CertificateChain' ? content.x509CertificateChain.certificates[0]?.rawBytes
    : content.$case === 'certificate' ? content.certificate.rawBytes : undefined;
  if (!raw) return undefined;
  try {
    return X509Certificate.parse(Buffer.from(raw));
  } catch {
    return undefined;
  }
}

export function claimedSigner(bundle: Bundle, key?: KeyObject): SigstoreSigner | undefined {
  if (key) return { kind: 'key', fingerprint: keyFingerprint(key) };
  const cert = leafCertificate(bundle);
  if (!cert) return undefined;
  const { identity, issuer } = certificateIdentity(cert);
  return { kind: 'certificate', identity: identity ?? '', issuer: issuer ?? '' };
}

export function tlogFacts(bundle: Bundle): TlogFacts | undefined {
  const entry = bundle.verificationMaterial.tlogEntries[0];
  if (!entry) return undefined;
  const time = Number(entry.integratedTime);
  return { logIndex: String(entry.logIndex), ...(time > 0 ? { integratedTime: time } : {}) };
}

export function describeSigner(signer: SigstoreSigner | undefined): string {
  if (!signer) return 'no signer could be read';
  if (signer.kind === 'key') return `key ${signer.fingerprint}`;
  return `identity "${escapeUntrusted(signer.identity || '(none)')}", issuer "${escapeUntrusted(signer.issuer || '(none)')}"`;
}

export function describeTlog(tlog: TlogFacts | undefined): string {
  if (!tlog) return 'no transparency-log entry';
  const when = tlog.integratedTime !== undefined ? `integrated ${new Date(tlog.integratedTime * 1000).toISOString()}` : 'time from a timestamp authority';
  return `log index ${escapeUntrusted(tlog.logIndex)}, ${when}`;
}
