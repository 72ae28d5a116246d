// Hovers on Sigstore files: in a bundle, the certificate (SAN, OIDC issuer, validity, chain to the
// trusted root), a transparency-log entry (index, integrated time as a date, which log), the DSSE
// statement (subjects, predicate type) and the message digest; a `.cert` and a `.sig` decoded. What a
// file says is claimed, not checked, and the hover says so; all of it is escaped for Markdown.
import { X509Certificate as NodeX509 } from 'node:crypto';
import { MarkupKind, type Hover, type Range } from 'vscode-languageserver/node';
import { X509Certificate } from '@sigstore/core';
import { verifyCertificateChain } from '@sigstore/verify/dist/key/certificate';
import { markdownText } from '../provenance/untrustedText';
import { parseCertificateFile, parseSignatureFile } from '../sigstore/cosignFiles';
import { certificateIdentity } from '../sigstore/signer';
import type { LoadedTrustedRoot } from '../sigstore/trustedRoot';
import { nodeAt, type JsonNode, type JsonPath } from './jsonTree';
import { parseUntrustedJson } from '../provenance/untrustedJson';

const CLAIMED = '_As the file states it; the diagnostics say what verified._';

export function markdownHover(lines: string[], range?: Range): Hover {
  return { contents: { kind: MarkupKind.Markdown, value: lines.join('\n\n') }, ...(range ? { range } : {}) };
}

const text = (node: JsonNode | undefined): string | undefined => (node?.type === 'string' ? node.value : node?.type === 'number' ? String(node.value) : undefined);
const code = (s: string) => (/^[0-9A-Za-z:+/=._-]*$/.test(s) ? `\`${s}\`` : markdownText(s));

/** A certificate's facts; with a trusted root, the chain it builds to one of its CAs (or that it builds to none). */
export function certificateLines(der: Buffer, trustedRoot?: LoadedTrustedRoot): string[] {
  let cert: X509Certificate;
  let shown: NodeX509;
  try {
    cert = X509Certificate.parse(Buffer.from(der));
    shown = new NodeX509(der);
  } catch (e) {
    return [`**Certificate** — cannot be read: ${markdownText((e as Error).message, 500)}`];
  }
  const { identity, issuer } = certificateIdentity(cert);
  const lines = [
    '**Certificate**',
    `Identity (SAN): ${identity ? markdownText(identity, 500) : '(none)'}`,
    `OIDC issuer: ${issuer ? markdownText(issuer, 500) : '(none: not a Fulcio certificate)'}`,
    `Valid: ${cert.notBefore.toISOString()} to ${cert.notAfter.toISOString()}`,
    `Subject: ${markdownText((shown.subject ?? '').replace(/\n/g, ', ') || '(empty)', 500)}`,
    `Issued by: ${markdownText((shown.issuer ?? '').replace(/\n/g, ', '), 500)}`,
  ];
  if (trustedRoot) {
    try {
      const chain = verifyCertificateChain(cert.notBefore, cert, trustedRoot.material.certificateAuthorities);
      const names = chain.map((c) => markdownText((new NodeX509(c.root.toDER()).subject ?? '').replace(/\n/g, ', ') || '(leaf)', 300));
      lines.push(`Chain: ${names.join(' → ')} (a CA of the trusted root ${markdownText(trustedRoot.source, 300)})`);
    } catch {
      lines.push(`Chain: builds to no certificate authority of the trusted root ${markdownText(trustedRoot.source, 300)} at ${cert.notBefore.toISOString()}`);
    }
  }
  return lines;
}

/** A tlog entry; `logId` is matched against the trusted root's logs to name the log. */
export function tlogLines(entry: JsonNode, trustedRoot?: LoadedTrustedRoot): string[] {
  const index = text(nodeAt(entry, ['logIndex']));
  const time = Number(text(nodeAt(entry, ['integratedTime'])));
  const keyId = text(nodeAt(entry, ['logId', 'keyId']));
  const kind = [text(nodeAt(entry, ['kindVersion', 'kind'])), text(nodeAt(entry, ['kindVersion', 'version']))].filter(Boolean).join(' ');
  const log = keyId ? trustedRoot?.root.tlogs.find((t) => t.logId && Buffer.from(t.logId.keyId).toString('base64') === keyId) : undefined;
  return [
    '**Transparency-log entry**',
    `Log index: ${index !== undefined ? code(index) : '(none)'}`,
    `Integrated: ${Number.isFinite(time) && time > 0 ? new Date(time * 1000).toISOString() : '(no time: a timestamp authority vouches instead)'}`,
    `Log: ${log ? markdownText(log.baseUrl, 300) : 'not a log of the trusted root'}${keyId ? ` (id ${code(Buffer.from(keyId, 'base64').toString('hex'))})` : ''}`,
    ...(kind ? [`Entry: ${markdownText(kind, 100)}`] : []),
    ...(nodeAt(entry, ['inclusionProof']) ? ['Inclusion proof with checkpoint'] : []),
    ...(nodeAt(entry, ['inclusionPromise']) ? ['Signed promise of inclusion (SET)'] : []),
  ];
}

const MAX_SUBJECTS_SHOWN = 20;

