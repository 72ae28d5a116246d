// The language server's requests, each answered by the part that owns what it asks about: the
// configuration, the open documents (documentSync.ts), the workspace index (workspaceIndex.ts) and
// the checks (provenanceChecks.ts). server.ts hands every LSP message to this facade.
import { CancellationToken, type CodeAction, type CodeLens, type Diagnostic, type DocumentLink, type DocumentSymbol, type Hover, type Position } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { parseProvenance } from '../provenance/provDocument';
import { escapeUntrusted } from '../provenance/untrustedText';
import { quickFixes } from './codeActions';
import { ServerConfiguration } from './configuration';
import { DocumentSync } from './documentSync';
import { fileRole } from './fileRoles';
import { keysHover, provHover } from './hover';
import type { KeySet } from './keyStore';
import { provLinks } from './links';
import { documentPath, OpenDocuments } from './openDocuments';
import { Outbox, type ServiceHost } from './outbox';
import type { ResolvedPaths } from './pathSettings';
import { ProvenanceChecks } from './provenanceChecks';
import { ServerWrites } from './serverWrites';
import type { ChartSummary, HelmProvenanceSettings, StatusParams } from './protocol';
import { cosignFacts } from './cosignLine';
import { SigstoreDocuments } from './sigstoreDocuments';
import { sigstoreDocumentKind } from './sigstoreRoles';
import { keysSymbols, provSymbols } from './symbols';
import { isUnmappableFileUri, pathToUri, uriToPath } from './uris';
import { WorkspaceIndex } from './workspaceIndex';
import { DependencyLenses } from './dependencyLens';

const UNMAPPABLE_URI_WARNING = 'the editor sent a file URI that names no local file (a broken percent-escape such as %ZZ?): such documents are checked as unsaved text, without their archive; see the log for the URIs.';

export class ProvenanceService {
  private readonly out: Outbox;
  private readonly config: ServerConfiguration;
  private readonly checks: ProvenanceChecks;
  private readonly documents = new OpenDocuments();
  private readonly index: WorkspaceIndex;
  private readonly sync: DocumentSync;
  private readonly writes: ServerWrites;
  readonly sigstore: SigstoreDocuments;
  private readonly dependencies: DependencyLenses;

  constructor(host: ServiceHost) {
    this.out = new Outbox(host);
    this.config = new ServerConfiguration((message) => {
      this.out.log(`setting refused: ${message}`);
      this.out.warnOnce(message);
    });
    this.checks = new ProvenanceChecks(this.config, this.out);
    this.sigstore = new SigstoreDocuments(this.config, this.out);
    this.index = new WorkspaceIndex(this.config, this.checks, this.documents, this.out, (archive) => cosignFacts(archive, this.sigstore.verification));
    this.sync = new DocumentSync(this.documents, this.index, this.checks, this.config, this.out);
    this.writes = new ServerWrites(this.documents, this.out, (file, deleted) => this.changedOnDisk(file, deleted));
    this.dependencies = new DependencyLenses({
      ready: () => this.config.whenLoaded(), trusted: () => this.config.isTrusted, enabled: () => this.config.settings.verifyDependencies, keys: () => this.checks.keys(),
      trustedFingerprints: () => this.config.settings.trustedFingerprints, refresh: () => this.out.refreshCodeLenses(), log: (m) => this.out.log(m),
    });
  }

  // ---- configuration ------------------------------------------------------------------------------

  configure(options: { docsBaseUrl?: string; workspaceFolders?: string[]; trusted?: boolean; indexWorkspace?: boolean; clientCommands?: boolean }): void {
    if (options.docsBaseUrl) this.config.docsBaseUrl = options.docsBaseUrl;
    if (options.clientCommands !== undefined) this.config.clientCommands = options.clientCommands;
    if (options.trusted !== undefined) this.config.isTrusted = options.trusted;
    if (options.indexWorkspace === false) this.index.indexingDisabled();
    if (options.workspaceFolders) {
      this.config.workspaceFolders = options.workspaceFolders;
      // A new untrusted folder may hold a configured keyring: the keys are resolved again.
      if (!this.config.isTrusted) this.checks.forgetKeys();
      this.index.foldersChanged();
    }
  }

