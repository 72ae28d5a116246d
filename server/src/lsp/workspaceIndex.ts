// The workspace as the server knows it: its charts and their state, which chart a file belongs to, and
// what a change to a file on disk affects. It owns everything a chart's evaluation reads (the buffers,
// the checks, the output folders), and it alone publishes what it finds: a `.prov` on disk gets its
// diagnostics from the chart whose check covers it, else from its own check (workspaceFiles.ts), never
// from both. How the first index runs (order, concurrency, progress) is workspaceIndexing.ts's.
import * as path from 'node:path';
import { CancellationToken, CancellationTokenSource, type CodeLens } from 'vscode-languageserver/node';
import { MAX_PROV_BYTES } from '../provenance/provDocument';
import { byText } from '../provenance/textOrder';
import { archiveFolders, irregularFile, locateArchive, readChartRef } from './chartLocator';
import { chartFixes, provFixes, withFixes, type FixContext } from './codeActions';
import { chartLenses, checkingLenses } from './codeLens';
import type { CosignFacts } from './cosignLine';
import type { ServerConfiguration } from './configuration';
import { archiveOf, CHART_YAML, fileRole, provOf, type DocumentKind } from './fileRoles';
import { readTextBounded, type OpenDocuments } from './openDocuments';
import type { Outbox } from './outbox';
import type { StatusFix, StatusParams } from './protocol';
import type { ProvCheck } from './provCheck';
import type { ProvenanceChecks } from './provenanceChecks';
import { retrySuperseded, type Priority } from './scheduler';
import { ChartSources } from './chartSources';
import { chartStatus, outOfDateOf, provStatus, unsignedArchiveStatus, type ChartEvaluation, type ChartRef } from './status';
import type { Freshness } from './sourceFreshness';
import { pathToUri, uriToPath } from './uris';
import { WorkspaceFiles } from './workspaceFiles';
import { KeyedDebounce } from './debounce';
import { sha256Text } from './caches';
import { forEachLimited, inViewFirst, progressSteps } from './workspaceIndexing';
import { ScanAhead } from './workspaceScan';

/** Charts evaluated at once while indexing; twice the scheduler's slots, so a slot never waits for a file. */
const INDEX_CONCURRENCY = 8;
/** The most of a Chart.yaml that is read. */
const MAX_CHART_YAML = 1024 * 1024;
/**
 * How long after a `.prov` tab closes its chart is evaluated again from the file on disk. At once, that
 * evaluation ran just as the editor sent its next request (a `.prov` opened again: its check waited
 * for it, on a loaded machine for a core too); an open within this time evaluates the chart anyway.
 */
const CLOSED_PROV_SETTLE_MS = 100;

export interface ChartEntry {
  ref: ChartRef;
  /** The digest of the Chart.yaml text `ref` was read from: the same text is not parsed again (each evaluation reads it). */
  refDigest?: string;
  evaluation?: ChartEvaluation;
  /** `evaluation` is this entry's own (its refresh finished): no newer evaluation of the chart is running. */
  evaluated?: true;
  /** Found in a workspace folder (else known only while its Chart.yaml is open, or asked about). */
  inWorkspace: boolean;
}

export class WorkspaceIndex {
  private readonly charts = new Map<string, ChartEntry>();
  /** The workspace's `.prov` and KEYS files as files of their own. */
  private readonly files: WorkspaceFiles;
  /** The chart folders as sources of their archives: what changed in them, and whether archives are current. */
  private readonly sources: ChartSources;
  private firstScanDone!: () => void;
  private readonly firstScan = new Promise<void>((resolve) => { this.firstScanDone = resolve; });
  private keysReadDone!: () => void;
  private readonly keysRead = new Promise<void>((resolve) => { this.keysReadDone = resolve; });
  /** `.prov` files whose tab closed, waiting to be judged from disk (CLOSED_PROV_SETTLE_MS). */
  private readonly closedProvs = new KeyedDebounce();
  private readonly scans = new ScanAhead();

  constructor(
    private readonly config: ServerConfiguration,
    private readonly checks: ProvenanceChecks,
    private readonly documents: OpenDocuments,
    private readonly out: Outbox,
    /** The verdicts of the cosign signatures beside an archive (lsp/cosignLine.ts). */
    private readonly cosign?: (archive: string) => Promise<CosignFacts | undefined>,
  ) {
    this.files = new WorkspaceFiles(config, checks, documents, out, (file, uri) => this.fixesFor(file, uri));
    this.sources = new ChartSources(
      checks, out, (chartYaml) => this.charts.has(chartYaml), (chartYaml, priority) => this.refreshChart(chartYaml, priority),
      (chartYaml, archive, archiveId, freshness) => this.takeFreshness(chartYaml, archive, archiveId, freshness),
    );
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
    const check = this.files.lastCheck(uri);
    return check ? provFixes(check, this.fixContext) : [];
  }

