// The workspace as the server knows it: its charts and their state, its `.prov` and KEYS files, which
// chart a file belongs to, and what a change to a file on disk affects. It owns everything a chart's
// evaluation reads (the buffers, the checks, the output folders), and it alone publishes what it finds:
// a `.prov` on disk gets its diagnostics from the chart whose check covers it, else from its own check,
// never from both.
import * as path from 'node:path';
import { CancellationToken, CancellationTokenSource, type CodeLens } from 'vscode-languageserver/node';
import { MAX_PROV_BYTES } from '../provenance/provDocument';
import { labelText } from '../provenance/untrustedText';
import { byText } from '../provenance/textOrder';
import { archiveFolders, irregularFile, locateArchive, readChartRef } from './chartLocator';
import { chartFixes, provFixes, withFixes, type FixContext } from './codeActions';
import { chartLenses, checkingLenses } from './codeLens';
import type { CosignFacts } from './cosignLine';
import type { ServerConfiguration } from './configuration';
import { keysDiagnostics, provDiagnostics } from './diagnostics';
import { archiveOf, CHART_YAML, fileRole, provOf, type DocumentKind } from './fileRoles';
import { documentPath, readTextBounded, type OpenDocuments } from './openDocuments';
import type { Outbox } from './outbox';
import type { StatusFix, StatusParams } from './protocol';
import type { ProvCheck } from './provCheck';
import { MAX_KEYS_TEXT, type ProvenanceChecks } from './provenanceChecks';
import { retrySuperseded, type Priority } from './scheduler';
import { ChartSources } from './chartSources';
import { chartStatus, provStatus, unsignedArchiveStatus, type ChartEvaluation, type ChartRef } from './status';
import { pathToUri, uriToPath } from './uris';
import { scanWorkspace } from './workspaceScan';

/** Charts evaluated at once while indexing; twice the scheduler's slots, so a slot never waits for a file. */
const INDEX_CONCURRENCY = 8;
/** The most of a Chart.yaml that is read. */
const MAX_CHART_YAML = 1024 * 1024;

export interface ChartEntry {
  ref: ChartRef;
  evaluation?: ChartEvaluation;
  /** Found in a workspace folder (else known only while its Chart.yaml is open, or asked about). */
  inWorkspace: boolean;
}

/**
 * Runs `fn` over `items`, `limit` at a time: indexing a large workspace must not flood the event loop
 * (file reads, YAML parsing) ahead of the requests and edits of the person typing.
 */