/** The DSSE envelope's payload: an in-toto statement's subjects and predicate type, or its type and size. */
export function dsseLines(envelope: JsonNode): string[] {
  const payloadType = text(nodeAt(envelope, ['payloadType'])) ?? '(none)';
  const payload = Buffer.from(text(nodeAt(envelope, ['payload'])) ?? '', 'base64');
  const lines = ['**DSSE envelope**', `Payload type: ${markdownText(payloadType, 200)}`];
  let statement: unknown;
  try { statement = parseUntrustedJson(payload.toString('utf8')); } catch { statement = undefined; }
  const s = statement && typeof statement === 'object' ? statement as Record<string, unknown> : undefined;
  if (!s || !Array.isArray(s.subject)) return [...lines, `Payload: ${payload.length} bytes, not an in-toto statement`];
  lines.push(`Predicate type: ${markdownText(String(s.predicateType ?? '(none)'), 300)}`);
  const subjects = s.subject as unknown[];
  lines.push(`Subjects (${subjects.length}):`);
  for (const sub of subjects.slice(0, MAX_SUBJECTS_SHOWN)) {
    const o = (sub && typeof sub === 'object' ? sub : {}) as { name?: unknown; digest?: Record<string, unknown> };
    const digests = Object.entries(o.digest ?? {}).map(([alg, v]) => `${markdownText(alg, 20)}:${code(String(v).slice(0, 128))}`).join(', ');
    lines.push(`- ${markdownText(String(o.name ?? '(no name)'), 300)} ${digests}`);
  }
  if (subjects.length > MAX_SUBJECTS_SHOWN) lines.push(`… and ${subjects.length - MAX_SUBJECTS_SHOWN} more`);
  return lines;
}

/** The hover for the bundle value at `path` (the innermost value under the cursor), if it has one. */
export function bundleHoverLines(root: JsonNode, path: JsonPath, trustedRoot?: LoadedTrustedRoot): { lines: string[]; node: JsonNode } | undefined {
  const at = (p: JsonPath) => ({ node: nodeAt(root, p)! });
  const prefix = (p: JsonPath) => p.every((step, i) => path[i] === step) && path.length >= p.length;
  const certPath: JsonPath | undefined = prefix(['verificationMaterial', 'certificate']) ? ['verificationMaterial', 'certificate', 'rawBytes']
    : prefix(['verificationMaterial', 'x509CertificateChain', 'certificates']) && typeof path[3] === 'number' ? ['verificationMaterial', 'x509CertificateChain', 'certificates', path[3], 'rawBytes'] : undefined;
  if (certPath) {
    const raw = text(nodeAt(root, certPath));
    return raw ? { ...at(certPath), lines: [...certificateLines(Buffer.from(raw, 'base64'), trustedRoot), CLAIMED] } : undefined;
  }
  if (prefix(['verificationMaterial', 'tlogEntries']) && typeof path[2] === 'number') {
    const p = ['verificationMaterial', 'tlogEntries', path[2]];
    return { ...at(p), lines: [...tlogLines(nodeAt(root, p)!, trustedRoot), CLAIMED] };
  }
  if (prefix(['dsseEnvelope'])) return { ...at(['dsseEnvelope']), lines: [...dsseLines(nodeAt(root, ['dsseEnvelope'])!), CLAIMED] };
  if (prefix(['messageSignature'])) {
    const alg = text(nodeAt(root, ['messageSignature', 'messageDigest', 'algorithm'])) ?? '(none)';
    const digest = Buffer.from(text(nodeAt(root, ['messageSignature', 'messageDigest', 'digest'])) ?? '', 'base64').toString('hex');
    const sig = Buffer.from(text(nodeAt(root, ['messageSignature', 'signature'])) ?? '', 'base64');
    return { ...at(['messageSignature']), lines: ['**Message signature**', `Digest: ${markdownText(alg, 40)} ${code(digest)}`, `Signature: ${sig.length} bytes`, CLAIMED] };
  }
  return undefined;
}

/** A `.cert` file (PEM, base64 of a PEM, or base64 of DER), decoded. */
export function certificateFileLines(bytes: Buffer, name: string, trustedRoot?: LoadedTrustedRoot): string[] {
  const parsed = parseCertificateFile(bytes, name);
  if (!parsed.ok) return [`**Certificate file** — ${markdownText(parsed.error.message, 500)}`];
  return [...certificateLines(parsed.value.der, trustedRoot), CLAIMED];
}

/** A `.sig` file: how long the signature is and what kind it looks like (a DER ECDSA sequence, a raw Ed25519 or RSA size). */
export function signatureFileLines(bytes: Buffer, name: string): string[] {
  const parsed = parseSignatureFile(bytes, name);
  if (!parsed.ok) return [`**Signature file** — ${markdownText(parsed.error.message, 500)}`];
  const sig = parsed.value;
  const kind = sig[0] === 0x30 && sig.length >= 8 && sig.length <= 140 && sig[1] + 2 === sig.length ? 'ECDSA (DER-encoded r, s)'
    : sig.length === 64 ? 'Ed25519, or a raw 64-byte ECDSA P-256 pair'
    : [256, 384, 512].includes(sig.length) ? `RSA-${sig.length * 8}` : 'unknown';
  return ['**cosign signature** (base64)', `Length: ${sig.length} bytes`, `Algorithm (by its shape): ${kind}`, 'Verify it against its artifact with its `.cert` (Verify Sigstore Signature).'];
}
