// Diagnostics for Sigstore files at their exact JSON ranges: a bundle's syntax and schema problems on
// the value they are about, then its verification against the artifact beside it (on the part the
// outcome is about: digest, signature, certificate, log entry); a trusted_root.json's keys that have
// expired or are not valid yet on their `validFor` dates. Pure: from text and results to diagnostics.
import { DiagnosticSeverity, type Diagnostic, type Range } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Code } from '../provenance/codes';
import { escapeUntrusted } from '../provenance/untrustedText';
import type { SigstoreOutcome } from '../sigstore/codes';
import { codeHref } from './diagnostics';
import { nodeAt, type JsonNode, type JsonPath } from './jsonTree';
import { DIAGNOSTIC_SOURCE } from './protocol';

export function diagnostic(range: Range, severity: DiagnosticSeverity, code: Code, message: string, docsBaseUrl: string): Diagnostic {
  return { range, severity, source: DIAGNOSTIC_SOURCE, code, codeDescription: { href: codeHref(docsBaseUrl, code) }, message: escapeUntrusted(message, 2000) };
}

export function rangeOf(doc: TextDocument, node: { offset: number; length: number }): Range {
  return { start: doc.positionAt(node.offset), end: doc.positionAt(node.offset + node.length) };
}

/** The deepest node on `path` that exists (the whole document at worst). */
function nearest(root: JsonNode, path: JsonPath): JsonNode {
  for (let n = path.length; n > 0; n--) {
    const node = nodeAt(root, path.slice(0, n));
    if (node) return node;
  }
  return root;
}

const MATERIAL_FIELDS = new Set(['tlogEntries', 'x509CertificateChain', 'certificate', 'publicKey', 'timestampVerificationData']);

/** The JSON path an engine message names (`tlogEntries[0].logIndex`, `messageSignature.signature`, `certificate 2`, `mediaType`). */
export function pathInMessage(message: string, root: JsonNode): JsonPath {
  const cert = /certificate (\d+) cannot be read/.exec(message);
  if (cert) return nodeAt(root, ['verificationMaterial', 'certificate']) ? ['verificationMaterial', 'certificate'] : ['verificationMaterial', 'x509CertificateChain', 'certificates', Number(cert[1]) - 1];
  if (/certificate chain has/.test(message)) return ['verificationMaterial', 'x509CertificateChain', 'certificates'];
  if (/transparency-log entries, over/.test(message)) return ['verificationMaterial', 'tlogEntries'];
  if (/RFC 3161 timestamps, over/.test(message)) return ['verificationMaterial', 'timestampVerificationData'];
  const m = /\b((?:tlogEntries|messageSignature|dsseEnvelope|mediaType|verificationMaterial|x509CertificateChain|timestampVerificationData)(?:\.[A-Za-z]+|\[\d+\])*)/.exec(message);
  if (!m) return [];
  const path: JsonPath = [];
  for (const part of m[1].matchAll(/([A-Za-z]+)|\[(\d+)\]/g)) path.push(part[1] ?? Number(part[2]));
  return MATERIAL_FIELDS.has(String(path[0])) ? ['verificationMaterial', ...path] : path;
}

/** Where a verification outcome is shown: on the part of the bundle it is about. */
function outcomePath(root: JsonNode, code: SigstoreOutcome['code']): JsonPath {
  const dsse = nodeAt(root, ['dsseEnvelope']) !== undefined;
  const cert = nodeAt(root, ['verificationMaterial', 'certificate']) ? ['verificationMaterial', 'certificate'] : ['verificationMaterial', 'x509CertificateChain', 'certificates', 0];
  switch (code) {
    case 'digest-mismatch': return dsse ? ['dsseEnvelope', 'payload'] : ['messageSignature', 'messageDigest', 'digest'];
    case 'signature-invalid': return dsse ? ['dsseEnvelope', 'signatures'] : ['messageSignature', 'signature'];
    case 'identity-mismatch': case 'issuer-mismatch': case 'certificate-invalid': case 'identity-required': return cert;
    case 'tlog-invalid': case 'tlog-missing': case 'no-trusted-time': return ['verificationMaterial', 'tlogEntries', 0];
    case 'timestamp-invalid': return ['verificationMaterial', 'timestampVerificationData'];
    default: return ['mediaType'];
  }
}

