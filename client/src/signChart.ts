// Sign Chart: the chart (picked if none is implied); its archive when it is what the chart's source
// builds now, else refused with the differences and Package and Sign offered (the server decides:
// signSource.ts), packaged first when it is missing or stale; a signing key (the default one, or
// picked), the passphrase when the server asks for it (passphrase.ts), a progress notification, and
// the result with "Open .prov" and "Verify".
import * as path from 'node:path';
import * as vscode from 'vscode';
import { archiveNamedBy } from '../../server/src/lsp/fileRoles';
import { SignRequest, type ChartCommandArgs, type SignResult } from '../../server/src/lsp/protocol';
import { keyIdOf, notificationText } from '../../server/src/lsp/keyText';
import { displayName, resolveChartTarget } from './chartTarget';
import { COMMAND_IDS } from './commandIds';
import { backendWords, pickSigningKey } from './keyPicker';
import type { Log } from './output';
import type { PassphraseBroker } from './passphrase';
import type { ServerConnection } from './serverConnection';
import { readSettings, requireTrust } from './settings';
import { labelText, messageText } from './uiText';
import { logLine } from './verifyChart';

export interface SignDeps { server: ServerConnection; log: Log; passphrases: PassphraseBroker }

/** Error codes after which choosing another key is the way forward. */
const KEY_PROBLEMS = new Set(['key-not-found', 'key-ambiguous', 'key-unusable']);

/** The key to sign with: the configured default, else the user's pick. Undefined when cancelled. */
async function chooseKey(deps: SignDeps, chartName: string, pickKey = false): Promise<string | undefined> {
  const configured = readSettings().defaultSigningKey.trim();
  if (configured && !pickKey) return configured;
  const picked = await pickSigningKey(deps.server, deps.log, { title: `Sign ${chartName} with` });
  return picked?.fingerprint;
}

/** A chart archive (or its .prov) named by itself, not a chart folder or Chart.yaml. */
function isArchiveTarget(target: vscode.Uri): boolean {
  return archiveNamedBy(target.fsPath) !== undefined;
}

/** "Signed x-1.0.0.tgz with Jane (key 3B255F9CBB150E24) through the GnuPG agent.": the key just used, from the signing itself. */
function showSigned(result: SignResult, target: vscode.Uri): void {
  const { signedBy } = result;
  const by = ` with ${messageText(signedBy.uid ?? 'the key')} (key ${keyIdOf(signedBy.fingerprint)}) through the ${backendWords(signedBy.backend)}`;
  const packaged = result.packaged ? ' (packaged first)' : '';
  const archive = vscode.Uri.parse(result.archive);
  // An archive signed as named: say which one, and whether it is what a chart folder next to it builds.
  const origin = isArchiveTarget(target) ? ` ${messageText(notificationText(result.origin.message))}` : '';
  const name = isArchiveTarget(target) ? vscode.workspace.asRelativePath(archive) : path.basename(archive.fsPath);
  const unused = signedBy.passphraseUnused ? ' gpg-agent had the key unlocked already, so the passphrase given was not checked.' : '';
  // Signed, but your own keyrings cannot verify it (the key's public half is not in them): say so now, not only in the lens.
  const check = result.status.state === 'verified' ? '' : ` It does not verify with your keyrings: ${messageText(notificationText(result.status.message))}`;
  const text = `Signed ${messageText(name)}${packaged}${by}.${origin}${unused}${check}`;
  const openProv = 'Open .prov';
  const verify = 'Verify';
  const shown = result.origin.kind === 'differs-from-source'
    ? vscode.window.showWarningMessage(text, openProv, verify)
    : vscode.window.showInformationMessage(text, openProv, verify);
  void shown.then((choice) => {
    if (choice === openProv) void vscode.window.showTextDocument(vscode.Uri.parse(result.prov));
    if (choice === verify) void vscode.commands.executeCommand(COMMAND_IDS.verifyChart, archive);
  });
}

function showSignFailure(code: string, message: string, target: vscode.Uri): void {
  const selectKey = 'Select Signing Key';
  const output = 'Show Output';
  const packageAndSign = 'Package and Sign';
  const packageOnly = 'Package Chart';
  // The chart's archive is not what its source builds: rebuilding it is the way forward.
  const actions = code === 'archive-differs-from-source' ? [packageAndSign, packageOnly, output]
    : KEY_PROBLEMS.has(code) ? [selectKey, output] : [output];
  void vscode.window.showErrorMessage(`Cannot sign ${messageText(displayName(target))}: ${messageText(notificationText(message))}`, ...actions).then((choice) => {
    if (choice === selectKey) void vscode.commands.executeCommand(COMMAND_IDS.selectSigningKey);
    if (choice === packageAndSign) void vscode.commands.executeCommand(COMMAND_IDS.packageAndSignChart, target);
    if (choice === packageOnly) void vscode.commands.executeCommand(COMMAND_IDS.packageChart, target);
    if (choice === output) void vscode.commands.executeCommand(COMMAND_IDS.showOutput);
  });
}

/**
 * The Sign Chart command (`packageFirst`: the Package and Sign lens, which targets the Chart.yaml even
 * when an archive exists). Answers the result, or undefined when refused, cancelled or failed.
 */
export async function signChart(deps: SignDeps, arg: unknown, packageFirst = false): Promise<SignResult | undefined> {
  if (!requireTrust('Sign Chart', "writes files from this repository's content and may run gpg")) return undefined;
  const target = await resolveChartTarget(arg, packageFirst ? 'package' : 'sign', deps.server);
  if (!target) return undefined;
  // "Select another key and sign" (a quick fix) asks even when a default key is set.
  const key = await chooseKey(deps, labelText(displayName(target)), (arg as ChartCommandArgs | undefined)?.pickKey === true);
  if (!key) return undefined;

  deps.log.channel.info(`Sign ${target.fsPath} with key ${key} (signingBackend ${readSettings().signingBackend})`);
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Signing ${labelText(displayName(target))}`, cancellable: true },
    (progress, token) => {
      progress.report({ message: packageFirst ? 'packaging, then signing…' : 'checking the archive against the source (or packaging it), then signing…' });
      return deps.server.send(SignRequest.type, { uri: target.toString(), key, packageIfNeeded: true, ...(packageFirst ? { packageFirst } : {}) }, token);
    },
  );
  if (!result.ok) {
    deps.passphrases.discardPending();
    deps.log.channel.error(`Sign ${target.fsPath}: ${result.error.code}: ${result.error.message}`);
    showSignFailure(result.error.code, result.error.message, target);
    return undefined;
  }
  await deps.passphrases.commitPending();
  const { signedBy } = result;
  deps.log.channel.info(`Signed ${vscode.Uri.parse(result.archive).fsPath}${result.packaged ? ' (packaged first)' : ''} → ${vscode.Uri.parse(result.prov).fsPath} ` +
    `by ${signedBy.uid ?? '(no user id)'} ${signedBy.fingerprint}${signedBy.signingKey !== signedBy.fingerprint ? ` (subkey ${signedBy.signingKey})` : ''} through ${signedBy.backend}. ${result.origin.message}`);
  deps.log.channel.info(`Verify ${logLine(target, result.status)}`);
  showSigned(result, target);
  return result;
}
