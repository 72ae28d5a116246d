// The badges: a LanguageStatusItem on .prov, KEYS and Chart.yaml editors (severity follows the verdict)
// and one status-bar item for the chart of the active editor. Both show what the server's status
// notifications say. The language status item's words and action are languageStatus.ts's; clicking the
// status bar item runs Verify Chart for that chart.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  ChartStatusRequest, LANGUAGE_IDS, StatusBatchNotification, StatusNotification, type StatusParams,
} from '../../server/src/lsp/protocol';
import { CHART_YAML_GLOB, fileRole } from '../../server/src/lsp/fileRoles';
import { shortFingerprint } from '../../server/src/lsp/keyText';
import { chartCommandArgs } from './chartTarget';
import { COMMAND_IDS } from './commandIds';
import type { ServerConnection } from './serverConnection';
import { badgeText, languageStatusView } from './languageStatus';
import { labelText } from './uiText';

const LANGUAGE_SEVERITY = {
  ok: vscode.LanguageStatusSeverity.Information,
  information: vscode.LanguageStatusSeverity.Information,
  warning: vscode.LanguageStatusSeverity.Warning,
  error: vscode.LanguageStatusSeverity.Error,
} as const;

const STATUS_BAR_BACKGROUND = {
  ok: undefined,
  information: undefined,
  warning: new vscode.ThemeColor('statusBarItem.warningBackground'),
  error: new vscode.ThemeColor('statusBarItem.errorBackground'),
} as const;

/** The id VS Code builds the status bar element's id from: `<publisher>.<name>.chartStatus`. */
export const STATUS_BAR_ITEM_ID = 'chartStatus';

/** URIs compared in one spelling: the server's encoding may differ from VS Code's. */
function uriKey(uri: string | vscode.Uri): string {
  return (typeof uri === 'string' ? vscode.Uri.parse(uri) : uri).toString();
}

function isInsideChart(file: vscode.Uri, status: StatusParams): boolean {
  return status.chartFolder !== undefined && file.fsPath.startsWith(vscode.Uri.parse(status.chartFolder).fsPath + path.sep);
}

/** Plain-text tooltip (never Markdown: it quotes user ids and file names). */
function tooltip(status: StatusParams): string {
  const lines = [
    status.chart ? `${status.chart.name} ${status.chart.version}` : undefined,
    status.message,
    status.signer ? `Signer: ${status.signer.uid ?? ''} ${shortFingerprint(status.signer.fingerprint)}` : undefined,
    ...(status.warnings ?? []).map((w) => `Warning: ${w.message}`),
    status.cosign,
    status.state === 'keys' ? undefined
      : status.state === 'not-packaged' || status.state === 'stale' ? 'No archive of this version to verify yet: click to check again, with Package and Sign offered.'
        : 'Click to verify again.',
  ];
  return lines.filter((l): l is string => Boolean(l)).map(labelText).join('\n');
}

function verifyCommand(status: StatusParams): vscode.Command {
  const args = chartCommandArgs(status) ?? vscode.Uri.parse(status.uri);
  return { title: 'Verify', command: COMMAND_IDS.verifyChart, arguments: [args] };
}

