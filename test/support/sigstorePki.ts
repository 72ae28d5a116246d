// A Sigstore instance of our own for tests, made with Node's crypto and a small DER writer: a
// Fulcio-like CA (self-signed root, short-lived leaf certificates carrying the identity as SAN, the
// OIDC issuer in Fulcio's extensions and an SCT from our CT log), a Rekor-like log (its key signs each
// entry's SET: the canonical JSON of body, integratedTime, logID and logIndex) and the
// trusted_root.json that trusts exactly these. How: `new TestSigstore()`, then `signBlob(bytes,
// identity)` gives `.sig`/`.cert` contents and the Rekor API entry JSON (`GET
// /api/v1/log/entries/{uuid}` shape) with the old cosign `--bundle` JSON; `trustedRootJson()` is the
// root to pass as --trusted-root. Nothing here is a mock: @sigstore/verify checks all of it.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

// --- DER ---
function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, content: Buffer) => Buffer.concat([Buffer.from([tag]), length(content.length), content]);
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const octets = (b: Buffer) => tlv(0x04, b);
const bits = (b: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), b]));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const explicit = (n: number, content: Buffer) => tlv(0xa0 + n, content);
function integer(n: bigint): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  let b = Buffer.from(hex, 'hex');
  if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}
function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out = [40 * parts[0] + parts[1]];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [];
    for (let v = p; ; v = Math.floor(v / 128)) { chunk.unshift((v % 128) | (chunk.length ? 0x80 : 0)); if (v < 128) break; }
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}
function time(d: Date): Buffer {
  const s = d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  return tlv(0x17, Buffer.from(s, 'latin1'));
}
const name = (cn: string) => seq(set(seq(oid('2.5.4.10'), utf8('helm-provenance test')), seq(oid('2.5.4.3'), utf8(cn))));
const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
const extension = (id: string, critical: boolean, value: Buffer) => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

export interface KeyPair { publicKey: KeyObject; privateKey: KeyObject; spki: Buffer }
export function ecKeyPair(): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { publicKey, privateKey, spki: publicKey.export({ format: 'der', type: 'spki' }) };
}
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest();

function certificate(tbs: Buffer, issuerKey: KeyObject): Buffer {
  return seq(tbs, ECDSA_SHA256, bits(sign('sha256', tbs, issuerKey)));
}

function tbsCertificate(serial: bigint, issuer: string, subject: Buffer, notBefore: Date, notAfter: Date, spki: Buffer, extensions: Buffer[]): Buffer {
  return seq(explicit(0, integer(2n)), integer(serial), ECDSA_SHA256, name(issuer), seq(time(notBefore), time(notAfter)), subject, spki, explicit(3, seq(...extensions)));
}

export const toPem = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;

/** Canonical JSON as Rekor signs it: keys sorted, no spaces. */
function canonical(value: Record<string, unknown>): string {
  return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(value[k])}`).join(',')}}`;
}

export interface SignedBlob {
  sig: string;
  /** Kubernetes' `.cert`: base64 of the PEM. */
  cert: string;
  certPem: string;
  /** `rekor-cli get --format json` / the API's `{ "<uuid>": {...} }`. */
  rekorEntry: Record<string, unknown>;
  /** cosign 1.x/2.x `sign-blob --bundle` output. */
  oldCosignBundle: Record<string, unknown>;
  logIndex: number;
  integratedTime: number;
}

export interface SignOptions {
  identity: string;
  issuer?: string;
  /** The certificate's start; it lasts ten minutes, as Fulcio's do. */
  notBefore?: Date;
  /** When the log says it integrated the entry: default one minute after notBefore. */
  integratedTime?: Date;
  /** Which key signs the artifact: default the certificate's own. */
  signWith?: KeyObject;
}

export class TestSigstore {
  readonly ca = ecKeyPair();
  readonly ctLog = ecKeyPair();
  readonly rekor = ecKeyPair();
  readonly rootCert: Buffer;
  private nextIndex = 1000;
  static readonly START = new Date('2024-01-01T00:00:00Z');

