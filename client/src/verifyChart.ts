// Verify Chart: asks the server to verify now, logs what was checked, and tells the verdict with the
// signer in a notification whose actions fit the outcome. Diagnostics and badges follow from the
// server's status notification; nothing here writes files, so it also runs in Restricted Mode.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { VerifyRequest, type SignerSummary, type StatusParams } from '../../server/src/lsp/protocol';
import { keyIdOf, notificationText } from '../../server/src/lsp/keyText';
import { chartCommandArgs, displayName, resolveChartTarget } from './chartTarget';
import { COMMAND_IDS } from './commandIds';
import type { Log } from './output';
import type { ServerConnection } from './serverConnection';
import { labelText, messageText } from './uiText';

export interface VerifyDeps { server: ServerConnection; log: Log }

export function signerText(signer: SignerSummary): string {
  return `${messageText(signer.uid ?? signer.uids[0] ?? 'an unnamed key')} (key ${keyIdOf(signer.fingerprint)})`;
}

function chartLabel(status: StatusParams, fallback: vscode.Uri): string {
  return messageText(status.chart ? `${status.chart.name} ${status.chart.version}` : displayName(fallback));
}

/** One line for the output channel: target, state, code, signer, digests. */
export function logLine(target: vscode.Uri, status: StatusParams): string {
  const parts = [`${target.fsPath}: ${status.state}${status.code ? ` (${status.code})` : ''} — ${status.message}`];
  if (status.archive) parts.push(`archive ${vscode.Uri.parse(status.archive).fsPath}`);
  if (status.signer) parts.push(`signer ${status.signer.uid ?? ''} ${status.signer.fingerprint}, signed ${status.signer.signedAt}`);
  if (status.digest?.expected || status.digest?.actual) parts.push(`digest expected ${status.digest.expected ?? '-'} actual ${status.digest.actual ?? '-'}`);
  return parts.join('; ');
}

/** The verdict as a notification. Not awaited by callers: a notification stays until dismissed. */
export function showVerdict(status: StatusParams, target: vscode.Uri): void {
  const chart = chartLabel(status, target);
  const openProv = 'Open .prov';
  const sign = 'Sign Chart';
  const packageAndSign = 'Package and Sign';
  const output = 'Show Output';
  // The server's quick fixes for this state (codeActions.ts): only those that can work now.
  const fixes = status.fixes ?? [];
  const fixTitles = fixes.map((f) => f.title);
  const run = (choice: string | undefined) => {
    const fix = fixes.find((f) => f.title === choice);
    if (fix) void vscode.commands.executeCommand(fix.command, ...fix.arguments);
    const args = chartCommandArgs(status);
    if (choice === openProv && status.prov) void vscode.window.showTextDocument(vscode.Uri.parse(status.prov));
    if (choice === sign) void vscode.commands.executeCommand(COMMAND_IDS.signChart, args ?? target);
    if (choice === packageAndSign) void vscode.commands.executeCommand(COMMAND_IDS.packageAndSignChart, args ?? target);
    if (choice === output) void vscode.commands.executeCommand(COMMAND_IDS.showOutput);
  };
  const provActions = status.prov ? [openProv] : [];
  const signActions = vscode.workspace.isTrusted ? [sign] : [];
  const warnings = (status.warnings ?? []).map((w) => ` Warning: ${messageText(notificationText(w.message))}`).join('');
  switch (status.state) {
    case 'verified': {
      const by = status.signer ? ` Signed by ${signerText(status.signer)}.` : '';
      // With cosign signatures beside the archive, the server's message says who signed with Sigstore and when.
      const text = status.cosign ? `${chart}: ${messageText(notificationText(status.message))}${by}` : `${chart} verified.${by}`;
      void vscode.window.showInformationMessage(`${text}${warnings}`, ...provActions).then(run);
      return;
    }
    case 'unsigned':
      void vscode.window.showWarningMessage(`${chart}: ${messageText(status.message)}`, ...signActions).then(run);
      return;
    case 'not-packaged':
      void vscode.window.showWarningMessage(`${chart}: ${messageText(status.message)}`, ...(vscode.workspace.isTrusted ? [packageAndSign] : [])).then(run);
      return;
    case 'stale':
      void vscode.window.showWarningMessage(`${chart}: ${messageText(status.message)}`, ...fixTitles).then(run);
      return;
    default:
      // A warning (identity-required: nothing was checked yet) is not told as an error.
      void (status.severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage)(`${chart}: ${messageText(notificationText(status.message))}${warnings}`, ...fixTitles, ...provActions, output).then(run);
  }
}

/** The Verify Chart command. Answers the status (for callers and tests), undefined when cancelled or failed. */
export async function verifyChart(deps: VerifyDeps, arg: unknown): Promise<StatusParams | undefined> {
  const target = await resolveChartTarget(arg, 'verify', deps.server);
  if (!target) return undefined;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `Verifying ${labelText(path.basename(target.fsPath))}` },
    () => deps.server.send(VerifyRequest.type, { uri: target.toString() }),
  );
  if (!result.ok) {
    deps.log.channel.error(`Verify ${target.fsPath}: ${result.error.code}: ${result.error.message}`);
    void vscode.window.showErrorMessage(`Cannot verify ${messageText(displayName(target))}: ${messageText(notificationText(result.error.message))}`);
    return undefined;
  }
  deps.log.channel.info(`Verify ${logLine(target, result.status)}`);
  for (const warning of result.status.warnings ?? []) deps.log.channel.warn(`${target.fsPath}: ${warning.code}: ${warning.message}`);
  showVerdict(result.status, target);
  return result.status;
}