export class StatusBadges implements vscode.Disposable {
  private readonly documents = new Map<string, StatusParams>();
  private readonly charts = new Map<string, StatusParams>();
  /** The Chart.yaml uri of the active editor's chart, or (for a .prov outside a chart) the .prov's own. */
  private activeChart: string | undefined;
  /** Drops answers to chart lookups that a newer editor change made obsolete. */
  private lookupGeneration = 0;
  private readonly languageItem = vscode.languages.createLanguageStatusItem('helmProvenance.status', [
    { language: LANGUAGE_IDS.provenance },
    { language: LANGUAGE_IDS.keys },
    { language: LANGUAGE_IDS.chartYaml, pattern: CHART_YAML_GLOB },
  ]);
  private readonly statusBarItem = vscode.window.createStatusBarItem(STATUS_BAR_ITEM_ID, vscode.StatusBarAlignment.Left, 50);
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly server: ServerConnection) {
    this.languageItem.name = 'Helm Provenance';
    this.statusBarItem.name = 'Helm Provenance: chart status';
    this.subscriptions = [
      this.languageItem,
      this.statusBarItem,
      server.onNotification(StatusNotification.type, (status) => this.update(status)),
      server.onNotification(StatusBatchNotification.type, ({ statuses }) => { for (const status of statuses) this.update(status); }),
      vscode.window.onDidChangeActiveTextEditor(() => this.followActiveEditor()),
    ];
    this.showLanguageStatus();
    void server.ready.then(() => this.followActiveEditor(), () => undefined);
  }

  /** The last status the server sent for a document (scope `document`) or a chart's Chart.yaml (scope `chart`). */
  statusOf(uri: vscode.Uri, scope: StatusParams['scope']): StatusParams | undefined {
    return (scope === 'chart' ? this.charts : this.documents).get(uriKey(uri));
  }

  private update(status: StatusParams): void {
    const map = status.scope === 'chart' ? this.charts : this.documents;
    const key = uriKey(status.uri);
    if (status.state === 'removed') map.delete(key);
    else map.set(key, status);
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active && uriKey(active) === key) this.showLanguageStatus();
    // The server may learn of the active editor's chart only after the editor opened (indexing). Once
    // the lookup named a chart, keep it: a subchart's file is inside its parent chart too.
    if (this.activeChart === undefined && active && status.scope === 'chart' && status.state !== 'removed' && isInsideChart(active, status)) this.activeChart = key;
    if (this.activeChart === key) this.showStatusBar();
  }

  private showLanguageStatus(): void {
    const uri = vscode.window.activeTextEditor?.document.uri;
    const status = uri && (this.documents.get(uriKey(uri)) ?? this.charts.get(uriKey(uri)));
    const item = this.languageItem;
    if (!status) {
      item.text = '$(loading~spin) Helm Provenance';
      item.detail = 'checking';
      item.severity = vscode.LanguageStatusSeverity.Information;
      item.busy = true;
      item.command = undefined;
      return;
    }
    item.busy = status.state === 'checking';
    // Short text and detail; the whole message is the action's tooltip (languageStatus.ts).
    const view = languageStatusView(status, vscode.workspace.isTrusted, chartCommandArgs(status) ?? vscode.Uri.parse(status.uri));
    item.text = view.text;
    item.detail = view.detail;
    item.severity = LANGUAGE_SEVERITY[status.severity];
    item.accessibilityInformation = { label: view.label };
    item.command = view.command;
  }

  private showStatusBar(): void {
    const status = this.activeChart && (this.charts.get(this.activeChart) ?? this.documents.get(this.activeChart));
    if (!status) {
      this.statusBarItem.hide();
      return;
    }
    const item = this.statusBarItem;
    item.text = badgeText(status);
    item.tooltip = tooltip(status);
    item.backgroundColor = STATUS_BAR_BACKGROUND[status.severity];
    item.accessibilityInformation = { label: `Helm chart ${labelText(status.summary)}` };
    item.command = verifyCommand(status);
    item.show();
  }

  /** Finds the chart of the active editor (the server knows which chart a file belongs to). */
  private async followActiveEditor(): Promise<void> {
    this.showLanguageStatus();
    const uri = vscode.window.activeTextEditor?.document.uri;
    const generation = ++this.lookupGeneration;
    if (!uri || uri.scheme !== 'file') return; // keep the last chart while the Output or a non-file editor is focused
    let chart: string | undefined;
    try {
      const status = await this.server.send(ChartStatusRequest.type, { uri: uri.toString() });
      if (status) {
        chart = uriKey(status.uri);
        this.charts.set(chart, status);
      } else if (fileRole(uri.fsPath) === 'prov') {
        chart = uriKey(uri); // a .prov outside any chart folder: show its own verdict
      }
    } catch {
      chart = undefined; // the server stopped; nothing to show
    }
    if (generation !== this.lookupGeneration) return;
    this.activeChart = chart;
    this.showStatusBar();
  }

  dispose(): void {
    vscode.Disposable.from(...this.subscriptions).dispose();
  }
}
