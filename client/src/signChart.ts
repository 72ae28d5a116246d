// Sign Chart: the chart (picked if none is implied), packaged first when its archive is missing or
// stale, a signing key (the default one, or picked), the passphrase when the server asks for it
// (passphrase.ts), a progress notification, and the result with "Open .prov" and "Verify".
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SignRequest, type SignResult } from '../../server/src/lsp/protocol';
import { displayName, resolveChartTarget } from './chartTarget';
import type { ChartIndex } from './chartIndex';
import { COMMAND_IDS } from './commandIds';
import { pickSigningKey } from './keyPicker';
import type { Log } from './output';
import type { PassphraseBroker } from './passphrase';
import type { ServerConnection } from './serverConnection';
import { readSettings, requireTrust } from './settings';
import { groupedFingerprint, labelText, messageText } from './uiText';
import { logLine } from './verifyChart';

export interface SignDeps { server: ServerConnection; charts: ChartIndex; log: Log; passphrases: PassphraseBroker }

/** Error codes after which choosing another key is the way forward. */
const KEY_PROBLEMS = new Set(['key-not-found', 'key-ambiguous', 'key-unusable']);

/** The key to sign with: the configured default, else the user's pick. Undefined when cancelled. */
async function chooseKey(deps: SignDeps, chartName: string): Promise<string | undefined> {
  const configured = readSettings().defaultSigningKey.trim();
  if (configured) return configured;
  const picked = await pickSigningKey(deps.server, deps.log, { title: `Sign ${chartName} with` });
  return picked?.fingerprint;
}

function showSigned(result: SignResult): void {
  const signer = result.status.signer;
  const by = signer ? ` with ${messageText(signer.uid ?? signer.uids[0] ?? 'the key')} (${groupedFingerprint(signer.fingerprint)})` : '';
  const packaged = result.packaged ? ' (packaged first)' : '';
  const openProv = 'Open .prov';
  const verify = 'Verify';
  void vscode.window
    .showInformationMessage(`Signed ${messageText(path.basename(vscode.Uri.parse(result.archive).fsPath))}${packaged}${by}.`, openProv, verify)
    .then((choice) => {
      if (choice === openProv) void vscode.window.showTextDocument(vscode.Uri.parse(result.prov));
      if (choice === verify) void vscode.commands.executeCommand(COMMAND_IDS.verifyChart, vscode.Uri.parse(result.archive));
    });
}

function showSignFailure(code: string, message: string, target: vscode.Uri): void {
  const selectKey = 'Select Signing Key';
  const output = 'Show Output';
  const actions = KEY_PROBLEMS.has(code) ? [selectKey, output] : [output];
  void vscode.window.showErrorMessage(`Cannot sign ${messageText(displayName(target))}: ${messageText(message)}`, ...actions).then((choice) => {
    if (choice === selectKey) void vscode.commands.executeCommand(COMMAND_IDS.selectSigningKey);
    if (choice === output) void vscode.commands.executeCommand(COMMAND_IDS.showOutput);
  });
}

/**
 * The Sign Chart command (`packageFirst`: the Package and Sign lens, which targets the Chart.yaml even
 * when an archive exists). Answers the result, or undefined when refused, cancelled or failed.
 */
export async function signChart(deps: SignDeps, arg: unknown, packageFirst = false): Promise<SignResult | undefined> {
  if (!requireTrust('Sign Chart', "writes files from this repository's content and may run gpg")) return undefined;
  const target = await resolveChartTarget(arg, packageFirst ? 'package' : 'sign', deps.server, deps.charts);
  if (!target) return undefined;
  const key = await chooseKey(deps, labelText(displayName(target)));
  if (!key) return undefined;

  deps.log.channel.info(`Sign ${target.fsPath} with key ${key} (${readSettings().signingBackend} backend)`);
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Signing ${labelText(displayName(target))}`, cancellable: true },
    (progress, token) => {
      progress.report({ message: 'packaging if needed, then signing…' });
      return deps.server.send(SignRequest.type, { uri: target.toString(), key, packageIfNeeded: true }, token);
    },
  );
  if (!result.ok) {
    deps.passphrases.discardPending();
    deps.log.channel.error(`Sign ${target.fsPath}: ${result.error.code}: ${result.error.message}`);
    showSignFailure(result.error.code, result.error.message, target);
    return undefined;
  }
  await deps.passphrases.commitPending();
  deps.log.channel.info(`Signed ${vscode.Uri.parse(result.archive).fsPath}${result.packaged ? ' (packaged first)' : ''} → ${vscode.Uri.parse(result.prov).fsPath}`);
  deps.log.channel.info(`Verify ${logLine(target, result.status)}`);
  showSigned(result);
  return result;
}