  /** Where a chart's archive is, and whether it must be packaged (first) before signing. */
  async chartArchive(chartYaml: string): Promise<{ archive?: string; needsPackage: boolean }> {
    this.track(chartYaml);
    const evaluation = await this.refreshChart(chartYaml, 'interactive');
    if (evaluation?.kind === 'unsigned' || evaluation?.kind === 'checked') return { archive: evaluation.archive, needsPackage: false };
    return { needsPackage: true };
  }

  /** Adds a Chart.yaml to the index, once; `announce`: tell the client its chart list changed (indexing tells it once). */
  private track(chartYaml: string, inWorkspace = this.config.isInWorkspace(chartYaml), announce = true): void {
    if (this.charts.has(chartYaml)) return;
    this.charts.set(chartYaml, { ref: { chartYaml, folder: path.dirname(chartYaml) }, inWorkspace });
    if (inWorkspace && announce) this.out.chartsChanged();
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
    const refDigest = sha256Text(text);
    const ref = previous?.refDigest === refDigest ? previous.ref : readChartRef(chartYaml, text);
    const entry: ChartEntry = { ref, refDigest, evaluation: previous?.evaluation, inWorkspace: previous?.inWorkspace ?? this.config.isInWorkspace(chartYaml) };
    this.charts.set(chartYaml, entry);
    if (!previous && entry.inWorkspace) this.out.chartsChanged();
    const evaluation = await this.checks.run(`chart:${chartYaml}`, priority, (t) => this.evaluate(entry.ref, t, priority), token);
    if (!evaluation || this.charts.get(chartYaml) !== entry) return undefined;
    entry.evaluation = evaluation;
    entry.evaluated = true;
    this.out.sendStatus(this.chartStatusOf(evaluation));
    if (evaluation.kind === 'checked') this.files.publishDiskProv(evaluation.prov, evaluation.check);
    this.out.refreshCodeLenses();
    return evaluation;
  }

  /**
   * A comparison with the chart folder, left for later by a background evaluation, is done: when the
   * chart's last evaluation is the one that lacked it (checked, of the same archive bytes, none newer
   * running), it takes the answer instead of the chart being evaluated again (after a workspace's index:
   * one evaluation per chart, about 0.1 ms each), and the status goes out only when the answer shows in
   * it (out of date, or other fixes; the lenses follow from the same). False: evaluate the chart again.
   */
  private takeFreshness(chartYaml: string, archive: string, archiveId: string, freshness: () => Freshness): boolean {
    const entry = this.charts.get(chartYaml);
    const before = entry?.evaluated ? entry.evaluation : undefined;
    if (!entry || before?.kind !== 'checked' || before.archive !== archive || before.check.archiveSha256 !== archiveId || before.freshness) return false;
    const after: ChartEvaluation = { ...before, freshness: freshness() };
    entry.evaluation = after;
    if (freshnessShows(before, after, this.fixContext)) {
      this.out.sendStatus(this.chartStatusOf(after));
      this.out.refreshCodeLenses();
    }
    return true;
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
    const check = await this.checks.checkProv(prov, text, token, found.snapshot);
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
    return this.files.lastCheck(uri);
  }

  /** Checks an open `.prov` buffer and publishes its diagnostics and status for its version. */
  refreshProvDocument(uri: string): Promise<void> {
    return this.files.refreshProvDocument(uri);
  }

  /** The workspace `.prov` files among `files` that no chart's check covers: those publish their own diagnostics. */
  private notCoveredByCharts(files: Iterable<string>): string[] {
    return this.files.notCovered(files, new Set([...this.charts.values()].flatMap((c) => (c.evaluation?.kind === 'checked' ? [c.evaluation.prov] : []))));
  }

  /** A `.prov` (or its archive) changed: the charts near it first, then the file itself if no chart covers it. */
  private async refreshProv(prov: string, priority: Priority): Promise<void> {
    await this.refreshChartsNear(prov);
    await Promise.all(this.notCoveredByCharts([prov]).map((f) => this.files.refreshDiskProv(f, priority)));
  }

  // ---- changes --------------------------------------------------------------------------------------

