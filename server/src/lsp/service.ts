// The language server's state and what happens when something changes: open documents, files on disk,
// settings. Every check runs through the scheduler (off the request path, cancellable) and the caches
// (so only what changed is re-verified); results go out as diagnostics, status notifications and a
// CodeLens refresh. The connection is reached only through ServiceHost.
import * as path from 'node:path';
import { CancellationToken, CancellationTokenSource, type CodeLens, type Diagnostic, type DocumentLink, type DocumentSymbol, type Hover, type Position, type WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { lintKeysFile, type KeysFileLint } from '../provenance/keysFile';
import { MAX_PROV_BYTES, parseProvenance, printable } from '../provenance/provDocument';
import { readFileHead } from '../provenance/boundedRead';
import { ArchiveFactsCache, BoundedMap, sha256Text } from './caches';
import { archiveFolders, evaluateChart, readChartRef, type EvaluationContext } from './chartLocator';
import { chartLenses, checkingLenses } from './codeLens';
import { keysDiagnostics, provDiagnostics } from './diagnostics';
import { keysHover, provHover } from './hover';
import { KeyStore, WorkspaceKeys, keyringPaths, type KeySet } from './keyStore';
import { provLinks } from './links';
import { archiveOf, ProvChecker, type ProvCheck } from './provCheck';
import { DEFAULT_DOCS_BASE_URL, type HelmProvenanceSettings, type StatusParams } from './protocol';
import { Scheduler, type Priority } from './scheduler';
import { normalizeSettings, outputFolders } from './settings';
import { chartStatus, keysStatus, outcomeWords, provStatus, type ChartEvaluation, type ChartRef } from './status';
import { keysSymbols, provSymbols } from './symbols';
import { isUnmappableFileUri, pathToUri, uriBaseName, uriToPath } from './uris';
import { fileRole, scanWorkspace } from './workspaceScan';

export interface ServiceHost {
  publishDiagnostics(uri: string, diagnostics: Diagnostic[], version?: number): void;
  sendStatus(status: StatusParams): void;
  refreshCodeLenses(): void;
  log(message: string): void;
  /** Shown to the user once per distinct text (keyring problems). */
  warn(message: string): void;
  createProgress(): Promise<WorkDoneProgressServerReporter>;
}

export type DocumentKind = 'prov' | 'keys' | 'chart';

export function documentKind(uri: string, languageId: string): DocumentKind | undefined {
  const base = path.posix.basename(uri.replace(/[?#].*$/, ''));
  // decodeURIComponent threw on a broken escape (`a%ZZ.prov`), and the document was silently dropped.
  if (uriBaseName(uri) === 'Chart.yaml') return 'chart';
  if (languageId === 'helm-provenance' || base.endsWith('.prov')) return 'prov';
  if (languageId === 'pgp-keys' || base === 'KEYS' || base.endsWith('.KEYS')) return 'keys';
  return undefined;
}

/**
 * The path a document stands for. An unsaved (untitled) document has no folder, so no archive is
 * found next to it: it is checked as text only.
 */
function documentPath(uri: string): string {
  return uriToPath(uri) ?? path.join(path.sep, 'untitled', path.posix.basename(uri.replace(/[?#].*$/, '')));
}

/** At most `limit` + 1 bytes of a regular file as text (enough for the parser to report one that is too large). */
function readTextBounded(file: string, limit: number): string | undefined {
  const read = readFileHead(file, limit);
  return read.ok ? read.bytes.toString('utf8') : undefined;
}

/**
 * Runs `fn` over `items`, `limit` at a time: indexing a large workspace must not flood the event loop
 * (file reads, YAML parsing) ahead of the requests and edits of the person typing.
 */
async function forEachLimited<T>(items: T[], limit: number, token: CancellationToken, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !token.isCancellationRequested) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Charts evaluated at once while indexing; twice the scheduler's slots, so a slot never waits for a file. */
const INDEX_CONCURRENCY = 8;
const CHANGE_DEBOUNCE_MS = 120;
const MAX_KEYS_TEXT = 16 * 1024 * 1024;
const UNMAPPABLE_URI_WARNING = 'the editor sent a file URI that names no local file (a broken percent-escape such as %ZZ?): such documents are checked as unsaved text, without their archive; see the log for the URIs.';

interface ChartEntry { ref: ChartRef; evaluation?: ChartEvaluation; onDisk: boolean }

export class ProvenanceService {
  private settings: HelmProvenanceSettings = normalizeSettings(undefined);
  private docsBaseUrl = DEFAULT_DOCS_BASE_URL;
  private workspaceFolders: string[] = [];
  // Four checks at a time: each waits on the thread pool for its signature's crypto, so with two the
  // thread sat idle (1 000 charts: 4.5 -> 3.6 s with four; eight gained nothing more).
  private readonly scheduler = new Scheduler(4);
  private readonly facts = new ArchiveFactsCache();
  private readonly checker = new ProvChecker();
  private readonly keyStore = new KeyStore();
  private readonly workspaceKeys = new WorkspaceKeys();
  private keySet?: Promise<KeySet>;
  private readonly lints = new BoundedMap<string, Promise<KeysFileLint>>(100);
  /** Open documents we handle, by uri. */
  private readonly docs = new Map<string, TextDocument>();
  /** The version last checked per open document: a "change" to the same version is no change. */
  private readonly checkedVersions = new Map<string, number>();
  /** Open documents by file path, so a file's own diagnostics are not published twice. */
  private readonly openPaths = new Map<string, string>();
  private readonly charts = new Map<string, ChartEntry>();
  private readonly diskProvs = new Set<string>();
  private readonly diskKeys = new Set<string>();
  private readonly provResults = new Map<string, ProvCheck>();
  private readonly lastStatus = new Map<string, string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly warned = new Set<string>();

  /** Checks wait for the first settings, so nothing is verified with keys the user did not configure. */
  private settingsLoaded = false;
  private settingsArrived!: () => void;
  private readonly ready = new Promise<void>((resolve) => { this.settingsArrived = resolve; });

  constructor(private readonly host: ServiceHost) {}

  // ---- configuration ------------------------------------------------------------------------------

  configure(options: { docsBaseUrl?: string; workspaceFolders?: string[] }): void {
    if (options.docsBaseUrl) this.docsBaseUrl = options.docsBaseUrl.endsWith('/') ? options.docsBaseUrl : `${options.docsBaseUrl}/`;
    if (options.workspaceFolders) this.setWorkspaceFolders(options.workspaceFolders);
  }

  /** Files of folders that left the workspace are forgotten (unless open); new folders are indexed by the caller. */
  private setWorkspaceFolders(folders: string[]): void {
    this.workspaceFolders = folders;
    for (const [file, entry] of this.charts) {
      if (!this.isInWorkspace(file) && !this.openPaths.has(file)) { this.charts.delete(file); if (entry.onDisk) this.sendChartRemoved(file); }
    }
    for (const file of [...this.diskProvs].filter((f) => !this.isInWorkspace(f))) {
      this.diskProvs.delete(file);
      if (!this.openPaths.has(file)) this.host.publishDiagnostics(pathToUri(file), []);
    }
    for (const file of [...this.diskKeys].filter((f) => !this.isInWorkspace(f))) {
      this.diskKeys.delete(file);
      this.workspaceKeys.delete(file);
      if (!this.openPaths.has(file)) this.host.publishDiagnostics(pathToUri(file), []);
    }
  }

  /** Resolves once the first settings arrived (requests that use settings wait for it). */
  whenSettingsLoaded(): Promise<void> {
    return this.ready;
  }

  get currentSettings(): HelmProvenanceSettings {
    return this.settings;
  }

  get workspaceFolderPaths(): string[] {
    return this.workspaceFolders;
  }

  keysListing(ids: string[]): string[] {
    return this.workspaceKeys.listing(ids);
  }

  /** New settings: keys and output folders may differ, so every result is recomputed (from cache where possible). */
  async applySettings(raw: unknown): Promise<void> {
    const next = normalizeSettings(raw);
    const changed = JSON.stringify(next) !== JSON.stringify(this.settings);
    this.settings = next;
    if (!this.settingsLoaded) {
      this.settingsLoaded = true;
      this.settingsArrived();
      return;
    }
    if (!changed) return;
    this.keySet = undefined;
    await this.recheckEverything();
  }

  /** The keyring files in use: the client should watch them. */
  keyringFiles(): string[] {
    return keyringPaths(this.settings.keyrings, this.settings.gnupgHome).paths;
  }

  keys(): Promise<KeySet> {
    const { paths, explicit } = keyringPaths(this.settings.keyrings, this.settings.gnupgHome);
    this.keySet ??= this.keyStore.load(paths, explicit, new Date()).then((set) => {
      for (const { file, problem } of set.problems) {
        const text = `${path.basename(file)}: ${problem.message}`;
        this.host.log(`keyring ${file}: [${problem.code}] ${problem.message}`);
        if (problem.severity !== 'information' && !this.warned.has(text)) { this.warned.add(text); this.host.warn(text); }
      }
      this.host.log(`keyrings: ${set.files.join(', ') || '(none found)'}: ${set.keys.length} keys`);
      return set;
    });
    return this.keySet;
  }

  // ---- documents ----------------------------------------------------------------------------------

  opened(doc: TextDocument): void {
    const kind = documentKind(doc.uri, doc.languageId);
    if (!kind) return;
    if (isUnmappableFileUri(doc.uri)) this.reportUnmappableUri(doc.uri);
    this.docs.set(doc.uri, doc);
    this.checkedVersions.set(doc.uri, doc.version);
    const file = uriToPath(doc.uri);
    if (file) this.openPaths.set(file, doc.uri);
    this.documentChanged(doc, kind, 0);
  }

  /**
   * Logged every time; shown once per session as a window/showMessage warning, not only logged: the
   * document would otherwise just lack its chart status, with no reason anywhere the user looks. Once,
   * because a client that mangles one uri mangles them all, and a pop-up per file would be noise.
   */
  private reportUnmappableUri(uri: string): void {
    this.host.log(`${printable(uri, 500)} names no local file (a broken percent-escape?); it is checked as unsaved text, without its archive.`);
    if (this.warned.has(UNMAPPABLE_URI_WARNING)) return;
    this.warned.add(UNMAPPABLE_URI_WARNING);
    this.host.warn(UNMAPPABLE_URI_WARNING);
  }

  changed(doc: TextDocument): void {
    const kind = documentKind(doc.uri, doc.languageId);
    if (!kind || !this.docs.has(doc.uri)) return;
    // The document manager reports a change right after each open: same version, nothing to debounce.
    if (this.checkedVersions.get(doc.uri) === doc.version) return;
    this.checkedVersions.set(doc.uri, doc.version);
    this.docs.set(doc.uri, doc);
    this.documentChanged(doc, kind, CHANGE_DEBOUNCE_MS);
  }

  closed(doc: TextDocument): void {
    const kind = documentKind(doc.uri, doc.languageId);
    if (!kind || !this.docs.delete(doc.uri)) return;
    this.checkedVersions.delete(doc.uri);
    const file = uriToPath(doc.uri);
    if (file) this.openPaths.delete(file);
    clearTimeout(this.timers.get(doc.uri));
    this.provResults.delete(doc.uri);
    // A Chart.yaml has the chart's status (scope `chart`), which outlives its editor.
    if (kind !== 'chart') this.sendStatus({ scope: 'document', uri: doc.uri, state: 'removed', severity: 'information', summary: '', message: '' });
    if (kind === 'chart' && file) {
      const entry = this.charts.get(file);
      if (entry && !entry.onDisk) { this.charts.delete(file); this.sendChartRemoved(file); } else void this.refreshChart(file, 'background');
      return;
    }
    // The file on disk (if the workspace has it) takes over from the buffer.
    if (file && (this.diskProvs.has(file) || this.diskKeys.has(file))) void this.refreshDiskFile(file, 'background');
    else this.host.publishDiagnostics(doc.uri, []);
    if (kind === 'prov' && file) void this.refreshChartsNear(file);
  }

  private documentChanged(doc: TextDocument, kind: DocumentKind, delay: number): void {
    clearTimeout(this.timers.get(doc.uri));
    this.timers.set(doc.uri, setTimeout(() => {
      this.timers.delete(doc.uri);
      void this.refreshDocument(doc.uri, kind).catch((e) => this.host.log(`check of ${doc.uri} failed: ${String(e)}`));
    }, delay));
  }

  private async refreshDocument(uri: string, kind: DocumentKind): Promise<void> {
    const file = uriToPath(uri);
    if (kind === 'chart') {
      if (file) await this.refreshChart(file, 'interactive');
      return;
    }
    if (kind === 'prov') {
      await this.refreshProvDocument(uri);
      // A .prov buffer is what the chart's status reads too.
      if (file) await this.refreshChartsNear(file);
      return;
    }
    await this.refreshKeysDocument(uri);
  }

  private async refreshProvDocument(uri: string): Promise<void> {
    const doc = this.docs.get(uri);
    if (!doc) return;
    const version = doc.version;
    const file = documentPath(uri);
    const check = await this.scheduler.run(`prov:${uri}`, 'interactive', (token) => this.checkProv(file, doc.getText(), token));
    if (!check || this.docs.get(uri)?.version !== version) return;
    this.provResults.set(uri, check);
    this.host.publishDiagnostics(uri, provDiagnostics(check, this.docsBaseUrl), version);
    this.sendStatus(provStatus(uri, check));
  }

  private async refreshKeysDocument(uri: string): Promise<void> {
    const doc = this.docs.get(uri);
    if (!doc) return;
    const version = doc.version;
    const lint = await this.scheduler.run(`keys:${uri}`, 'interactive', () => this.lint(doc.getText(), documentPath(uri)));
    if (!lint || this.docs.get(uri)?.version !== version) return;
    this.host.publishDiagnostics(uri, keysDiagnostics(lint.problems, this.docsBaseUrl), version);
    this.sendStatus(keysStatus(uri, lint));
    const file = uriToPath(uri);
    if (file && this.isInWorkspace(file) && this.workspaceKeys.set(file, lint)) await this.refreshListings();
  }

  // ---- checks ---------------------------------------------------------------------------------------

  private lint(text: string, file: string): Promise<KeysFileLint> {
    const key = `${file}\0${sha256Text(text)}\0${new Date().toISOString().slice(0, 13)}`;
    let pending = this.lints.get(key);
    if (!pending) {
      pending = lintKeysFile(text.length > MAX_KEYS_TEXT ? text.slice(0, MAX_KEYS_TEXT) : text, new Date(), file);
      this.lints.set(key, pending);
    }
    return pending;
  }

  private async checkProv(provPath: string, text: string, token: CancellationToken): Promise<ProvCheck | undefined> {
    await this.ready;
    const keys = await this.keys();
    return this.checker.check(provPath, text, {
      keys,
      trustedFingerprints: this.settings.trustedFingerprints,
      facts: this.facts,
      keysListing: (ids) => this.workspaceKeys.listing(ids),
      now: new Date(),
    }, token);
  }

  /** The `.prov` text a check reads: the open buffer, else the file. */
  private async provText(provPath: string): Promise<string | undefined> {
    const uri = this.openPaths.get(provPath);
    const doc = uri ? this.docs.get(uri) : undefined;
    return doc ? doc.getText() : readTextBounded(provPath, MAX_PROV_BYTES);
  }

  private evaluationContext(ref: ChartRef): EvaluationContext {
    return {
      folders: archiveFolders(ref, outputFolders(this.settings, this.workspaceFolders)),
      facts: this.facts,
      provText: (p) => this.provText(p),
      checkProv: (p, text, token) => this.checkProv(p, text, token),
    };
  }

  private async chartText(chartYaml: string): Promise<string | undefined> {
    const uri = this.openPaths.get(chartYaml);
    const doc = uri ? this.docs.get(uri) : undefined;
    return doc ? doc.getText() : readTextBounded(chartYaml, 1024 * 1024);
  }

  /** Re-reads a Chart.yaml (buffer or disk) and re-evaluates the chart; removes it when it is gone. */
  private async refreshChart(chartYaml: string, priority: Priority, token?: CancellationToken): Promise<ChartEvaluation | undefined> {
    await this.ready;
    const text = await this.chartText(chartYaml);
    if (text === undefined) {
      if (this.charts.delete(chartYaml)) this.sendChartRemoved(chartYaml);
      return undefined;
    }
    const previous = this.charts.get(chartYaml);
    const entry: ChartEntry = { ref: readChartRef(chartYaml, text), evaluation: previous?.evaluation, onDisk: previous?.onDisk ?? this.isInWorkspace(chartYaml) };
    this.charts.set(chartYaml, entry);
    const evaluation = await this.scheduler.run(`chart:${chartYaml}`, priority, (t) => evaluateChart(entry.ref, this.evaluationContext(entry.ref), t), token);
    if (!evaluation || this.charts.get(chartYaml) !== entry) return undefined;
    entry.evaluation = evaluation;
    this.sendStatus(chartStatus(evaluation));
    if (evaluation.kind === 'checked') this.publishDiskProv(evaluation.prov, evaluation.check);
    this.host.refreshCodeLenses();
    return evaluation;
  }

  /** Diagnostics of a `.prov` on disk that is not open (the open buffer has its own). */
  private publishDiskProv(provPath: string, check: ProvCheck): void {
    if (this.openPaths.has(provPath)) return;
    const uri = pathToUri(provPath);
    this.provResults.set(uri, check);
    this.host.publishDiagnostics(uri, provDiagnostics(check, this.docsBaseUrl));
  }

  /** A workspace `.prov` or KEYS file as it is on disk (an open buffer takes precedence). */
  private async refreshDiskFile(file: string, priority: Priority): Promise<void> {
    if (fileRole(file) === 'keys') await this.refreshDiskKeys(file);
    else await this.refreshDiskProv(file, priority);
  }

  private async refreshDiskProv(file: string, priority: Priority): Promise<void> {
    if (this.openPaths.has(file)) return;
    const uri = pathToUri(file);
    const text = readTextBounded(file, MAX_PROV_BYTES);
    if (text === undefined) { this.diskProvs.delete(file); this.provResults.delete(uri); this.host.publishDiagnostics(uri, []); return; }
    const check = await this.scheduler.run(`prov:${uri}`, priority, (token) => this.checkProv(file, text, token));
    if (check) this.publishDiskProv(file, check);
  }

  /** Lints a workspace KEYS file; true when the keys it lists changed. */
  private async refreshDiskKeys(file: string): Promise<boolean> {
    if (this.openPaths.has(file)) return false;
    const uri = pathToUri(file);
    const text = readTextBounded(file, MAX_KEYS_TEXT);
    if (text === undefined) {
      this.diskKeys.delete(file);
      this.host.publishDiagnostics(uri, []);
      return this.workspaceKeys.delete(file);
    }
    const lint = await this.lint(text, file);
    this.host.publishDiagnostics(uri, keysDiagnostics(lint.problems, this.docsBaseUrl));
    return this.workspaceKeys.set(file, lint);
  }

  /** Charts whose archive could be in `file`'s folder: the only ones a change there can affect. */
  private chartsNear(file: string): string[] {
    const dir = path.dirname(file);
    const outputs = outputFolders(this.settings, this.workspaceFolders);
    // Archives are named <chart>-<version>.tgz: a chart whose name the file does not start with is not affected.
    const base = path.basename(file);
    return [...this.charts.values()]
      .filter((c) => (c.ref.name === undefined || base.startsWith(`${c.ref.name}-`)) && archiveFolders(c.ref, outputs).includes(dir))
      .map((c) => c.ref.chartYaml);
  }

  private async refreshChartsNear(file: string): Promise<void> {
    await Promise.all(this.chartsNear(file).map((c) => this.refreshChart(c, 'interactive')));
  }

  /** Statuses mention which workspace KEYS list a signer: re-send them (checks come from the cache). */
  private async refreshListings(): Promise<void> {
    await this.recheckEverything();
  }

  private openProvUris(): string[] {
    return [...this.docs].filter(([uri, doc]) => documentKind(uri, doc.languageId) === 'prov').map(([uri]) => uri);
  }

  private async recheckEverything(): Promise<void> {
    const work: Promise<unknown>[] = this.openProvUris().map((uri) => this.refreshProvDocument(uri));
    for (const file of this.diskProvs) work.push(this.refreshDiskFile(file, 'background'));
    for (const chart of this.charts.keys()) work.push(this.refreshChart(chart, 'background'));
    await Promise.all(work);
  }

  // ---- files on disk ----------------------------------------------------------------------------------

  isInWorkspace(file: string): boolean {
    return this.workspaceFolders.some((w) => file === w || file.startsWith(w.endsWith(path.sep) ? w : w + path.sep));
  }

  /** A watched file was created, changed or deleted: re-check exactly what depends on it. */
  async fileChanged(file: string, deleted: boolean): Promise<void> {
    const role = fileRole(file);
    const keyringFiles = this.keyringFiles();
    if (keyringFiles.includes(file)) {
      this.keyStore.invalidate(file);
      this.keySet = undefined;
      await this.recheckEverything();
      return;
    }
    if (role === 'archive') {
      this.facts.invalidate(file);
      const provs = [...this.docs.keys()].filter((u) => uriToPath(u) !== undefined && archiveOf(uriToPath(u)!) === file);
      await Promise.all([
        ...provs.map((u) => this.refreshProvDocument(u)),
        ...(this.diskProvs.has(`${file}.prov`) ? [this.refreshDiskFile(`${file}.prov`, 'interactive')] : []),
        this.refreshChartsNear(file),
      ]);
    } else if (role === 'prov') {
      const known = this.diskProvs.has(file);
      if (!deleted && this.isInWorkspace(file)) this.diskProvs.add(file);
      const work = [this.refreshChartsNear(file)];
      if (known || this.diskProvs.has(file)) work.push(this.refreshDiskProv(file, 'interactive'));
      await Promise.all(work);
    } else if (role === 'chart') {
      if (deleted && !this.openPaths.has(file)) {
        if (this.charts.delete(file)) this.sendChartRemoved(file);
        this.host.refreshCodeLenses();
      } else {
        if (!this.charts.has(file) && this.isInWorkspace(file)) this.charts.set(file, { ref: { chartYaml: file, folder: path.dirname(file) }, onDisk: true });
        await this.refreshChart(file, 'interactive');
      }
    } else if (role === 'keys' && (this.diskKeys.has(file) || this.isInWorkspace(file))) {
      if (!deleted) this.diskKeys.add(file);
      if (await this.refreshDiskKeys(file)) await this.refreshListings();
    }
  }

  /** Finds every Chart.yaml, `.prov` and KEYS file in the workspace and checks them, with progress. */
  async indexWorkspace(token: CancellationToken = CancellationToken.None): Promise<void> {
    await this.ready;
    const progress = await this.host.createProgress();
    progress.begin('Helm Provenance', 0, 'Looking for charts…', true);
    // Cancelled from the progress UI or by the caller: stop scanning and drop the queued checks.
    const source = new CancellationTokenSource();
    const links = [progress.token.onCancellationRequested(() => source.cancel()), token.onCancellationRequested(() => source.cancel())];
    try {
      const found = await scanWorkspace(this.workspaceFolders, source.token);
      if (!found) return;
      for (const file of found.keysFiles) this.diskKeys.add(file);
      for (const file of found.provFiles) this.diskProvs.add(file);
      for (const file of found.chartYamls) if (!this.charts.has(file)) this.charts.set(file, { ref: { chartYaml: file, folder: path.dirname(file) }, onDisk: true });
      const total = found.keysFiles.length + found.chartYamls.length + found.provFiles.length;
      let done = 0;
      let shown = -1;
      // One progress notification per percent, not per file: 1 000 charts made 1 000 messages.
      const step = (what: string) => {
        const percent = Math.round((++done / Math.max(total, 1)) * 100);
        if (percent !== shown) progress.report(shown = percent, what);
      };
      // KEYS first: statuses name the workspace KEYS files that list a signer.
      for (const file of found.keysFiles) { await this.refreshDiskFile(file, 'background'); step(path.basename(file)); }
      if (found.keysFiles.length) await Promise.all(this.openProvUris().map((uri) => this.refreshProvDocument(uri)));
      await forEachLimited(found.chartYamls, INDEX_CONCURRENCY, source.token, async (file) => { await this.refreshChart(file, 'background', source.token); step(path.basename(path.dirname(file))); });
      const covered = new Set([...this.charts.values()].flatMap((c) => (c.evaluation?.kind === 'checked' ? [c.evaluation.prov] : [])));
      await forEachLimited(found.provFiles.filter((f) => !covered.has(f)), INDEX_CONCURRENCY, source.token, async (file) => { await this.refreshDiskFile(file, 'background'); step(path.basename(file)); });
      this.host.log(`indexed ${found.chartYamls.length} charts, ${found.provFiles.length} provenance files, ${found.keysFiles.length} KEYS files${found.truncated ? ' (stopped at the entry limit)' : ''}`);
    } finally {
      for (const link of links) link.dispose();
      source.dispose();
      progress.done();
    }
  }

  // ---- requests -------------------------------------------------------------------------------------

  codeLenses(uri: string): CodeLens[] {
    const file = uriToPath(uri);
    if (!file || path.basename(file) !== 'Chart.yaml') return [];
    const entry = this.charts.get(file);
    if (entry?.evaluation) return chartLenses(entry.evaluation);
    if (!entry) void this.refreshChart(file, 'interactive');
    return checkingLenses();
  }

  async hover(uri: string, position: Position, token: CancellationToken): Promise<Hover | undefined> {
    const doc = this.docs.get(uri);
    if (!doc) return undefined;
    const kind = documentKind(uri, doc.languageId);
    if (kind === 'prov') {
      const check = await this.checkProv(documentPath(uri), doc.getText(), token);
      return check ? provHover(check, position) : undefined;
    }
    if (kind === 'keys') return keysHover(await this.lint(doc.getText(), documentPath(uri)), position, new Date());
    return undefined;
  }

  async symbols(uri: string): Promise<DocumentSymbol[]> {
    const doc = this.docs.get(uri);
    if (!doc) return [];
    const kind = documentKind(uri, doc.languageId);
    if (kind === 'prov') return provSymbols(parseProvenance(doc.getText()), this.provResults.get(uri)?.outcome.signer?.uid);
    if (kind === 'keys') return keysSymbols(await this.lint(doc.getText(), documentPath(uri)));
    return [];
  }

  links(uri: string): DocumentLink[] {
    const doc = this.docs.get(uri);
    const file = uriToPath(uri);
    if (!doc || !file || documentKind(uri, doc.languageId) !== 'prov') return [];
    return provLinks(parseProvenance(doc.getText()), file);
  }

  /** The chart that holds `file` (a file or folder inside it, its archive or `.prov`). */
  chartOf(file: string): ChartEntry | undefined {
    const direct = [...this.charts.values()].find((c) => c.evaluation && 'archive' in c.evaluation && (c.evaluation.archive === file || `${c.evaluation.archive}.prov` === file));
    if (direct) return direct;
    let best: ChartEntry | undefined;
    for (const entry of this.charts.values()) {
      const folder = entry.ref.folder;
      if ((file === folder || file.startsWith(folder + path.sep)) && (!best || folder.length > best.ref.folder.length)) best = entry;
    }
    return best;
  }

  chartStatus(uri: string): StatusParams | null {
    const file = uriToPath(uri);
    const entry = file ? this.chartOf(file) : undefined;
    return entry?.evaluation ? chartStatus(entry.evaluation) : null;
  }

  /** Verifies now (re-reading keyrings) and answers the status of `uri`'s chart, or of the `.prov`/archive itself. */
  async verifyNow(uri: string, token: CancellationToken = CancellationToken.None): Promise<StatusParams | { error: string }> {
    const file = uriToPath(uri);
    if (!file) return { error: `${uri} is not a local file.` };
    this.keySet = undefined;
    const chartYaml = await this.chartYamlFor(file);
    if (chartYaml) {
      if (!this.charts.has(chartYaml)) this.charts.set(chartYaml, { ref: { chartYaml, folder: path.dirname(chartYaml) }, onDisk: this.isInWorkspace(chartYaml) });
      const evaluation = await this.refreshChart(chartYaml, 'interactive', token);
      return evaluation ? chartStatus(evaluation) : { error: 'Verification was cancelled.' };
    }
    const prov = file.endsWith('.prov') ? file : `${file}.prov`;
    const text = await this.provText(prov);
    if (text === undefined) {
      const archive = archiveOf(prov);
      if (!await this.facts.get(archive)) return { error: `Neither ${path.basename(archive)} nor its .prov exists.` };
      const { summary } = outcomeWords('missing-prov');
      return {
        scope: 'document', uri: pathToUri(archive), state: 'unsigned', severity: 'warning', code: 'missing-prov', summary, archive: pathToUri(archive),
        message: `${path.basename(prov)} not found: the archive is not signed. Sign it, or fetch the .prov (helm pull --prov).`,
      };
    }
    const check = await this.scheduler.run(`prov:${pathToUri(prov)}`, 'interactive', (t) => this.checkProv(prov, text, t), token);
    if (!check) return { error: 'Verification was cancelled.' };
    const openUri = this.openPaths.get(prov);
    if (!openUri) this.publishDiskProv(prov, check);
    return provStatus(openUri ?? pathToUri(prov), check);
  }

  /** Where a chart's archive is, and whether it must be packaged (first) before signing. */
  async chartArchive(chartYaml: string): Promise<{ archive?: string; needsPackage: boolean }> {
    if (!this.charts.has(chartYaml)) this.charts.set(chartYaml, { ref: { chartYaml, folder: path.dirname(chartYaml) }, onDisk: this.isInWorkspace(chartYaml) });
    const evaluation = await this.refreshChart(chartYaml, 'interactive');
    if (evaluation?.kind === 'unsigned' || evaluation?.kind === 'checked') return { archive: evaluation.archive, needsPackage: false };
    return { needsPackage: true };
  }

  /** A Chart.yaml named by `file`: itself, the one in a folder, or the chart whose archive/.prov it is. */
  private async chartYamlFor(file: string): Promise<string | undefined> {
    if (path.basename(file) === 'Chart.yaml') return file;
    const inFolder = path.join(file, 'Chart.yaml');
    if (readTextBounded(inFolder, 0) !== undefined) return inFolder;
    const entry = this.chartOf(file);
    return entry && (file.endsWith('.tgz') || file.endsWith('.prov')) && entry.evaluation && 'archive' in entry.evaluation ? entry.ref.chartYaml : undefined;
  }

  // ---- output ---------------------------------------------------------------------------------------

  private sendStatus(status: StatusParams): void {
    const key = `${status.scope}:${status.uri}`;
    const text = JSON.stringify(status);
    if (this.lastStatus.get(key) === text) return;
    if (status.state === 'removed') this.lastStatus.delete(key); else this.lastStatus.set(key, text);
    this.host.sendStatus(status);
  }

  private sendChartRemoved(chartYaml: string): void {
    this.sendStatus({ scope: 'chart', uri: pathToUri(chartYaml), state: 'removed', severity: 'information', summary: '', message: '' });
  }

  dispose(): void {
    this.scheduler.cancelAll();
    for (const timer of this.timers.values()) clearTimeout(timer);
  }
}