  constructor() {
    const ext = [
      extension('2.5.29.19', true, seq(bool(true))),
      extension('2.5.29.15', true, bits(Buffer.from([0x06]))),
    ];
    this.rootCert = certificate(tbsCertificate(1n, 'test-fulcio-root', name('test-fulcio-root'), TestSigstore.START, new Date('2034-01-01T00:00:00Z'), this.ca.spki, ext), this.ca.privateKey);
  }

  trustedRootJson(): Record<string, unknown> {
    const logKey = (k: KeyPair, url: string) => ({
      baseUrl: url, hashAlgorithm: 'SHA2_256',
      publicKey: { rawBytes: k.spki.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: TestSigstore.START.toISOString() } },
      logId: { keyId: sha256(k.spki).toString('base64') },
    });
    return {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [logKey(this.rekor, 'https://rekor.test')],
      certificateAuthorities: [{
        subject: { organization: 'helm-provenance test', commonName: 'test-fulcio-root' }, uri: 'https://fulcio.test',
        certChain: { certificates: [{ rawBytes: this.rootCert.toString('base64') }] }, validFor: { start: TestSigstore.START.toISOString() },
      }],
      ctlogs: [logKey(this.ctLog, 'https://ctfe.test')],
      timestampAuthorities: [],
    };
  }

  /** A Fulcio-like leaf for `identity` (an email, or a URI when it has a scheme). */
  leafCertificate(key: KeyPair, identity: string, issuer: string, notBefore: Date): Buffer {
    const notAfter = new Date(notBefore.getTime() + 10 * 60 * 1000);
    const san = /^[a-z]+:\/\//.test(identity) ? tlv(0x86, Buffer.from(identity)) : tlv(0x81, Buffer.from(identity));
    const ext = [
      extension('2.5.29.15', true, bits(Buffer.from([0x80]))),
      extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.3'))),
      extension('2.5.29.17', true, seq(san)),
      extension('1.3.6.1.4.1.57264.1.1', false, Buffer.from(issuer)),
      extension('1.3.6.1.4.1.57264.1.8', false, utf8(issuer)),
    ];
    const serial = BigInt('0x' + sha256(identity + notBefore.toISOString()).subarray(0, 8).toString('hex'));
    const subject = seq();
    // The SCT signs the TBS without itself (RFC 6962 §3.2), then is added as the last extension.
    const precert = tbsCertificate(serial, 'test-fulcio-root', subject, notBefore, notAfter, key.spki, ext);
    const timestamp = Buffer.alloc(8);
    timestamp.writeBigUInt64BE(BigInt(notBefore.getTime()));
    const signed = Buffer.concat([
      Buffer.from([0, 0]), timestamp, Buffer.from([0, 1]), sha256(this.ca.spki),
      Buffer.from([precert.length >> 16, (precert.length >> 8) & 0xff, precert.length & 0xff]), precert, Buffer.from([0, 0]),
    ]);
    const sctSig = sign('sha256', signed, this.ctLog.privateKey);
    const sct = Buffer.concat([Buffer.from([0]), sha256(this.ctLog.spki), timestamp, Buffer.from([0, 0, 4, 3]), Buffer.from([sctSig.length >> 8, sctSig.length & 0xff]), sctSig]);
    const list = Buffer.concat([Buffer.from([(sct.length + 2) >> 8, (sct.length + 2) & 0xff, sct.length >> 8, sct.length & 0xff]), sct]);
    const tbs = tbsCertificate(serial, 'test-fulcio-root', subject, notBefore, notAfter, key.spki, [...ext, extension('1.3.6.1.4.1.11129.2.4.2', false, octets(list))]);
    return certificate(tbs, this.ca.privateKey);
  }

  /** A Rekor-like entry for a hashedrekord of (digest, signature, verifier PEM). */
  logEntry(digest: Buffer, signature: Buffer, verifierPem: string, integratedTime: Date) {
    const body = Buffer.from(JSON.stringify({
      apiVersion: '0.0.1', kind: 'hashedrekord',
      spec: { data: { hash: { algorithm: 'sha256', value: digest.toString('hex') } }, signature: { content: signature.toString('base64'), publicKey: { content: Buffer.from(verifierPem).toString('base64') } } },
    })).toString('base64');
    const logIndex = this.nextIndex++;
    const time = Math.floor(integratedTime.getTime() / 1000);
    const logID = sha256(this.rekor.spki).toString('hex');
    const set = sign('sha256', Buffer.from(canonical({ body, integratedTime: time, logID, logIndex })), this.rekor.privateKey).toString('base64');
    const uuid = sha256(Buffer.from(body, 'base64')).toString('hex');
    return { uuid, body, integratedTime: time, logID, logIndex, signedEntryTimestamp: set };
  }

  signBlob(artifact: Buffer, options: SignOptions): SignedBlob {
    const issuer = options.issuer ?? 'https://issuer.test';
    const notBefore = options.notBefore ?? new Date('2025-03-01T12:00:00Z');
    const integratedTime = options.integratedTime ?? new Date(notBefore.getTime() + 60_000);
    const key = ecKeyPair();
    const der = this.leafCertificate(key, options.identity, issuer, notBefore);
    const certPem = toPem(der);
    const signature = sign('sha256', artifact, options.signWith ?? key.privateKey);
    const entry = this.logEntry(sha256(artifact), signature, certPem, integratedTime);
    const { uuid, signedEntryTimestamp, ...payload } = entry;
    return {
      sig: signature.toString('base64'),
      cert: Buffer.from(certPem).toString('base64'),
      certPem,
      rekorEntry: { [uuid]: { ...payload, verification: { signedEntryTimestamp } } },
      oldCosignBundle: { base64Signature: signature.toString('base64'), cert: Buffer.from(certPem).toString('base64'), rekorBundle: { SignedEntryTimestamp: signedEntryTimestamp, Payload: payload } },
      logIndex: entry.logIndex,
      integratedTime: entry.integratedTime,
    };
  }

  /** A keyed signature (cosign sign-blob --key) and its log entry. */
  signWithKey(artifact: Buffer, key: KeyPair, integratedTime = new Date('2025-03-01T12:01:00Z')) {
    const signature = sign('sha256', artifact, key.privateKey);
    const pem = key.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const entry = this.logEntry(sha256(artifact), signature, pem, integratedTime);
    const { uuid, signedEntryTimestamp, ...payload } = entry;
    return { sig: signature.toString('base64'), pem, rekorEntry: { [uuid]: { ...payload, verification: { signedEntryTimestamp } } } };
  }
}

/** The same signature as a v0.1 Sigstore bundle (what `cosign sign-blob --new-bundle-format` carries). */
export function bundleJsonOf(blob: SignedBlob, artifact: Buffer): Record<string, unknown> {
  const [entry] = Object.values(blob.rekorEntry) as Array<{ body: string; integratedTime: number; logID: string; logIndex: number; verification: { signedEntryTimestamp: string } }>;
  const der = Buffer.from(blob.certPem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
    verificationMaterial: {
      x509CertificateChain: { certificates: [{ rawBytes: der.toString('base64') }] },
      tlogEntries: [{
        logIndex: String(entry.logIndex), logId: { keyId: Buffer.from(entry.logID, 'hex').toString('base64') },
        kindVersion: { kind: 'hashedrekord', version: '0.0.1' }, integratedTime: String(entry.integratedTime),
        inclusionPromise: { signedEntryTimestamp: entry.verification.signedEntryTimestamp }, canonicalizedBody: entry.body,
      }],
    },
    messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: sha256(artifact).toString('base64') }, signature: blob.sig },
  };
}