  /** Keys, trust or listings changed: every open `.prov`, every chart, then every `.prov` no chart covers. */
  async recheckAll(): Promise<void> {
    await Promise.all([
      ...this.documents.provUris().map((uri) => this.refreshProvDocument(uri)),
      ...[...this.charts.keys()].map((chart) => this.refreshChart(chart, 'background')),
    ]);
    await Promise.all(this.notCoveredByCharts(this.files.provs).map((file) => this.files.refreshDiskProv(file, 'background')));
  }

  /** The workspace folders changed: files of folders that left it are forgotten (unless open); new folders are indexed by the caller. */
  foldersChanged(): void {
    const outside = (file: string) => !this.config.isInWorkspace(file);
    for (const file of [...this.charts.keys()].filter((f) => outside(f) && !this.documents.isOpen(f))) this.forget(file);
    this.files.foldersChanged(outside);
  }

  /** An open document was closed: a Chart.yaml's chart stays if it is in the workspace, the file on disk takes over from a buffer. */
  async documentClosed(uri: string, kind: DocumentKind): Promise<void> {
    this.files.forgetCheck(uri);
    const file = uriToPath(uri);
    if (kind === 'chart' && file) {
      const entry = this.charts.get(file);
      if (entry && !entry.inWorkspace) this.forget(file); else await this.refreshChart(file, 'background');
      return;
    }
    if (!file || !(this.files.provs.has(file) || this.files.keys.has(file))) this.out.publishDiagnostics(uri, []);
    if (file && kind === 'keys' && this.files.keys.has(file)) await this.files.refreshDiskKeys(file);
    if (file && kind === 'prov') this.closedProvs.schedule(file, CLOSED_PROV_SETTLE_MS, () => void this.refreshProv(file, 'background'));
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
      if (!deleted && this.config.isInWorkspace(file)) this.files.provs.add(file);
      await this.refreshProv(file, 'interactive');
    } else if (role === 'chart') {
      if (deleted && !this.documents.isOpen(file)) {
        this.forget(file);
        this.out.refreshCodeLenses();
      } else {
        if (this.config.isInWorkspace(file)) this.track(file, true);
        await this.refreshChart(file, 'interactive');
      }
    } else if (role === 'keys' && (this.files.keys.has(file) || this.config.isInWorkspace(file))) {
      if (!deleted) this.files.keys.add(file);
      if (await this.files.refreshDiskKeys(file)) await this.recheckAll();
    }
  }

  /** Starts the first index's scan while the client answers the handshake (workspaceScan.ts ScanAhead). */
  scanAhead(): void {
    this.scans.start(this.config.workspaceFolders);
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
      const found = await this.scans.scan(this.config.workspaceFolders, source.token);
      if (!found) return;
      for (const file of found.keysFiles) this.files.keys.add(file);
      for (const file of found.provFiles) this.files.provs.add(file);
      for (const file of found.chartYamls) this.track(file, true, false);
      if (found.chartYamls.length) this.out.chartsChanged();
      this.firstScanDone();
      const step = progressSteps(progress, found.keysFiles.length + found.chartYamls.length + found.provFiles.length);
      // KEYS first: statuses name the workspace KEYS files that list a signer.
      for (const file of found.keysFiles) { await this.files.refreshDiskKeys(file); step(path.basename(file)); }
      this.keysReadDone();
      if (found.keysFiles.length) await Promise.all(this.documents.provUris().map((uri) => this.refreshProvDocument(uri)));
      // The charts of the documents open in the editor first: their statuses are the ones on screen.
      const charts = inViewFirst(found.chartYamls, this.documents.uris().flatMap((uri) => uriToPath(uri) ?? []));
      this.sources.holdComparisons();
      try {
        await forEachLimited(charts, INDEX_CONCURRENCY, source.token, async (file) => { await this.refreshChart(file, 'background', source.token); step(path.basename(path.dirname(file))); });
        await forEachLimited(this.notCoveredByCharts(found.provFiles), INDEX_CONCURRENCY, source.token, async (file) => { await this.files.refreshDiskProv(file, 'background'); step(path.basename(file)); });
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

  dispose(): void {
    this.closedProvs.dispose();
    this.scans.dispose();
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
    if (!openUri) this.files.publishDiskProv(prov, check);
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

/**
 * Whether the status or the lenses of `after` differ from those of `before`, which differs from it only
 * by its folder comparison: that reaches them only through `outOfDateOf` (the status's and the lenses'
 * "out of date") and the fixes (whether the archive is current; test/unit/freshnessTaken.test.ts).
 */
function freshnessShows(before: ChartEvaluation, after: ChartEvaluation, ctx: FixContext): boolean {
  return outOfDateOf(before) !== outOfDateOf(after) || JSON.stringify(chartFixes(before, ctx)) !== JSON.stringify(chartFixes(after, ctx));
}
