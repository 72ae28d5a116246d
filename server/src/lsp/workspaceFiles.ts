// The `.prov` and KEYS files of the workspace as files of their own: the `.prov` files on disk and the
// last check of each (open or on disk), and the KEYS files whose keys the checks list. A `.prov` a
// chart's check covers gets its diagnostics from that chart (workspaceIndex.ts), never from here too.
import { MAX_PROV_BYTES } from '../provenance/provDocument';
import type { ServerConfiguration } from './configuration';
import { keysDiagnostics, provDiagnostics } from './diagnostics';
import { withFixes } from './codeActions';
import { documentPath, readTextBounded, type OpenDocuments } from './openDocuments';
import type { Outbox } from './outbox';
import type { StatusFix } from './protocol';
import type { ProvCheck } from './provCheck';
import { MAX_KEYS_TEXT, type ProvenanceChecks } from './provenanceChecks';
import type { Priority } from './scheduler';
import { provStatus } from './status';
import { pathToUri } from './uris';

export class WorkspaceFiles {
  /** The `.prov` files found in the workspace (or reported by its watcher). */
  readonly provs = new Set<string>();
  /** The KEYS files found in the workspace: their keys are listed for the checks. */
  readonly keys = new Set<string>();
  /** The last check of each `.prov`, by the uri it was published for: the outline names the signer. */
  private readonly checksByUri = new Map<string, ProvCheck>();

  constructor(
    private readonly config: ServerConfiguration,
    private readonly checks: ProvenanceChecks,
    private readonly documents: OpenDocuments,
    private readonly out: Outbox,
    /** The fixes a status of `file` offers (a covered `.prov`'s come from its chart). */
    private readonly fixesFor: (file: string, uri: string) => StatusFix[],
  ) {}

  /** The last check of the `.prov` at `uri` (open or on disk). */
  lastCheck(uri: string): ProvCheck | undefined {
    return this.checksByUri.get(uri);
  }

  forgetCheck(uri: string): void {
    this.checksByUri.delete(uri);
  }

  /** Checks an open `.prov` buffer and publishes its diagnostics and status for its version. */
  async refreshProvDocument(uri: string): Promise<void> {
    const open = this.documents.get(uri);
    if (!open) return;
    const version = open.doc.version;
    const file = documentPath(uri);
    const check = await this.checks.run(`prov:${uri}`, 'interactive', (token) => this.checks.checkProv(file, open.doc.getText(), token));
    if (!check || this.documents.get(uri)?.doc.version !== version) return;
    this.checksByUri.set(uri, check);
    this.out.publishDiagnostics(uri, provDiagnostics(check, this.config.docsBaseUrl), version);
    this.out.sendStatus(withFixes(provStatus(uri, check), this.fixesFor(file, uri)));
  }

  /** Diagnostics of a `.prov` on disk that is not open (the open buffer has its own). */
  publishDiskProv(provPath: string, check: ProvCheck): void {
    if (this.documents.isOpen(provPath)) return;
    const uri = pathToUri(provPath);
    this.checksByUri.set(uri, check);
    this.out.publishDiagnostics(uri, provDiagnostics(check, this.config.docsBaseUrl));
  }

  async refreshDiskProv(file: string, priority: Priority): Promise<void> {
    if (this.documents.isOpen(file)) return;
    const uri = pathToUri(file);
    const text = readTextBounded(file, MAX_PROV_BYTES);
    if (text === undefined) { this.provs.delete(file); this.checksByUri.delete(uri); this.out.publishDiagnostics(uri, []); return; }
    const check = await this.checks.run(`prov:${uri}`, priority, (token) => this.checks.checkProv(file, text, token));
    if (check) this.publishDiskProv(file, check);
  }

  /** The workspace `.prov` files among `files` that no chart's check covers: those publish their own diagnostics. */
  notCovered(files: Iterable<string>, covered: Set<string>): string[] {
    return [...files].filter((f) => this.provs.has(f) && !covered.has(f));
  }

  /** Lints a workspace KEYS file as it is on disk (an open buffer takes precedence); true when the keys it lists changed. */
  async refreshDiskKeys(file: string): Promise<boolean> {
    if (this.documents.isOpen(file)) return false;
    const uri = pathToUri(file);
    const text = readTextBounded(file, MAX_KEYS_TEXT);
    if (text === undefined) {
      this.keys.delete(file);
      this.out.publishDiagnostics(uri, []);
      return this.checks.unlistKeys(file);
    }
    const lint = await this.checks.lint(text, file);
    this.out.publishDiagnostics(uri, keysDiagnostics(lint.problems, this.config.docsBaseUrl));
    return this.checks.listKeys(file, lint);
  }

  /** The workspace folders changed: `.prov` and KEYS files outside them are forgotten (an open one keeps its diagnostics). */
  foldersChanged(outside: (file: string) => boolean): void {
    for (const file of [...this.provs].filter(outside)) {
      this.provs.delete(file);
      if (!this.documents.isOpen(file)) this.out.publishDiagnostics(pathToUri(file), []);
    }
    for (const file of [...this.keys].filter(outside)) {
      this.keys.delete(file);
      this.checks.unlistKeys(file);
      if (!this.documents.isOpen(file)) this.out.publishDiagnostics(pathToUri(file), []);
    }
  }
}
