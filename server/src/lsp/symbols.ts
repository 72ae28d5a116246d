// Document symbols (the outline): a `.prov` shows its chart metadata, its files and its signature; a
// KEYS file shows one symbol per key (user id, fingerprint from the key itself).
import { SymbolKind, type DocumentSymbol, type Range } from 'vscode-languageserver/node';
import type { KeysFileLint } from '../provenance/keysFile';
import { listingOf } from '../provenance/keysListingIndex';
import type { ProvDocument } from '../provenance/provDocument';
import { escapeUntrusted } from '../provenance/untrustedText';

function symbol(name: string, kind: SymbolKind, range: Range, detail?: string, children?: DocumentSymbol[], selectionRange: Range = range): DocumentSymbol {
  // An empty name is refused by some clients: fall back to a placeholder.
  return { name: name || '(empty)', kind, range, selectionRange, ...(detail ? { detail } : {}), ...(children?.length ? { children } : {}) };
}

function union(a: Range, b: Range): Range {
  const before = (x: Range['start'], y: Range['start']) => x.line < y.line || (x.line === y.line && x.character <= y.character);
  return { start: before(a.start, b.start) ? a.start : b.start, end: before(a.end, b.end) ? b.end : a.end };
}

export function provSymbols(doc: ProvDocument, signerUid?: string): DocumentSymbol[] {
  const symbols: DocumentSymbol[] = [];
  const meta = doc.metadata;
  if (meta) {
    const fields = (['name', 'version'] as const).flatMap((f) => {
      const field = meta[f];
      return field ? [symbol(f, SymbolKind.Property, field.range, escapeUntrusted(field.value, 80))] : [];
    });
    const title = [meta.name?.value, meta.version?.value].filter((v) => v !== undefined).map((v) => escapeUntrusted(v!, 80)).join(' ');
    symbols.push(symbol('Chart metadata', SymbolKind.Package, fields.reduce((r, f) => union(r, f.range), meta.range), title, fields));
  }
  if (doc.filesRange || doc.files.length) {
    const entries = doc.files.map((f) => symbol(escapeUntrusted(f.name, 120), SymbolKind.File, union(f.nameRange, f.digestRange), escapeUntrusted(f.digest, 80), undefined, f.nameRange));
    const range = entries.reduce((r, e) => union(r, e.range), doc.filesRange ?? entries[0].range);
    symbols.push(symbol('files', SymbolKind.Array, range, `${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}`, entries));
  }
  if (doc.signature) {
    symbols.push(symbol('Signature', SymbolKind.Key, doc.signature.range, signerUid ? escapeUntrusted(signerUid, 120) : undefined));
  }
  return symbols;
}

export function keysSymbols(lint: KeysFileLint): DocumentSymbol[] {
  return lint.keys.flatMap((key) => {
    const block = key.source.range;
    if (!block) return [];
    const listing = listingOf(lint.layout, key.info.fingerprint);
    const range = listing ? union(listing.range, block) : block;
    const selection = listing?.primary.range ?? { start: block.start, end: { line: block.start.line, character: block.end.line === block.start.line ? block.end.character : 0 } };
    const name = key.info.primaryUserId ?? key.info.userIds[0] ?? key.info.fingerprint;
    return [symbol(escapeUntrusted(name, 120), SymbolKind.Key, range, key.info.fingerprint, undefined, selection)];
  });
}
