// Verify File Signature: a release artifact and its detached signature (`.asc`/`.sig`), checked
// against the configured keyrings or a keyring/KEYS file the user picks for this one check.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { notificationText } from '../../server/src/lsp/keyText';
import { VerifyFileRequest, type VerifyFileResult } from '../../server/src/lsp/protocol';
import type { Log } from './output';
import type { ServerConnection } from './serverConnection';
import { readSettings } from './settings';
import { labelText, messageText } from './uiText';
import { signerText } from './verifyChart';

export interface VerifyFileDeps { server: ServerConnection; log: Log }

const SIGNATURE_EXTENSIONS = ['.asc', '.sig'];

async function openOne(title: string, defaultUri?: vscode.Uri, filters?: Record<string, string[]>): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({ title, defaultUri, canSelectMany: false, canSelectFolders: false, filters });
  return picked?.[0];
}

/** The artifact and its signature, from the explorer's file (either one) or dialogs. */
async function artifactAndSignature(arg: unknown): Promise<{ file: vscode.Uri; signature: vscode.Uri } | undefined> {
  const given = arg instanceof vscode.Uri && arg.scheme === 'file' ? arg : undefined;
  if (given && SIGNATURE_EXTENSIONS.includes(path.extname(given.fsPath))) {
    const stripped = given.fsPath.slice(0, -path.extname(given.fsPath).length);
    const file = fs.existsSync(stripped) ? vscode.Uri.file(stripped) : await openOne('Select the file this signature is for', vscode.Uri.file(path.dirname(given.fsPath)));
    return file && { file, signature: given };
  }
  const file = given ?? (await openOne('Select the file to verify'));
  if (!file) return undefined;
  const sibling = SIGNATURE_EXTENSIONS.map((ext) => file.fsPath + ext).find((p) => fs.existsSync(p));
  const signature = sibling ? vscode.Uri.file(sibling) : await openOne(`Select the detached signature of ${labelText(path.basename(file.fsPath))}`, vscode.Uri.file(path.dirname(file.fsPath)), { Signatures: ['asc', 'sig'] });
  return signature && { file, signature };
}

/** `''` = the configured keyrings; a uri = a file chosen for this check; undefined = cancelled. */
async function chooseKeyring(): Promise<string | undefined> {
  const configured = readSettings().keyrings;
  const items = [
    { label: '$(shield) Configured keyrings', detail: configured.length > 0 ? configured.join(', ') : "GnuPG's default keyrings", value: 'configured' },
    { label: '$(file) Choose a keyring or KEYS file…', detail: 'Only for this check. A KEYS file proves only that its publisher lists the key.', value: 'choose' },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'Verify against which keys?' });
  if (!picked) return undefined;
  if (picked.value === 'configured') return '';
  return (await openOne('Select a keyring or KEYS file'))?.toString();
}

export async function verifyFileSignature(deps: VerifyFileDeps, arg: unknown): Promise<VerifyFileResult | undefined> {
  const pair = await artifactAndSignature(arg);
  if (!pair) return undefined;
  const keyring = await chooseKeyring();
  if (keyring === undefined) return undefined;
  const name = path.basename(pair.file.fsPath);
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Verifying ${labelText(name)}`, cancellable: true },
    (_progress, token) => deps.server.send(VerifyFileRequest.type, { file: pair.file.toString(), signature: pair.signature.toString(), ...(keyring ? { keyring } : {}) }, token),
  );
  if (!result.ok) {
    deps.log.channel.error(`Verify ${pair.file.fsPath} with ${pair.signature.fsPath}: ${result.error.code}: ${result.error.message}`);
    void vscode.window.showErrorMessage(`Cannot verify ${messageText(name)}: ${messageText(notificationText(result.error.message))}`);
    return undefined;
  }
  const signer = result.signer ? ` Signed by ${signerText(result.signer)}.` : '';
  deps.log.channel.info(`Verify ${pair.file.fsPath} with ${pair.signature.fsPath}${keyring ? ` against ${vscode.Uri.parse(keyring).fsPath}` : ''}: ${result.verdict} (${result.code}) — ${result.message}${result.signer ? `; signer ${result.signer.fingerprint}` : ''}`);
  for (const warning of result.warnings) deps.log.channel.warn(`${pair.file.fsPath}: ${warning.code}: ${warning.message}`);
  // Keys from a file inside the workspace prove only that the file matches the repository's own list.
  if (result.verdict === 'verified' && result.keysFromWorkspace) void vscode.window.showWarningMessage(`${messageText(name)}: ${messageText(notificationText(result.message))}${signer}`);
  else if (result.verdict === 'verified') void vscode.window.showInformationMessage(`${messageText(name)} verified.${signer}`);
  else void vscode.window.showErrorMessage(`${messageText(name)}: ${messageText(notificationText(result.message))}`);
  return result;
}