  /** False in an untrusted workspace (Restricted Mode): nothing may be spawned or written. */
  get isTrusted(): boolean {
    return this.config.isTrusted;
  }

  /** The user trusted the workspace: paths inside its folders may now be used. */
  async trustGranted(): Promise<void> {
    if (this.config.isTrusted) return;
    this.config.isTrusted = true;
    this.sigstore.recheckAll();
    this.checks.forgetKeys();
    await this.index.recheckAll();
  }

  /** New settings: keys and output folders may differ, so every result is recomputed (from cache where possible). */
  async applySettings(raw: unknown): Promise<void> {
    if (!this.config.apply(raw)) return;
    this.sigstore.recheckAll();
    this.checks.forgetKeys();
    this.dependencies.clear();
    await this.index.recheckAll();
  }

  /** Resolves once the first settings arrived (requests that use settings wait for it). */
  /** The settings are loaded and the workspace's KEYS files read: what a KEYS look-up needs. */
  async whenKeysKnown(): Promise<void> {
    await this.whenSettingsLoaded();
    await this.index.whenKeysRead();
  }

  whenSettingsLoaded(): Promise<void> {
    return this.config.whenLoaded();
  }

  get currentSettings(): HelmProvenanceSettings {
    return this.config.settings;
  }

  get docsBaseUrl(): string {
    return this.config.docsBaseUrl;
  }

  get workspaceFolderPaths(): string[] {
    return this.config.workspaceFolders;
  }

  /** The path settings resolved now (pathSettings.ts). */
  resolvedPaths(): ResolvedPaths {
    return this.config.resolvedPaths();
  }

  /** The absolute folders where archives are looked for and written. */
  outputFolderPaths(): string[] {
    return this.config.outputFolders();
  }

  /** The keyring files in use: the client should watch them. */
  keyringFiles(): string[] {
    return this.config.keyringFiles();
  }

  keys(): Promise<KeySet> {
    return this.checks.keys();
  }

  keysListing(ids: string[]): string[] {
    return this.checks.keysListing(ids);
  }

  /** The issuers of the last check of a `.prov` document (for the signer-key quick fixes). */
  issuersOf(uri: string): string[] | undefined {
    return this.index.lastCheck(uri)?.issuers;
  }

  // ---- documents and files --------------------------------------------------------------------------

  opened(doc: TextDocument): void {
    if (isUnmappableFileUri(doc.uri)) this.reportUnmappableUri(doc.uri);
    if (this.sigstore.opened(doc)) return;
    this.sync.opened(doc);
  }

  /**
   * Logged every time; shown once per session as a window/showMessage warning, not only logged: the
   * document would otherwise just lack its chart status, with no reason anywhere the user looks. Once,
   * because a client that mangles one uri mangles them all, and a pop-up per file would be noise.
   */
  private reportUnmappableUri(uri: string): void {
    this.out.log(`${escapeUntrusted(uri, 500)} names no local file (a broken percent-escape?); it is checked as unsaved text, without its archive.`);
    this.out.warnOnce(UNMAPPABLE_URI_WARNING);
  }

  changed(doc: TextDocument): void {
    if (this.sigstore.changed(doc)) return;
    this.sync.changed(doc);
  }

  closed(doc: TextDocument): void {
    if (this.sigstore.closed(doc)) return;
    this.sync.closed(doc);
  }

  /** A watched file was created, changed or deleted (held while the server itself writes: serverWrites.ts). */
  fileChanged(file: string, deleted: boolean): Promise<void> {
    return this.writes.fileChanged(file, deleted);
  }

  /** A file change once no write of the server's holds it back. */
  private changedOnDisk(file: string, deleted: boolean): Promise<void> {
    this.sigstore.artifactChanged(file);
    // A cosign signature beside an archive: the charts whose archive it signs show it.
    if (sigstoreDocumentKind(file)) return this.index.refreshChartsNear(file);
    return this.index.fileChanged(file, deleted);
  }

  /** Runs a package or sign request: the watcher's events about what it writes wait until it answered. */
  whileWriting<T>(request: () => Promise<T>): Promise<T> {
    return this.writes.during(request);
  }

  /** The server wrote `file`: an open buffer of it is stale until the editor updates it. */
  serverWrote(file: string): void {
    this.writes.wrote(file);
  }

