// Package Chart: writes `<name>-<version>.tgz` the way `helm package` does (to the first configured
// output folder, else next to the chart folder) and offers to sign it. An archive with a `.prov` next
// to it is replaced only after asking (Package and Sign replaces both).
import * as vscode from 'vscode';
import { PackageRequest, type PackageResult } from '../../server/src/lsp/protocol';
import { notificationText } from '../../server/src/lsp/keyText';
import { displayName, resolveChartTarget } from './chartTarget';
import { COMMAND_IDS } from './commandIds';
import type { Log } from './output';
import type { ServerConnection } from './serverConnection';
import { requireTrust } from './settings';
import { labelText, messageText } from './uiText';

export interface PackageDeps { server: ServerConnection; log: Log }

export async function packageChart(deps: PackageDeps, arg: unknown): Promise<PackageResult | undefined> {
  if (!requireTrust('Package Chart', "writes files from this repository's content")) return undefined;
  const target = await resolveChartTarget(arg, 'package', deps.server);
  if (!target) return undefined;
  const send = (replaceSigned: boolean) => vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Packaging ${labelText(displayName(target))}`, cancellable: true },
    (_progress, token) => deps.server.send(PackageRequest.type, { uri: target.toString(), ...(replaceSigned ? { replaceSigned } : {}) }, token),
  );
  let result = await send(false);
  if (!result.ok && result.error.code === 'archive-has-signature') {
    deps.log.channel.info(`Package ${target.fsPath}: ${result.error.message}`);
    const packageAndSign = 'Package and Sign';
    const replace = 'Replace Archive';
    const choice = await vscode.window.showWarningMessage(
      `Replace the signed archive of ${messageText(displayName(target))}?`,
      { modal: true, detail: messageText(notificationText(result.error.message)) }, packageAndSign, replace,
    );
    if (choice === packageAndSign) return void vscode.commands.executeCommand(COMMAND_IDS.packageAndSignChart, target);
    if (choice !== replace) return undefined;
    result = await send(true);
  }
  if (!result.ok) {
    deps.log.channel.error(`Package ${target.fsPath}: ${result.error.code}: ${result.error.message}`);
    void vscode.window.showErrorMessage(`Cannot package ${messageText(displayName(target))}: ${messageText(notificationText(result.error.message))}`);
    return undefined;
  }
  const archive = vscode.Uri.parse(result.archive);
  deps.log.channel.info(`Packaged ${target.fsPath} → ${archive.fsPath} (${result.chart.name} ${result.chart.version})`);
  const sign = 'Sign Chart';
  const reveal = 'Reveal in Explorer';
  void vscode.window
    .showInformationMessage(`Packaged ${messageText(`${result.chart.name} ${result.chart.version}`)} as ${messageText(displayName(archive))}.`, sign, reveal)
    .then((choice) => {
      // The chart, not the archive: signing then checks the archive against the source it was built from.
      if (choice === sign) void vscode.commands.executeCommand(COMMAND_IDS.signChart, target);
      if (choice === reveal) void vscode.commands.executeCommand('revealInExplorer', archive);
    });
  return result;
}
