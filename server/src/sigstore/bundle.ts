// A Sigstore bundle from its bytes: JSON, one of the known media types (v0.1, v0.2, v0.3 in both
// spellings), the shape @sigstore/bundle checks, and what it leaves out and this engine needs bounded
// or strict: counts, canonical base64 in the signed fields, non-negative log indexes, certificates in
// DER only, no root certificate carried in the bundle (trust must come from the trusted root alone).
import { bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { fail, ok, type Result } from '../provenance/codes';
import { escapeUntrusted } from '../provenance/untrustedText';
import { countWork } from '../provenance/work';
import { isDerCertificate } from './certificateDer';
import { MAX_BUNDLE_BYTES, MAX_CHAIN_CERTIFICATES, MAX_PROOF_HASHES, MAX_RFC3161_TIMESTAMPS, MAX_TLOG_ENTRIES } from './limits';
import { parseUntrustedJson } from '../provenance/untrustedJson';

export type BundleVersion = '0.1' | '0.2' | '0.3';

export interface ParsedBundle {
  bundle: Bundle;
  version: BundleVersion;
}

const MEDIA_TYPES: Record<string, BundleVersion> = {
  'application/vnd.dev.sigstore.bundle+json;version=0.1': '0.1',
  'application/vnd.dev.sigstore.bundle+json;version=0.2': '0.2',
  'application/vnd.dev.sigstore.bundle+json;version=0.3': '0.3',
  'application/vnd.dev.sigstore.bundle.v0.3+json': '0.3',
};

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UNSIGNED_INT = /^(?:0|[1-9][0-9]{0,18})$/;

const malformed = (why: string) => fail('bundle-malformed', `The bundle is not a valid Sigstore bundle: ${why}.`);

/** Parses a bundle file's bytes. */
export function parseBundle(bytes: Uint8Array): Result<ParsedBundle> {
  if (bytes.length > MAX_BUNDLE_BYTES) return malformed(`it is ${bytes.length} bytes, over the ${MAX_BUNDLE_BYTES}-byte limit`);
  countWork('bytes-read', bytes.length);
  let json: unknown;
  try {
    json = parseUntrustedJson(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    return malformed(`it is not JSON (${escapeUntrusted((e as Error).message)})`);
  }
  return bundleFromObject(json);
}

/** Checks a bundle already parsed from JSON (also the bundles built from cosign's formats). */
export function bundleFromObject(json: unknown): Result<ParsedBundle> {
  if (!isObject(json)) return malformed('it is not a JSON object');
  const version = typeof json.mediaType === 'string' ? MEDIA_TYPES[json.mediaType] : undefined;
  if (!version) {
    return malformed(`its mediaType ${JSON.stringify(escapeUntrusted(String(json.mediaType ?? '(none)')))} is not a bundle version this tool knows (v0.1, v0.2, v0.3)`);
  }
  const problem = shapeProblem(json);
  if (problem) return malformed(problem);
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
  } catch (e) {
    const fields = (e as { fields?: string[] }).fields;
    return malformed(`${escapeUntrusted((e as Error).message)}${fields?.length ? ` (${fields.slice(0, 5).map((f) => escapeUntrusted(f)).join(', ')})` : ''}`);
  }
  const chain = certificateProblem(bundle);
  if (chain) return chain;
  // @sigstore/verify reads a proof's checkpoint unguarded (a TypeError); a proof is checked against it.
  const unanchored = bundle.verificationMaterial.tlogEntries.findIndex((e) => e.inclusionProof && !e.inclusionProof.checkpoint?.envelope);
  if (unanchored >= 0) return malformed(`tlogEntries[${unanchored}] has an inclusion proof without a checkpoint`);
  const inconsistent = proofCheckpointMismatch(bundle);
  if (inconsistent) return inconsistent;
  return ok({ bundle, version });
}

/** Bounds and strictness the library does not apply, checked on the JSON itself. */
function shapeProblem(json: Json): string | undefined {
  const material = json.verificationMaterial;
  if (!isObject(material)) return 'it has no verificationMaterial';
  const entries = material.tlogEntries ?? [];
  if (!Array.isArray(entries)) return 'tlogEntries is not a list';
  if (entries.length > MAX_TLOG_ENTRIES) return `it has ${entries.length} transparency-log entries, over the limit of ${MAX_TLOG_ENTRIES}`;
  for (const [i, entry] of entries.entries()) {
    if (!isObject(entry)) return `tlogEntries[${i}] is not an object`;
    for (const field of ['logIndex', 'integratedTime'] as const) {
      const value = entry[field];
      if (value !== undefined && !(typeof value === 'string' ? UNSIGNED_INT.test(value) : Number.isSafeInteger(value) && (value as number) >= 0)) {
        return `tlogEntries[${i}].${field} is ${escapeUntrusted(JSON.stringify(value))}, not a non-negative integer`;
      }
    }
    const proof = entry.inclusionProof;
    if (isObject(proof)) {
      if (Array.isArray(proof.hashes) && proof.hashes.length > MAX_PROOF_HASHES) return `tlogEntries[${i}] has an inclusion proof of ${proof.hashes.length} hashes, over the limit of ${MAX_PROOF_HASHES}`;
      for (const field of ['logIndex', 'treeSize'] as const) {
        const value = proof[field];
        if (value !== undefined && !(typeof value === 'string' ? UNSIGNED_INT.test(value) : Number.isSafeInteger(value) && (value as number) >= 0)) {
          return `tlogEntries[${i}].inclusionProof.${field} is not a non-negative integer`;
        }
      }
    }
  }
  const chain = isObject(material.x509CertificateChain) ? material.x509CertificateChain.certificates : undefined;
  if (Array.isArray(chain) && chain.length > MAX_CHAIN_CERTIFICATES) return `its certificate chain has ${chain.length} certificates, over the limit of ${MAX_CHAIN_CERTIFICATES}`;
  const timestamps = isObject(material.timestampVerificationData) ? material.timestampVerificationData.rfc3161Timestamps : undefined;
  if (Array.isArray(timestamps) && timestamps.length > MAX_RFC3161_TIMESTAMPS) return `it has ${timestamps.length} RFC 3161 timestamps, over the limit of ${MAX_RFC3161_TIMESTAMPS}`;

  // Protobuf's JSON reader skips characters that are not base64; a signature must be exactly what it says.
  const signed: Array<[string, unknown]> = [];
  if (isObject(json.messageSignature)) {
    signed.push(['messageSignature.signature', json.messageSignature.signature]);
    if (isObject(json.messageSignature.messageDigest)) signed.push(['messageSignature.messageDigest.digest', json.messageSignature.messageDigest.digest]);
  }
  if (isObject(json.dsseEnvelope)) {
    signed.push(['dsseEnvelope.payload', json.dsseEnvelope.payload]);
    const sigs = json.dsseEnvelope.signatures;
    if (Array.isArray(sigs)) sigs.forEach((s, i) => signed.push([`dsseEnvelope.signatures[${i}].sig`, isObject(s) ? s.sig : undefined]));
  }
  for (const [name, value] of signed) {
    if (typeof value !== 'string' || !BASE64.test(value)) return `${name} is not base64`;
  }
  return undefined;
}

/**
 * The library checks a proof against its checkpoint's size and root hash and ignores the proof's own
 * `treeSize` and `rootHash`; a bundle where they differ was altered, so it is refused rather than
 * verified on fields nothing signed.
 */
function proofCheckpointMismatch(bundle: Bundle): ReturnType<typeof fail<'tlog-invalid'>> | undefined {
  for (const [i, entry] of bundle.verificationMaterial.tlogEntries.entries()) {
    const proof = entry.inclusionProof;
    if (!proof?.checkpoint) continue;
    const [, size, root] = proof.checkpoint.envelope.split('\n');
    if (size !== String(proof.treeSize) || root !== Buffer.from(proof.rootHash).toString('base64')) {
      return fail('tlog-invalid', `Log entry ${i + 1}: the inclusion proof's tree size and root hash are not the ones its signed checkpoint states; the bundle was altered. Ask for a fresh one.`);
    }
  }
  return undefined;
}

/** The bundle may carry the leaf and intermediates; a self-signed (root) certificate would be trust it brings along. */
function certificateProblem(bundle: Bundle): ReturnType<typeof fail<'certificate-invalid' | 'bundle-malformed'>> | undefined {
  const content = bundle.verificationMaterial.content;
  const raw = content.$case === 'x509CertificateChain' ? content.x509CertificateChain.certificates.map((c) => c.rawBytes)
    : content.$case === 'certificate' ? [content.certificate.rawBytes] : [];
  for (const [i, bytes] of raw.entries()) {
    let cert: X509Certificate;
    try {
      cert = X509Certificate.parse(Buffer.from(bytes));
    } catch (e) {
      return fail('bundle-malformed', `The bundle is not a valid Sigstore bundle: certificate ${i + 1} cannot be read (${escapeUntrusted((e as Error).message)}).`);
    }
    if (!isDerCertificate(bytes, cert)) {
      return fail('certificate-invalid', `Certificate ${i + 1} of the bundle is not in DER, the encoding Sigstore clients write (cosign refuses it too): the bundle was altered. Ask for a fresh one.`);
    }
    if (cert.subject.equals(cert.issuer) && cert.isCA) {
      return fail('certificate-invalid', 'The bundle carries a root certificate in its chain: trust must come from the trusted root only, so the bundle is rejected. Ask for a bundle with the leaf certificate only.');
    }
  }
  return undefined;
}
