// cosign's own file formats, read from bytes: a `.sig` (base64 signature), a `.cert` (PEM, or base64
// of a PEM as Kubernetes publishes it, or base64 of DER), a public key (PEM), the JSON Rekor's API
// returns for one entry (`GET /api/v1/log/entries/{uuid}`, `rekor-cli get --format json`), and the
// older cosign `--bundle` JSON (`base64Signature`, `cert`, `rekorBundle`). Each becomes the values
// the bundle path verifies; nothing here decides trust.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { X509Certificate } from '@sigstore/core';
import { fail, ok, type Result } from '../provenance/codes';
import { isDerCertificate } from './certificateDer';
import { escapeUntrusted } from '../provenance/untrustedText';
import { MAX_PROOF_HASHES, MAX_REKOR_ENTRY_BYTES, MAX_SMALL_FILE_BYTES } from './limits';
import { parseUntrustedJson } from '../provenance/untrustedJson';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const INTEGER = /^(?:0|[1-9][0-9]{0,18})$/;

/** Strict base64 of text, whitespace and line breaks allowed between characters. */
function decodeBase64(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, '');
  return compact.length > 0 && BASE64.test(compact) ? Buffer.from(compact, 'base64') : undefined;
}

export function parseSignatureFile(bytes: Uint8Array, name: string): Result<Buffer> {
  if (bytes.length > MAX_SMALL_FILE_BYTES) return fail('bundle-malformed', `${escapeUntrusted(name, 2000)} is ${bytes.length} bytes, over the ${MAX_SMALL_FILE_BYTES}-byte limit for a signature.`);
  const sig = decodeBase64(Buffer.from(bytes).toString('latin1'));
  if (!sig) return fail('bundle-malformed', `${escapeUntrusted(name, 2000)} is not a base64 signature (as cosign sign-blob --output-signature writes it).`);
  return ok(sig);
}

export interface CertificateFile { cert: X509Certificate; der: Buffer }

const PEM_CERT = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/;

export function parseCertificateFile(bytes: Uint8Array, name: string): Result<CertificateFile> {
  if (bytes.length > MAX_SMALL_FILE_BYTES) return fail('bundle-malformed', `${escapeUntrusted(name, 2000)} is ${bytes.length} bytes, over the ${MAX_SMALL_FILE_BYTES}-byte limit for a certificate.`);
  let text = Buffer.from(bytes).toString('latin1');
  if (!PEM_CERT.test(text)) {
    // Kubernetes' `.cert` is base64 of the PEM; some tools write base64 of the DER.
    const decoded = decodeBase64(text);
    if (decoded && PEM_CERT.test(decoded.toString('latin1'))) text = decoded.toString('latin1');
    else if (decoded) return certificateFromDer(decoded, name);
  }
  const m = PEM_CERT.exec(text);
  const der = m ? decodeBase64(m[1]) : undefined;
  if (!der) return fail('bundle-malformed', `${escapeUntrusted(name, 2000)} is not a certificate (PEM, or base64 of a PEM as Kubernetes publishes it).`);
  return certificateFromDer(der, name);
}

function certificateFromDer(der: Buffer, name: string): Result<CertificateFile> {
  let cert: X509Certificate;
  try {
    cert = X509Certificate.parse(Buffer.from(der));
  } catch (e) {
    return fail('bundle-malformed', `${escapeUntrusted(name, 2000)} is not a readable X.509 certificate: ${escapeUntrusted((e as Error).message)}.`);
  }
  if (!isDerCertificate(der, cert)) {
    return fail('certificate-invalid', `${escapeUntrusted(name, 2000)} holds a certificate that is not in DER, the encoding Sigstore clients write (cosign refuses it too): it was altered. Ask for a fresh one.`);
  }
  return ok({ cert, der });
}

export function parsePublicKeyFile(bytes: Uint8Array, name: string): Result<KeyObject> {
  if (bytes.length > MAX_SMALL_FILE_BYTES) return fail('untrusted-key', `${escapeUntrusted(name, 2000)} is ${bytes.length} bytes, over the ${MAX_SMALL_FILE_BYTES}-byte limit for a public key.`);
  try {
    const key = createPublicKey(Buffer.from(bytes).toString('latin1'));
    return ok(key);
  } catch (e) {
    return fail('untrusted-key', `${escapeUntrusted(name, 2000)} is not a PEM public key (${escapeUntrusted((e as Error).message)}): give the key file cosign generate-key-pair wrote (cosign.pub).`);
  }
}

/** One Rekor log entry as the bundle's `tlogEntries[]` JSON, plus what the older cosign bundle carried beside it. */
export interface RekorEntry {
  tlogEntry: Json;
  /** The canonical entry body, parsed: kind, apiVersion, spec. */
  body: Json;
  signature?: Buffer;
  certificate?: CertificateFile;
}

const bad = (name: string, why: string) => fail('bundle-malformed', `${escapeUntrusted(name, 2000)} is not a Rekor log entry: ${why}.`);

