// Chart folders as the sources of their archives: which charts a changed file belongs to (their
// archives may now be out of date: they are evaluated again once the changes settle), and whether an
// archive is what its folder packages to (sourceFreshness.ts), waited for or compared later.
import * as path from 'node:path';
import { CHART_YAML } from './fileRoles';
import type { Outbox } from './outbox';
import type { ProvenanceChecks } from './provenanceChecks';
import type { Priority } from './scheduler';
import type { Freshness } from './sourceFreshness';
import type { ChartRef } from './status';
import { KeyedDebounce } from './debounce';

/** How long a chart folder must be quiet after a change before its chart is evaluated again. */
const SOURCE_CHANGE_SETTLE_MS = 200;

export class ChartSources {
  /** Why a chart folder was last not compared with its archive, as logged. */
  private readonly notCompared = new Map<string, string>();
  /** Charts waiting for their folder's changes to settle before they are evaluated again. */
  private readonly pending = new KeyedDebounce();
  /** While a workspace is indexed (a count: indexing may overlap), background comparisons wait here. */
  private holding = 0;
  private held: (() => void)[] = [];

  constructor(
    private readonly checks: ProvenanceChecks,
    private readonly out: Outbox,
    /** Whether the index knows this Chart.yaml. */
    private readonly isChart: (chartYaml: string) => boolean,
    private readonly refresh: (chartYaml: string, priority: Priority) => Promise<unknown>,
    /**
     * A background comparison's answer for the archive's bytes `archiveId`, handed to the chart's last
     * evaluation; false when that evaluation cannot take it as it is (the chart is then evaluated again).
     * `freshness()` gives the answer (and logs "not compared" when that changed).
     */
    private readonly takeFreshness: (chartYaml: string, archive: string, archiveId: string, freshness: () => Freshness) => boolean,
  ) {}

  /** The chart's folder is read again at its next comparison (Verify: a change no watcher reported counts too). */
  reread(chartYaml: string): void {
    this.checks.freshness.sourceChanged(path.dirname(chartYaml));
  }

  /**
   * A file changed on disk. Every chart whose folder holds it (a subchart's file is in its parent chart
   * too) is read again and evaluated once the changes settle (a checkout touches many files at once).
   */
  fileChanged(file: string): void {
    for (let dir = file; ; dir = path.dirname(dir)) {
      const chartYaml = path.join(dir, CHART_YAML);
      if (this.isChart(chartYaml)) this.settle(chartYaml);
      if (path.dirname(dir) === dir) return;
    }
  }

  private settle(chartYaml: string): void {
    this.reread(chartYaml);
    this.pending.schedule(chartYaml, SOURCE_CHANGE_SETTLE_MS, () => void this.refresh(chartYaml, 'interactive'));
  }

  /**
   * Whether `archive` is what packaging the chart folder writes now (cached). Interactive evaluations
   * (an open Chart.yaml, a file change, Verify) wait for it. Background ones (indexing, re-checks) use it
   * only when it is known: comparing reads the whole folder and costs about as much as the verdict, so
   * a workspace's statuses come first and each chart's evaluation takes the answer once it is known.
   */
  async freshness(chart: ChartRef, archive: string, priority: Priority): Promise<Freshness | undefined> {
    if (priority === 'background') {
      const known = await this.checks.freshness.known(chart.folder, archive);
      if (!known) this.compareLater(chart, archive);
      return known && this.logNotCompared(chart, archive, known.freshness);
    }
    return this.logNotCompared(chart, archive, await this.checks.freshness.check(chart.folder, archive));
  }

  /**
   * Background comparisons wait until the workspace's charts all have their status: queued beside the
   * evaluations they took a slot from every other chart (a comparison costs about a verdict).
   */
  holdComparisons(): void {
    this.holding++;
  }

  releaseComparisons(): void {
    if (--this.holding > 0) return;
    const held = this.held;
    this.held = [];
    for (const start of held) start();
  }

  private compareLater(chart: ChartRef, archive: string): void {
    if (this.holding > 0) { this.held.push(() => this.compareLater(chart, archive)); return; }
    void this.checks.run(`compare:${chart.chartYaml}`, 'background', () => this.checks.freshness.check(chart.folder, archive))
      // Only when the answer is now known (an evaluation will use it): never a loop. The evaluation that
      // asked lacks only this answer, so it takes it; the chart is evaluated again only when it cannot.
      .then(async (answer) => {
        const known = answer && await this.checks.freshness.known(chart.folder, archive);
        if (!known || this.takeFreshness(chart.chartYaml, archive, known.archiveId, () => this.logNotCompared(chart, archive, known.freshness))) return undefined;
        return this.refresh(chart.chartYaml, 'background');
      });
  }

  /** "Not compared" is logged when it changes, not on every evaluation (each keystroke in Chart.yaml is one). */
  private logNotCompared(chart: ChartRef, archive: string, freshness: Freshness): Freshness {
    const said = freshness.current === undefined ? freshness.notCompared : undefined;
    if (said !== undefined && this.notCompared.get(chart.folder) !== said) this.out.log(`${chart.folder}: not compared with ${archive}: ${said}`);
    if (said === undefined) this.notCompared.delete(chart.folder); else this.notCompared.set(chart.folder, said);
    return freshness;
  }
}
