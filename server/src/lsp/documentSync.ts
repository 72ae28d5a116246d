// Follows the editor's open documents: each is checked when it opens and (debounced) as it is edited,
// and when it closes the file on disk takes over (workspaceIndex.ts). A `.prov` buffer is what its
// chart's status reads too; a KEYS buffer in the workspace changes which keys it lists.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ServerConfiguration } from './configuration';
import { keysDiagnostics } from './diagnostics';
import { documentPath, type OpenDocument, type OpenDocuments } from './openDocuments';
import type { Outbox } from './outbox';
import type { ProvenanceChecks } from './provenanceChecks';
import { keysStatus } from './status';
import { uriToPath } from './uris';
import type { WorkspaceIndex } from './workspaceIndex';
import { KeyedDebounce } from './debounce';

const CHANGE_DEBOUNCE_MS = 120;

export class DocumentSync {
  private readonly pending = new KeyedDebounce();

  constructor(
    private readonly documents: OpenDocuments,
    private readonly index: WorkspaceIndex,
    private readonly checks: ProvenanceChecks,
    private readonly config: ServerConfiguration,
    private readonly out: Outbox,
  ) {}

  opened(doc: TextDocument): void {
    const open = this.documents.opened(doc);
    if (open) this.schedule(open, 0);
  }

  changed(doc: TextDocument): void {
    const open = this.documents.changed(doc);
    if (open) this.schedule(open, CHANGE_DEBOUNCE_MS);
  }

  closed(doc: TextDocument): void {
    const open = this.documents.closed(doc);
    if (!open) return;
    this.pending.cancel(doc.uri);
    // A Chart.yaml has the chart's status (scope `chart`), which outlives its editor.
    if (open.kind !== 'chart') this.out.sendRemoved('document', doc.uri);
    void this.index.documentClosed(doc.uri, open.kind);
  }

  private schedule(open: OpenDocument, delay: number): void {
    const { uri } = open.doc;
    this.pending.schedule(uri, delay, () => void this.check(open).catch((e) => this.out.log(`check of ${uri} failed: ${String(e)}`)));
  }

  private async check({ doc, kind }: OpenDocument): Promise<void> {
    const file = uriToPath(doc.uri);
    if (kind === 'chart') {
      if (file) await this.index.refreshChart(file, 'interactive');
    } else if (kind === 'prov') {
      await this.index.refreshProvDocument(doc.uri);
      if (file) await this.index.refreshChartsNear(file);
    } else {
      await this.refreshKeysDocument(doc.uri);
    }
  }

  private async refreshKeysDocument(uri: string): Promise<void> {
    const open = this.documents.get(uri);
    if (!open) return;
    const version = open.doc.version;
    const lint = await this.checks.run(`keys:${uri}`, 'interactive', () => this.checks.lint(open.doc.getText(), documentPath(uri)));
    if (!lint || this.documents.get(uri)?.doc.version !== version) return;
    this.out.publishDiagnostics(uri, keysDiagnostics(lint.problems, this.config.docsBaseUrl), version);
    this.out.sendStatus(keysStatus(uri, lint));
    const file = uriToPath(uri);
    // Statuses name the workspace KEYS files that list a signer: re-send them (checks come from the cache).
    if (file && this.config.isInWorkspace(file) && this.checks.listKeys(file, lint)) await this.index.recheckAll();
  }

  dispose(): void {
    this.pending.dispose();
  }
}
