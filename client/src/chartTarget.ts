// Which chart (or archive, or .prov) a command is about: the explorer's resource, a CodeLens' or the
// status bar's arguments, the active editor, or — when none implies one — the user's pick.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ChartsRequest, ChartStatusRequest, type ChartCommandArgs, type StatusParams } from '../../server/src/lsp/protocol';
import { fileRole } from '../../server/src/lsp/fileRoles';
import type { ServerConnection } from './serverConnection';
import { labelText } from './uiText';

export type TargetPurpose = 'verify' | 'sign' | 'package';

function isChartCommandArgs(value: unknown): value is ChartCommandArgs {
  return typeof value === 'object' && value !== null && typeof (value as ChartCommandArgs).chartYaml === 'string';
}

/**
 * Lens arguments name the archive when there is one: verify that exact file. Signing and packaging
 * take the chart, so the server signs the archive only when it is what the chart's source builds.
 */
function fromLensArgs(args: ChartCommandArgs, purpose: TargetPurpose): vscode.Uri {
  const chosen = purpose === 'verify' ? (args.archive ?? args.chartYaml) : args.chartYaml;
  return vscode.Uri.parse(chosen);
}

/** The active editor's file when it names a chart by itself or lies inside a chart the server knows. */
async function fromActiveEditor(server: ServerConnection, purpose: TargetPurpose): Promise<vscode.Uri | undefined> {
  const uri = vscode.window.activeTextEditor?.document.uri;
  if (!uri || uri.scheme !== 'file') return undefined;
  const role = fileRole(uri.fsPath);
  if (role === 'chart') return uri;
  if (purpose !== 'package' && (role === 'archive' || role === 'prov')) return uri;
  const status = await server.send(ChartStatusRequest.type, { uri: uri.toString() });
  return status ? vscode.Uri.parse(status.uri) : undefined;
}

/** One of the charts the server found in the workspace; the user picks when there are several. */
async function pickChart(server: ServerConnection, purpose: TargetPurpose): Promise<vscode.Uri | undefined> {
  const all = (await server.send(ChartsRequest.type, {})).map((chart) => vscode.Uri.parse(chart.chartYaml));
  if (all.length === 0) {
    void vscode.window.showWarningMessage('There is no Chart.yaml in this workspace. Open a folder that holds a Helm chart.');
    return undefined;
  }
  if (all.length === 1) return all[0];
  const items = all.map((uri) => ({
    label: `$(package) ${labelText(path.basename(path.dirname(uri.fsPath)))}`,
    description: labelText(vscode.workspace.asRelativePath(path.dirname(uri.fsPath))),
    uri,
  }));
  const verb = { verify: 'verify', sign: 'sign', package: 'package' }[purpose];
  const picked = await vscode.window.showQuickPick(items, { title: `Which chart to ${verb}?`, matchOnDescription: true });
  return picked?.uri;
}

/** Answers the resource to act on, or undefined when the user cancelled (or there is no chart). */
export async function resolveChartTarget(arg: unknown, purpose: TargetPurpose, server: ServerConnection): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return arg;
  if (isChartCommandArgs(arg)) return fromLensArgs(arg, purpose);
  return (await fromActiveEditor(server, purpose)) ?? pickChart(server, purpose);
}

/** The arguments the lens commands take, for a chart-scope status; undefined for a document's. */
export function chartCommandArgs(status: StatusParams): ChartCommandArgs | undefined {
  return status.scope === 'chart' ? { chartYaml: status.uri, archive: status.archive, prov: status.prov } : undefined;
}

/** A short name (not escaped): `mychart-1.2.3.tgz`, or the chart folder's name for a Chart.yaml. */
export function displayName(uri: vscode.Uri): string {
  return fileRole(uri.fsPath) === 'chart' ? path.basename(path.dirname(uri.fsPath)) : path.basename(uri.fsPath);
}