const OUTCOME_SEVERITY = (code: SigstoreOutcome['code']): DiagnosticSeverity =>
  code === 'verified' || code === 'identity-required' ? DiagnosticSeverity.Information : DiagnosticSeverity.Error;

/** A verification outcome as diagnostics: the verdict on its part of the bundle, each warning at the top. */
export function outcomeDiagnostics(doc: TextDocument, root: JsonNode | undefined, outcome: SigstoreOutcome, docsBaseUrl: string): Diagnostic[] {
  const at = (path: JsonPath) => (root ? rangeOf(doc, nearest(root, path)) : { start: doc.positionAt(0), end: doc.positionAt(0) });
  const top = root ? nearest(root, ['mediaType']) : undefined;
  return [
    diagnostic(at(outcomePath(root ?? { type: 'null', value: null, offset: 0, length: 0 }, outcome.code)), OUTCOME_SEVERITY(outcome.code), outcome.code, outcome.message, docsBaseUrl),
    ...outcome.warnings.map((w) => diagnostic(top ? rangeOf(doc, top) : at([]), DiagnosticSeverity.Warning, w.code, w.message, docsBaseUrl)),
  ];
}

/** A problem found before verification (syntax, schema), on the value its message names. */
export function problemDiagnostic(doc: TextDocument, root: JsonNode | undefined, code: Code, message: string, docsBaseUrl: string, offset?: number, severity: DiagnosticSeverity = DiagnosticSeverity.Error): Diagnostic {
  if (!root) {
    const at = doc.positionAt(offset ?? 0);
    return diagnostic({ start: at, end: doc.positionAt((offset ?? 0) + 1) }, severity, code, message, docsBaseUrl);
  }
  return diagnostic(rangeOf(doc, nearest(root, pathInMessage(message, root))), DiagnosticSeverity.Error, code, message, docsBaseUrl);
}

const TRUST_LISTS: Array<[string, string, boolean]> = [
  ['tlogs', 'transparency log', true], ['ctlogs', 'CT log', true], ['certificateAuthorities', 'certificate authority', false], ['timestampAuthorities', 'timestamp authority', false],
];

/** Keys of a trusted root that are expired (information: they still verify what was signed before) or not valid yet (warning). */
export function trustedRootDiagnostics(doc: TextDocument, root: JsonNode, now: Date, docsBaseUrl: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [field, what, keyed] of TRUST_LISTS) {
    const list = nodeAt(root, [field]);
    if (list?.type !== 'array') continue;
    list.items.forEach((item, i) => {
      const validFor: JsonPath = keyed ? [field, i, 'publicKey', 'validFor'] : [field, i, 'validFor'];
      const name = nodeAt(item, ['baseUrl']) ?? nodeAt(item, ['uri']);
      const label = `The ${what} ${name?.type === 'string' ? name.value : `#${i + 1}`}`;
      const end = nodeAt(root, [...validFor, 'end']);
      const start = nodeAt(root, [...validFor, 'start']);
      const endTime = end?.type === 'string' ? Date.parse(end.value) : NaN;
      const startTime = start?.type === 'string' ? Date.parse(start.value) : NaN;
      if (end && !Number.isNaN(endTime) && endTime <= now.getTime()) {
        out.push(diagnostic(rangeOf(doc, end), DiagnosticSeverity.Information, 'trust-key-expired',
          `${label} stopped being valid on ${new Date(endTime).toISOString()}: it verifies only what was logged or signed before then (kept for those).`, docsBaseUrl));
      }
      if (start && !Number.isNaN(startTime) && startTime > now.getTime()) {
        out.push(diagnostic(rangeOf(doc, start), DiagnosticSeverity.Warning, 'trust-key-not-yet-valid',
          `${label} is not valid until ${new Date(startTime).toISOString()}: nothing it vouches for counts before then. A root with a start in the future is unusual: check where this file came from.`, docsBaseUrl));
      }
    });
  }
  return out;
}