async function forEachLimited<T>(items: T[], limit: number, token: CancellationToken, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !token.isCancellationRequested) {
      await fn(items[next++]);
      // A chart's evaluation can finish without leaving the microtask queue (synchronous reads, cached
      // verdicts): without this turn, requests and edits would wait for the whole index.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export class WorkspaceIndex {
  private readonly charts = new Map<string, ChartEntry>();
  private readonly diskProvs = new Set<string>();
  private readonly diskKeys = new Set<string>();
  /** The last check of each `.prov`, by the uri it was published for: the outline names the signer. */
  private readonly provChecks = new Map<string, ProvCheck>();
  /** The chart folders as sources of their archives: what changed in them, and whether archives are current. */
  private readonly sources: ChartSources;
  private firstScanDone!: () => void;
  private readonly firstScan = new Promise<void>((resolve) => { this.firstScanDone = resolve; });
  private keysReadDone!: () => void;
  private readonly keysRead = new Promise<void>((resolve) => { this.keysReadDone = resolve; });

  constructor(
    private readonly config: ServerConfiguration,
    private readonly checks: ProvenanceChecks,
    private readonly documents: OpenDocuments,
    private readonly out: Outbox,
    /** The verdicts of the cosign signatures beside an archive (lsp/cosignLine.ts). */
    private readonly cosign?: (archive: string) => Promise<CosignFacts | undefined>,
  ) {
    this.sources = new ChartSources(checks, out, (chartYaml) => this.charts.has(chartYaml), (chartYaml, priority) => this.refreshChart(chartYaml, priority));
  }

  // ---- charts ---------------------------------------------------------------------------------------

  /** The charts found in the workspace, by Chart.yaml path; waits for the first scan of the workspace. */
  async workspaceCharts(): Promise<ChartEntry[]> {
    await this.firstScan;
    return [...this.charts.values()].filter((c) => c.inWorkspace).sort((a, b) => byText(a.ref.chartYaml, b.ref.chartYaml));
  }

  /**
   * Resolves once the KEYS files the first scan found are read (at once when there is no scan): what
   * a quick fix or a look-up says of "this repository's KEYS" must not depend on how far indexing got.
   */
  whenKeysRead(): Promise<void> {
    return this.keysRead;
  }

  /** The workspace will not be scanned (the client turned indexing off): the charts known are all there are. */
  indexingDisabled(): void {
    this.firstScanDone();
    this.keysReadDone();
  }

  /** The chart that holds `file` (a file or folder inside it, its archive or `.prov`). */
  chartOf(file: string): ChartEntry | undefined {
    const direct = [...this.charts.values()].find(({ evaluation: e }) => e && 'archive' in e && e.archive !== undefined && (e.archive === file || provOf(e.archive) === file));
    if (direct) return direct;
    let best: ChartEntry | undefined;
    for (const entry of this.charts.values()) {
      const folder = entry.ref.folder;
      if ((file === folder || file.startsWith(folder + path.sep)) && (!best || folder.length > best.ref.folder.length)) best = entry;
    }
    return best;
  }

  /** The CodeLens of a Chart.yaml: its chart's state, or "checking" while it is evaluated the first time. */
  lenses(chartYaml: string): CodeLens[] {
    const entry = this.charts.get(chartYaml);
    if (entry?.evaluation) return chartLenses(entry.evaluation, this.config.isTrusted);
    if (!entry) void this.refreshChart(chartYaml, 'interactive');
    return checkingLenses();
  }

  private get fixContext(): FixContext {
    return { trusted: this.config.isTrusted, clientCommands: this.config.clientCommands };
  }

  /** A chart's status with the fixes that can work now (the Verify notification's buttons). */
  chartStatusOf(evaluation: ChartEvaluation): StatusParams {
    return withFixes(chartStatus(evaluation), chartFixes(evaluation, this.fixContext));
  }

  /**
   * The fixes for `file`: a Chart.yaml's chart state; a `.prov` its chart checks (signing needs the
   * chart), else its own last check (published for `uri`).
   */
  fixesFor(file: string, uri: string): StatusFix[] {
    if (fileRole(file) === 'chart') {
      const evaluation = this.charts.get(file)?.evaluation;
      return evaluation ? chartFixes(evaluation, this.fixContext) : [];
    }
    const covering = this.chartOf(file)?.evaluation;
    if (covering?.kind === 'checked' && covering.prov === file) return chartFixes(covering, this.fixContext);
    const check = this.provChecks.get(uri);
    return check ? provFixes(check, this.fixContext) : [];
  }

  /** Where a chart's archive is, and whether it must be packaged (first) before signing. */
  async chartArchive(chartYaml: string): Promise<{ archive?: string; needsPackage: boolean }> {
    this.track(chartYaml);
    const evaluation = await this.refreshChart(chartYaml, 'interactive');
    if (evaluation?.kind === 'unsigned' || evaluation?.kind === 'checked') return { archive: evaluation.archive, needsPackage: false };
    return { needsPackage: true };
  }

  /** Adds a Chart.yaml to the index, once. */
  private track(chartYaml: string, inWorkspace = this.config.isInWorkspace(chartYaml)): void {
    if (this.charts.has(chartYaml)) return;
    this.charts.set(chartYaml, { ref: { chartYaml, folder: path.dirname(chartYaml) }, inWorkspace });
    if (inWorkspace) this.out.chartsChanged();
  }

  private forget(chartYaml: string): void {
    const entry = this.charts.get(chartYaml);
    if (!entry) return;
    this.charts.delete(chartYaml);
    this.out.sendChartRemoved(chartYaml);
    if (entry.inWorkspace) this.out.chartsChanged();
  }

  /** Re-reads a Chart.yaml (buffer or disk) and re-evaluates the chart; removes it when it is gone. */
  async refreshChart(chartYaml: string, priority: Priority, token?: CancellationToken): Promise<ChartEvaluation | undefined> {
    await this.config.whenLoaded();
    const text = this.documents.textOf(chartYaml, MAX_CHART_YAML);
    if (text === undefined) {
      this.forget(chartYaml);
      return undefined;
    }
    const previous = this.charts.get(chartYaml);
    const entry: ChartEntry = { ref: readChartRef(chartYaml, text), evaluation: previous?.evaluation, inWorkspace: previous?.inWorkspace ?? this.config.isInWorkspace(chartYaml) };
    this.charts.set(chartYaml, entry);
    if (!previous && entry.inWorkspace) this.out.chartsChanged();
    const evaluation = await this.checks.run(`chart:${chartYaml}`, priority, (t) => this.evaluate(entry.ref, t, priority), token);
    if (!evaluation || this.charts.get(chartYaml) !== entry) return undefined;
    entry.evaluation = evaluation;
    this.out.sendStatus(this.chartStatusOf(evaluation));
    if (evaluation.kind === 'checked') this.publishDiskProv(evaluation.prov, evaluation.check);
    this.out.refreshCodeLenses();
    return evaluation;
  }

  /**
   * The chart's state: its archive, then the archive's `.prov` (the buffer when it is open) checked, and
   * whether the archive is what the folder packages to (`background`: only when known; see
   * freshness()); undefined when cancelled.
   */
  private async evaluate(chart: ChartRef, token: CancellationToken, priority: Priority): Promise<ChartEvaluation | undefined> {
    const found = await locateArchive(chart, archiveFolders(chart, this.config.outputFolders()), this.checks.facts, token);
    if (found?.kind !== 'found') return found;
    const { archive } = found;
    const prov = provOf(archive);
    const text = this.documents.textOf(prov, MAX_PROV_BYTES);
    const cosign = await this.cosign?.(archive);
    if (text === undefined) {
      const what = irregularFile(prov);
      if (what) return { kind: 'irregular', chart, file: prov, what, archive };
      const freshness = await this.sources.freshness(chart, archive, priority);
      return token.isCancellationRequested ? undefined : { kind: 'unsigned', chart, archive, cosign, ...(freshness ? { freshness } : {}) };
    }
    const check = await this.checks.checkProv(prov, text, token);
    if (!check) return undefined;
    // Whatever the verdict: a verified archive may be out of date, and the quick fixes of the others
    // (sign again, another key) depend on whether the archive is what the folder packages to.
    const freshness = await this.sources.freshness(chart, archive, priority);
    return token.isCancellationRequested ? undefined : { kind: 'checked', chart, archive, prov, check, cosign, ...(freshness ? { freshness } : {}) };
  }

  /** Charts whose archive could be in `file`'s folder: the only ones a change there can affect. */
  private chartsNear(file: string): string[] {
    const dir = path.dirname(file);
    const outputs = this.config.outputFolders();
    // Archives are named <chart>-<version>.tgz: a chart whose name the file does not start with is not affected.
    const base = path.basename(file);
    return [...this.charts.values()]
      .filter((c) => (c.ref.name === undefined || base.startsWith(`${c.ref.name}-`)) && archiveFolders(c.ref, outputs).includes(dir))
      .map((c) => c.ref.chartYaml);
  }

  async refreshChartsNear(file: string): Promise<void> {
    await Promise.all(this.chartsNear(file).map((c) => this.refreshChart(c, 'interactive')));
  }

  // ---- .prov and KEYS files ---------------------------------------------------------------------------

  /** The last check of the `.prov` at `uri` (open or on disk). */
  lastCheck(uri: string): ProvCheck | undefined {
    return this.provChecks.get(uri);
  }

  /** Checks an open `.prov` buffer and publishes its diagnostics and status for its version. */
  async refreshProvDocument(uri: string): Promise<void> {
    const open = this.documents.get(uri);
    if (!open) return;
    const version = open.doc.version;
    const file = documentPath(uri);
    const check = await this.checks.run(`prov:${uri}`, 'interactive', (token) => this.checks.checkProv(file, open.doc.getText(), token));
    if (!check || this.documents.get(uri)?.doc.version !== version) return;
    this.provChecks.set(uri, check);
    this.out.publishDiagnostics(uri, provDiagnostics(check, this.config.docsBaseUrl), version);
    this.out.sendStatus(withFixes(provStatus(uri, check), this.fixesFor(file, uri)));
  }

  /** Diagnostics of a `.prov` on disk that is not open (the open buffer has its own). */
  private publishDiskProv(provPath: string, check: ProvCheck): void {
    if (this.documents.isOpen(provPath)) return;
    const uri = pathToUri(provPath);
    this.provChecks.set(uri, check);
    this.out.publishDiagnostics(uri, provDiagnostics(check, this.config.docsBaseUrl));
  }

  private async refreshDiskProv(file: string, priority: Priority): Promise<void> {
    if (this.documents.isOpen(file)) return;
    const uri = pathToUri(file);
    const text = readTextBounded(file, MAX_PROV_BYTES);
    if (text === undefined) { this.diskProvs.delete(file); this.provChecks.delete(uri); this.out.publishDiagnostics(uri, []); return; }
    const check = await this.checks.run(`prov:${uri}`, priority, (token) => this.checks.checkProv(file, text, token));
    if (check) this.publishDiskProv(file, check);
  }

  /** The workspace `.prov` files among `files` that no chart's check covers: those publish their own diagnostics. */
  private notCoveredByCharts(files: Iterable<string>): string[] {
    const covered = new Set([...this.charts.values()].flatMap((c) => (c.evaluation?.kind === 'checked' ? [c.evaluation.prov] : [])));
    return [...files].filter((f) => this.diskProvs.has(f) && !covered.has(f));
  }

  /** A `.prov` (or its archive) changed: the charts near it first, then the file itself if no chart covers it. */
  private async refreshProv(prov: string, priority: Priority): Promise<void> {
    await this.refreshChartsNear(prov);
    await Promise.all(this.notCoveredByCharts([prov]).map((f) => this.refreshDiskProv(f, priority)));
  }

  /** Lints a workspace KEYS file as it is on disk (an open buffer takes precedence); true when the keys it lists changed. */
  private async refreshDiskKeys(file: string): Promise<boolean> {
    if (this.documents.isOpen(file)) return false;
    const uri = pathToUri(file);
    const text = readTextBounded(file, MAX_KEYS_TEXT);
    if (text === undefined) {
      this.diskKeys.delete(file);
      this.out.publishDiagnostics(uri, []);
      return this.checks.unlistKeys(file);
    }
    const lint = await this.checks.lint(text, file);
    this.out.publishDiagnostics(uri, keysDiagnostics(lint.problems, this.config.docsBaseUrl));
    return this.checks.listKeys(file, lint);
  }

  // ---- changes --------------------------------------------------------------------------------------

  /** Keys, trust or listings changed: every open `.prov`, every chart, then every `.prov` no chart covers. */
  async recheckAll(): Promise<void> {
    await Promise.all([
      ...this.documents.provUris().map((uri) => this.refreshProvDocument(uri)),
      ...[...this.charts.keys()].map((chart) => this.refreshChart(chart, 'background')),
    ]);
    await Promise.all(this.notCoveredByCharts(this.diskProvs).map((file) => this.refreshDiskProv(file, 'background')));
  }

  /** The workspace folders changed: files of folders that left it are forgotten (unless open); new folders are indexed by the caller. */
  foldersChanged(): void {
    const outside = (file: string) => !this.config.isInWorkspace(file);
    for (const file of [...this.charts.keys()].filter((f) => outside(f) && !this.documents.isOpen(f))) this.forget(file);
    for (const file of [...this.diskProvs].filter(outside)) {
      this.diskProvs.delete(file);
      if (!this.documents.isOpen(file)) this.out.publishDiagnostics(pathToUri(file), []);
    }
    for (const file of [...this.diskKeys].filter(outside)) {
      this.diskKeys.delete(file);
      this.checks.unlistKeys(file);
      if (!this.documents.isOpen(file)) this.out.publishDiagnostics(pathToUri(file), []);
    }
  }

  /** An open document was closed: a Chart.yaml's chart stays if it is in the workspace, the file on disk takes over from a buffer. */
  async documentClosed(uri: string, kind: DocumentKind): Promise<void> {
    this.provChecks.delete(uri);
    const file = uriToPath(uri);
    if (kind === 'chart' && file) {
      const entry = this.charts.get(file);
      if (entry && !entry.inWorkspace) this.forget(file); else await this.refreshChart(file, 'background');
      return;
    }
    if (!file || !(this.diskProvs.has(file) || this.diskKeys.has(file))) this.out.publishDiagnostics(uri, []);
    if (file && kind === 'keys' && this.diskKeys.has(file)) await this.refreshDiskKeys(file);
    if (file && kind === 'prov') await this.refreshProv(file, 'background');
  }

  /** A watched file was created, changed or deleted: re-check exactly what depends on it. */
  async fileChanged(file: string, deleted: boolean): Promise<void> {
    if (this.checks.keyringChanged(file)) {
      await this.recheckAll();
      return;
    }
    const role = fileRole(file);
    this.sources.fileChanged(file);
    if (role === undefined) return; // a file of a chart folder (handled above) or of no interest
    if (role === 'archive') {
      this.checks.facts.invalidate(file);
      const openProvs = this.documents.provUris().filter((u) => { const p = uriToPath(u); return p !== undefined && archiveOf(p) === file; });
      await Promise.all([...openProvs.map((u) => this.refreshProvDocument(u)), this.refreshProv(provOf(file), 'interactive')]);
    } else if (role === 'prov') {
      if (!deleted && this.config.isInWorkspace(file)) this.diskProvs.add(file);
      await this.refreshProv(file, 'interactive');
    } else if (role === 'chart') {
      if (deleted && !this.documents.isOpen(file)) {
        this.forget(file);
        this.out.refreshCodeLenses();
      } else {
        if (this.config.isInWorkspace(file)) this.track(file, true);
        await this.refreshChart(file, 'interactive');
      }
    } else if (role === 'keys' && (this.diskKeys.has(file) || this.config.isInWorkspace(file))) {
      if (!deleted) this.diskKeys.add(file);
      if (await this.refreshDiskKeys(file)) await this.recheckAll();
    }
  }

  /** Finds every Chart.yaml, `.prov` and KEYS file in the workspace and checks them, with progress. */
  async indexWorkspace(token: CancellationToken = CancellationToken.None): Promise<void> {
    await this.config.whenLoaded();
    const progress = await this.out.createProgress();
    progress.begin('Helm Provenance', 0, 'Looking for charts…', true);
    // Cancelled from the progress UI or by the caller: stop scanning and drop the queued checks.
    const source = new CancellationTokenSource();
    const links = [progress.token.onCancellationRequested(() => source.cancel()), token.onCancellationRequested(() => source.cancel())];
    try {
      const found = await scanWorkspace(this.config.workspaceFolders, source.token);
      if (!found) return;
      for (const file of found.keysFiles) this.diskKeys.add(file);
      for (const file of found.provFiles) this.diskProvs.add(file);
      for (const file of found.chartYamls) this.track(file, true);
      this.firstScanDone();
      const total = found.keysFiles.length + found.chartYamls.length + found.provFiles.length;
      let done = 0;
      let shown = -1;
      // One progress notification per percent, not per file: 1 000 charts made 1 000 messages.
      const step = (what: string) => {
        const percent = Math.round((++done / Math.max(total, 1)) * 100);
        // A folder name like `$(verified-filled) Verified by x` must not become an icon in the status bar.
        if (percent !== shown) progress.report(shown = percent, labelText(what));
      };
      // KEYS first: statuses name the workspace KEYS files that list a signer.
      for (const file of found.keysFiles) { await this.refreshDiskKeys(file); step(path.basename(file)); }
      this.keysReadDone();
      if (found.keysFiles.length) await Promise.all(this.documents.provUris().map((uri) => this.refreshProvDocument(uri)));
      this.sources.holdComparisons();
      try {
        await forEachLimited(found.chartYamls, INDEX_CONCURRENCY, source.token, async (file) => { await this.refreshChart(file, 'background', source.token); step(path.basename(path.dirname(file))); });
        await forEachLimited(this.notCoveredByCharts(found.provFiles), INDEX_CONCURRENCY, source.token, async (file) => { await this.refreshDiskProv(file, 'background'); step(path.basename(file)); });
      } finally {
        this.sources.releaseComparisons();
      }
      this.out.log(`indexed ${found.chartYamls.length} charts, ${found.provFiles.length} provenance files, ${found.keysFiles.length} KEYS files${found.truncated ? ' (stopped at the entry limit)' : ''}`);
    } finally {
      this.firstScanDone();
      this.keysReadDone();
      for (const link of links) link.dispose();
      source.dispose();
      progress.done();
    }
  }

  // ---- verify now -----------------------------------------------------------------------------------

  /**
   * Evaluates `file`'s chart (or the `.prov`/archive itself, outside any chart) now and answers its
   * status; undefined when `token` cancelled it. A check superseded by a newer one of the same file
   * (a file change arriving meanwhile) is run again.
   */
  async verify(file: string, token: CancellationToken): Promise<StatusParams | { error: string } | undefined> {
    const chartYaml = this.chartYamlFor(file);
    if (chartYaml) {
      this.track(chartYaml);
      // Verify reads the chart folder again: a change no watcher reported counts too.
      this.sources.reread(chartYaml);
      const evaluation = await retrySuperseded(() => this.refreshChart(chartYaml, 'interactive', token), token);
      return evaluation && this.chartStatusOf(evaluation);
    }
    const prov = fileRole(file) === 'prov' ? file : provOf(file);
    const text = this.documents.textOf(prov, MAX_PROV_BYTES);
    if (text === undefined) {
      const archive = archiveOf(prov);
      if (!await this.checks.facts.get(archive)) return { error: `Neither ${path.basename(archive)} nor its .prov exists.` };
      return unsignedArchiveStatus(archive, prov);
    }
    const check = await retrySuperseded(() => this.checks.run(`prov:${pathToUri(prov)}`, 'interactive', (t) => this.checks.checkProv(prov, text, t), token), token);
    if (!check) return undefined;
    const openUri = this.documents.uriOf(prov);
    if (!openUri) this.publishDiskProv(prov, check);
    return withFixes(provStatus(openUri ?? pathToUri(prov), check), this.fixesFor(prov, openUri ?? pathToUri(prov)));
  }

  /** A Chart.yaml named by `file`: itself, the one in a folder, or the chart whose archive/.prov it is. */
  private chartYamlFor(file: string): string | undefined {
    const role = fileRole(file);
    if (role === 'chart') return file;
    const inFolder = path.join(file, CHART_YAML);
    if (readTextBounded(inFolder, 0) !== undefined) return inFolder;
    const entry = this.chartOf(file);
    return entry && (role === 'archive' || role === 'prov') && entry.evaluation && 'archive' in entry.evaluation ? entry.ref.chartYaml : undefined;
  }
}
