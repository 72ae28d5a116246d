// The documents the editor has open that the server works on (.prov, KEYS, Chart.yaml), by uri and by
// file path, and the text of any file as a check must read it: the open buffer, else the file on disk —
// except a file the server itself just wrote (a `.prov` re-signed while open in a tab), which is judged
// from disk until the editor sends the buffer's next version (its reload of the new content).
import * as path from 'node:path';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { readFileHead } from '../provenance/boundedRead';
import { documentKind, type DocumentKind } from './fileRoles';
import { uriToPath } from './uris';

/** At most `limit` + 1 bytes of a regular file as text (enough for the parser to report one that is too large). */
export function readTextBounded(file: string, limit: number): string | undefined {
  const read = readFileHead(file, limit);
  return read.ok ? read.bytes.toString('utf8') : undefined;
}

/**
 * The path a document stands for. An unsaved (untitled) document has no folder, so no archive is
 * found next to it: it is checked as text only.
 */
export function documentPath(uri: string): string {
  return uriToPath(uri) ?? path.join(path.sep, 'untitled', path.posix.basename(uri.replace(/[?#].*$/, '')));
}

export interface OpenDocument { doc: TextDocument; kind: DocumentKind }

export class OpenDocuments {
  private readonly byUri = new Map<string, OpenDocument>();
  /** The version last checked per document: a "change" to the same version is no change. */
  private readonly checkedVersions = new Map<string, number>();
  /** Open documents by file path, so a file's own diagnostics are not published twice. */
  private readonly byPath = new Map<string, string>();
  /** Open documents whose file the server overwrote, with the buffer version then: that version holds the old content. */
  private readonly overwritten = new Map<string, number>();

  /** Starts following `doc`; undefined when it is no document the server works on. */
  opened(doc: TextDocument): OpenDocument | undefined {
    const kind = documentKind(doc.uri, doc.languageId);
    if (!kind) return undefined;
    const open = { doc, kind };
    this.byUri.set(doc.uri, open);
    this.checkedVersions.set(doc.uri, doc.version);
    const file = uriToPath(doc.uri);
    if (file) this.byPath.set(file, doc.uri);
    return open;
  }

  /** The document after an edit; undefined when it is not followed or its version was checked already. */
  changed(doc: TextDocument): OpenDocument | undefined {
    const open = this.byUri.get(doc.uri);
    // The document manager reports a change right after each open: same version, nothing to check.
    if (!open || this.checkedVersions.get(doc.uri) === doc.version) return undefined;
    this.checkedVersions.set(doc.uri, doc.version);
    // The editor's content moved on (its reload of what the server wrote, or the user's edit): the buffer is the text again.
    this.overwritten.delete(doc.uri);
    open.doc = doc;
    return open;
  }

  /** Stops following `doc`; answers what it was, undefined when it was not followed. */
  closed(doc: TextDocument): OpenDocument | undefined {
    const open = this.byUri.get(doc.uri);
    if (!open) return undefined;
    this.byUri.delete(doc.uri);
    this.checkedVersions.delete(doc.uri);
    this.overwritten.delete(doc.uri);
    const file = uriToPath(doc.uri);
    if (file) this.byPath.delete(file);
    return open;
  }

  /** The server wrote `file`: an open buffer of it holds what was there before until the editor sends a new version. */
  serverWrote(file: string): void {
    const uri = this.byPath.get(file);
    const open = uri ? this.byUri.get(uri) : undefined;
    if (uri && open) this.overwritten.set(uri, open.doc.version);
  }

  get(uri: string): OpenDocument | undefined {
    return this.byUri.get(uri);
  }

  /** The uri of the open document of `file`, if the editor has it open. */
  uriOf(file: string): string | undefined {
    return this.byPath.get(file);
  }

  isOpen(file: string): boolean {
    return this.byPath.has(file);
  }

  /**
   * The text a check reads for `file`: the open buffer, else at most `limit` bytes of the file; undefined
   * when neither exists. A buffer the server overwrote on disk is not read until the editor updates it.
   */
  textOf(file: string, limit: number): string | undefined {
    const uri = this.byPath.get(file);
    const open = uri ? this.byUri.get(uri) : undefined;
    const stale = uri !== undefined && open !== undefined && this.overwritten.get(uri) === open.doc.version;
    return open && !stale ? open.doc.getText() : readTextBounded(file, limit);
  }

  /** Every open `.prov` document's uri. */
  provUris(): string[] {
    return [...this.byUri].filter(([, open]) => open.kind === 'prov').map(([uri]) => uri);
  }

  /** Every open document's uri. */
  uris(): string[] {
    return [...this.byUri.keys()];
  }
}
