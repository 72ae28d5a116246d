// The context keys the menus use, from the charts the language server found in the workspace
// (ChartsRequest): `helmProvenance.chartFolders` for "chart folder" explorer entries,
// `helmProvenance.hasCharts` for the palette. Asked again whenever the server says the list changed.
import * as vscode from 'vscode';
import { ChartsChangedNotification, ChartsRequest } from '../../server/src/lsp/protocol';
import type { ServerConnection } from './serverConnection';

export class ChartContextKeys implements vscode.Disposable {
  private readonly subscription: vscode.Disposable;
  /** Drops answers that a newer change made obsolete. */
  private generation = 0;

  constructor(private readonly server: ServerConnection) {
    this.subscription = server.onNotification(ChartsChangedNotification.type, () => void this.update());
    void server.ready.then(() => this.update(), () => undefined);
  }

  private async update(): Promise<void> {
    const generation = ++this.generation;
    let folders: string[];
    try {
      folders = (await this.server.send(ChartsRequest.type, {})).map((chart) => vscode.Uri.parse(chart.folder).fsPath);
    } catch {
      return; // the server stopped; the menus keep what they had
    }
    if (generation !== this.generation) return;
    void vscode.commands.executeCommand('setContext', 'helmProvenance.chartFolders', folders);
    void vscode.commands.executeCommand('setContext', 'helmProvenance.hasCharts', folders.length > 0);
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
