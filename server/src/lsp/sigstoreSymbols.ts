// The outline of a Sigstore bundle (media type, certificate, log entries, timestamps, the signed
// content) and of a trusted_root.json (its logs and authorities by URL). Names come from the file and
// are escaped.
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { escapeUntrusted } from '../provenance/untrustedText';
import { nodeAt, type JsonNode } from './jsonTree';
import { rangeOf } from './sigstoreDiagnostics';

function symbol(doc: TextDocument, name: string, kind: SymbolKind, node: JsonNode, detail?: string, children: DocumentSymbol[] = []): DocumentSymbol {
  const range = rangeOf(doc, node);
  return { name: name || '(empty)', kind, range, selectionRange: range, ...(detail ? { detail: escapeUntrusted(detail, 120) } : {}), ...(children.length ? { children } : {}) };
}

const str = (n: JsonNode | undefined) => (n?.type === 'string' ? n.value : n?.type === 'number' ? String(n.value) : undefined);

export function bundleSymbols(doc: TextDocument, root: JsonNode): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  const media = nodeAt(root, ['mediaType']);
  if (media) out.push(symbol(doc, 'mediaType', SymbolKind.Property, media, str(media)));
  const material = nodeAt(root, ['verificationMaterial']);
  if (material) {
    const children: DocumentSymbol[] = [];
    const cert = nodeAt(material, ['certificate']);
    if (cert) children.push(symbol(doc, 'certificate', SymbolKind.Key, cert));
    const chain = nodeAt(material, ['x509CertificateChain', 'certificates']);
    if (chain?.type === 'array') chain.items.forEach((c, i) => children.push(symbol(doc, `certificate ${i + 1}`, SymbolKind.Key, c, i === 0 ? 'leaf' : 'intermediate')));
    const key = nodeAt(material, ['publicKey']);
    if (key) children.push(symbol(doc, 'public key', SymbolKind.Key, key, str(nodeAt(key, ['hint']))));
    const entries = nodeAt(material, ['tlogEntries']);
    if (entries?.type === 'array') entries.items.forEach((e) => children.push(symbol(doc, `log entry ${escapeUntrusted(str(nodeAt(e, ['logIndex'])) ?? '?', 30)}`, SymbolKind.Event, e, str(nodeAt(e, ['kindVersion', 'kind'])))));
    const stamps = nodeAt(material, ['timestampVerificationData']);
    if (stamps) children.push(symbol(doc, 'timestamps', SymbolKind.Event, stamps));
    out.push(symbol(doc, 'verificationMaterial', SymbolKind.Object, material, undefined, children));
  }
  const message = nodeAt(root, ['messageSignature']);
  if (message) out.push(symbol(doc, 'messageSignature', SymbolKind.Object, message, str(nodeAt(message, ['messageDigest', 'algorithm']))));
  const dsse = nodeAt(root, ['dsseEnvelope']);
  if (dsse) out.push(symbol(doc, 'dsseEnvelope', SymbolKind.Object, dsse, str(nodeAt(dsse, ['payloadType']))));
  return out;
}

export function trustedRootSymbols(doc: TextDocument, root: JsonNode): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  for (const field of ['tlogs', 'certificateAuthorities', 'ctlogs', 'timestampAuthorities']) {
    const list = nodeAt(root, [field]);
    if (list?.type !== 'array') continue;
    const children = list.items.map((item, i) => symbol(doc, str(nodeAt(item, ['baseUrl'])) ?? str(nodeAt(item, ['uri'])) ?? `#${i + 1}`, SymbolKind.Key, item));
    out.push(symbol(doc, field, SymbolKind.Array, list, `${list.items.length}`, children));
  }
  return out;
}