/** Reads a Rekor API entry (`{"<uuid>": {...}}` or the inner object) or an old cosign `--bundle` file. */
export function parseRekorEntryFile(bytes: Uint8Array, name: string): Result<RekorEntry> {
  if (bytes.length > MAX_REKOR_ENTRY_BYTES) return bad(name, `${bytes.length} bytes, over the ${MAX_REKOR_ENTRY_BYTES}-byte limit`);
  let json: unknown;
  try {
    json = parseUntrustedJson(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    return bad(name, `not JSON (${escapeUntrusted((e as Error).message)})`);
  }
  return rekorEntryFromJson(json, name);
}

export function rekorEntryFromJson(json: unknown, name: string): Result<RekorEntry> {
  if (!isObject(json)) return bad(name, 'not a JSON object');
  if (isObject(json.rekorBundle)) return oldCosignBundle(json, name);
  let entry: Json = json;
  if (json.body === undefined) {
    const keys = Object.keys(json);
    if (keys.length !== 1 || !isObject(json[keys[0]])) return bad(name, 'expected {"<uuid>": {"body", "integratedTime", "logID", "logIndex", "verification"}}');
    entry = json[keys[0]] as Json;
  }
  const verification = isObject(entry.verification) ? entry.verification : {};
  return toTlogEntry(name, {
    body: entry.body, integratedTime: entry.integratedTime, logID: entry.logID, logIndex: entry.logIndex,
    set: verification.signedEntryTimestamp, proof: verification.inclusionProof,
  });
}

/** cosign 1.x/2.x `sign-blob --bundle`: the signature and certificate with the log's promise. */
function oldCosignBundle(json: Json, name: string): Result<RekorEntry> {
  const rekor = json.rekorBundle as Json;
  const payload = isObject(rekor.Payload) ? rekor.Payload : {};
  const entry = toTlogEntry(name, { body: payload.body, integratedTime: payload.integratedTime, logID: payload.logID, logIndex: payload.logIndex, set: rekor.SignedEntryTimestamp });
  if (!entry.ok) return entry;
  if (typeof json.base64Signature !== 'string') return bad(name, 'the cosign bundle has no base64Signature');
  const signature = decodeBase64(json.base64Signature);
  if (!signature) return bad(name, 'its base64Signature is not base64');
  let certificate: CertificateFile | undefined;
  if (typeof json.cert === 'string' && json.cert.length > 0) {
    const cert = parseCertificateFile(Buffer.from(json.cert, 'latin1'), `${name} (cert)`);
    if (!cert.ok) return cert;
    certificate = cert.value;
  }
  return ok({ ...entry.value, signature, ...(certificate ? { certificate } : {}) });
}

interface RawEntry { body: unknown; integratedTime: unknown; logID: unknown; logIndex: unknown; set: unknown; proof?: unknown }

function toTlogEntry(name: string, raw: RawEntry): Result<RekorEntry> {
  if (typeof raw.body !== 'string' || !BASE64.test(raw.body)) return bad(name, 'its body is not base64');
  const bodyBytes = Buffer.from(raw.body, 'base64');
  let body: unknown;
  try {
    body = parseUntrustedJson(bodyBytes.toString('utf8'));
  } catch {
    return bad(name, 'its body is not JSON');
  }
  if (!isObject(body) || typeof body.kind !== 'string' || typeof body.apiVersion !== 'string') return bad(name, 'its body has no kind and apiVersion');
  const integer = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) || (typeof v === 'string' && INTEGER.test(v));
  if (!integer(raw.integratedTime)) return bad(name, 'its integratedTime is not a non-negative integer');
  if (!integer(raw.logIndex)) return bad(name, 'its logIndex is not a non-negative integer');
  if (typeof raw.logID !== 'string' || !HEX.test(raw.logID)) return bad(name, 'its logID is not hexadecimal');
  if (typeof raw.set !== 'string' || !BASE64.test(raw.set)) return bad(name, 'it has no signedEntryTimestamp (the log\'s signed promise of inclusion)');
  const tlogEntry: Json = {
    logIndex: String(raw.logIndex),
    logId: { keyId: Buffer.from(raw.logID, 'hex').toString('base64') },
    kindVersion: { kind: body.kind, version: body.apiVersion },
    integratedTime: String(raw.integratedTime),
    inclusionPromise: { signedEntryTimestamp: raw.set },
    canonicalizedBody: raw.body,
  };
  const proof = raw.proof;
  // A proof without a checkpoint (older Rekor) cannot be checked offline; the promise above still is.
  if (isObject(proof) && typeof proof.checkpoint === 'string') {
    const hashes = Array.isArray(proof.hashes) ? proof.hashes : [];
    if (hashes.length > MAX_PROOF_HASHES || !hashes.every((h) => typeof h === 'string' && HEX.test(h))) return bad(name, 'its inclusion proof hashes are not hexadecimal (or too many)');
    if (typeof proof.rootHash !== 'string' || !HEX.test(proof.rootHash) || !integer(proof.logIndex) || !integer(proof.treeSize)) return bad(name, 'its inclusion proof is incomplete');
    tlogEntry.inclusionProof = {
      logIndex: String(proof.logIndex),
      rootHash: Buffer.from(proof.rootHash, 'hex').toString('base64'),
      treeSize: String(proof.treeSize),
      hashes: hashes.map((h: string) => Buffer.from(h, 'hex').toString('base64')),
      checkpoint: { envelope: proof.checkpoint },
    };
  }
  return ok({ tlogEntry, body });
}

/** The artifact digest a hashedrekord body records (sha256 hex), if it is one. */
export function hashedrekordDigest(body: Json): string | undefined {
  const spec = isObject(body.spec) ? body.spec : undefined;
  const data = spec && isObject(spec.data) ? spec.data : undefined;
  const hash = data && isObject(data.hash) ? data.hash : undefined;
  return hash && hash.algorithm === 'sha256' && typeof hash.value === 'string' && /^[0-9a-f]{64}$/.test(hash.value) ? hash.value : undefined;
}