  /** Scans the workspace folders now, for the index that follows the settings (at `initialize`). */
  scanAhead(): void {
    this.index.scanAhead();
  }

  /** Finds every Chart.yaml, `.prov` and KEYS file in the workspace and checks them, with progress. */
  indexWorkspace(token?: CancellationToken): Promise<void> {
    return this.index.indexWorkspace(token);
  }

  // ---- requests -------------------------------------------------------------------------------------

  async codeLenses(uri: string): Promise<CodeLens[]> {
    const file = uriToPath(uri);
    if (!file || fileRole(file) !== 'chart') return [];
    // Dependency lenses only on an open Chart.yaml: the background index never contacts registries.
    const open = this.documents.get(uri);
    const text = open?.kind === 'chart' ? open.doc.getText() : undefined;
    return [...this.index.lenses(file), ...(text !== undefined ? await this.dependencies.lenses(file, text) : [])];
  }

  /** Quick fixes for the diagnostics of a `.prov` (or a chart's state, on its Chart.yaml): codeActions.ts. */
  codeActions(uri: string, diagnostics: Diagnostic[]): CodeAction[] {
    const file = uriToPath(uri);
    return file ? quickFixes(this.index.fixesFor(file, uri), diagnostics, fileRole(file) === 'chart') : [];
  }

  async hover(uri: string, position: Position, token: CancellationToken): Promise<Hover | undefined> {
    if (this.sigstore.owns(uri)) return this.sigstore.hover(uri, position);
    const open = this.documents.get(uri);
    if (open?.kind === 'prov') {
      const check = await this.checks.checkProv(documentPath(uri), open.doc.getText(), token);
      return check ? provHover(check, position) : undefined;
    }
    if (open?.kind === 'keys') return keysHover(await this.checks.lint(open.doc.getText(), documentPath(uri)), position, new Date());
    return undefined;
  }

  async symbols(uri: string): Promise<DocumentSymbol[]> {
    if (this.sigstore.owns(uri)) return this.sigstore.symbols(uri);
    const open = this.documents.get(uri);
    if (open?.kind === 'prov') return provSymbols(parseProvenance(open.doc.getText()), this.index.lastCheck(uri)?.outcome.signer?.uid);
    if (open?.kind === 'keys') return keysSymbols(await this.checks.lint(open.doc.getText(), documentPath(uri)));
    return [];
  }

  links(uri: string): DocumentLink[] {
    const open = this.documents.get(uri);
    const file = uriToPath(uri);
    if (open?.kind !== 'prov' || !file) return [];
    return provLinks(parseProvenance(open.doc.getText()), file);
  }

  /** The status of the chart that holds `uri`; null when it is in no chart the server knows of. */
  chartStatus(uri: string): StatusParams | null {
    const file = uriToPath(uri);
    const entry = file ? this.index.chartOf(file) : undefined;
    return entry?.evaluation ? this.index.chartStatusOf(entry.evaluation) : null;
  }

  /** The charts found in the workspace (after its first scan), by Chart.yaml path. */
  async charts(): Promise<ChartSummary[]> {
    return (await this.index.workspaceCharts()).map(({ ref }) => ({ chartYaml: pathToUri(ref.chartYaml), folder: pathToUri(ref.folder) }));
  }

  /**
   * Verifies now (re-reading keyrings) and answers the status of `uri`'s chart, or of the `.prov`/archive
   * itself; undefined when `token` cancelled it (a cancellation is no error: the caller answers it as such).
   */
  async verifyNow(uri: string, token: CancellationToken = CancellationToken.None): Promise<StatusParams | { error: string } | undefined> {
    const file = uriToPath(uri);
    if (!file) return { error: `${uri} is not a local file.` };
    this.checks.forgetKeys();
    return this.index.verify(file, token);
  }

  /** Where a chart's archive is, and whether it must be packaged (first) before signing. */
  chartArchive(chartYaml: string): Promise<{ archive?: string; needsPackage: boolean }> {
    return this.index.chartArchive(chartYaml);
  }

  dispose(): void {
    this.checks.cancelAll();
    this.sync.dispose();
    this.index.dispose();
    this.sigstore.dispose();
  }
}
