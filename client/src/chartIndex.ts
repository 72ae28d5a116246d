// Which folders of the workspace are charts. Feeds two context keys the menus use
// (`helmProvenance.chartFolders` for "chart folder" explorer entries, `helmProvenance.hasCharts` for the
// palette) and the chart picker. Found in the background after activation, then kept up to date.
import * as path from 'node:path';
import * as vscode from 'vscode';

const CHART_GLOB = '**/Chart.yaml';
const EXCLUDE_GLOB = '**/{node_modules,.git}/**';
/** A cap on the search so a huge monorepo cannot stall the extension host. */
const MAX_CHARTS = 10_000;

export class ChartIndex implements vscode.Disposable {
  private readonly chartYamls = new Map<string, vscode.Uri>();
  private readonly watcher = vscode.workspace.createFileSystemWatcher(CHART_GLOB, false, true, false);
  private readonly subscriptions: vscode.Disposable[];
  /** Resolves when the first search is done. */
  readonly ready: Promise<void>;

  constructor() {
    this.subscriptions = [
      this.watcher,
      this.watcher.onDidCreate((uri) => { this.chartYamls.set(uri.toString(), uri); this.publish(); }),
      this.watcher.onDidDelete((uri) => { this.chartYamls.delete(uri.toString()); this.publish(); }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.rescan()),
    ];
    this.ready = this.rescan();
  }

  /** Every Chart.yaml, sorted by path. */
  charts(): vscode.Uri[] {
    return [...this.chartYamls.values()].sort((a, b) => a.fsPath.localeCompare(b.fsPath));
  }

  private async rescan(): Promise<void> {
    const found = await vscode.workspace.findFiles(CHART_GLOB, EXCLUDE_GLOB, MAX_CHARTS);
    this.chartYamls.clear();
    for (const uri of found) if (uri.scheme === 'file') this.chartYamls.set(uri.toString(), uri);
    this.publish();
  }

  private publish(): void {
    const folders = this.charts().map((uri) => path.dirname(uri.fsPath));
    void vscode.commands.executeCommand('setContext', 'helmProvenance.chartFolders', folders);
    void vscode.commands.executeCommand('setContext', 'helmProvenance.hasCharts', folders.length > 0);
  }

  dispose(): void {
    vscode.Disposable.from(...this.subscriptions).dispose();
  }
}
