// "Check Release Readiness" on a KEYS file (issue 17): pick the release key among the file's keys
// (yours first, the default signing key preselected), run the release check in the server, and show
// each check with its code in the output channel and the verdict in a notification.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { groupedFingerprint } from '../../server/src/lsp/keyText';
import { ReleaseReadinessRequest } from '../../server/src/lsp/keyLookupProtocol';
import type { Log } from './output';
import type { ServerConnection } from './serverConnection';
import { readSettings } from './settings';
import { labelText, messageText } from './uiText';

export interface ReleaseReadinessDeps { server: ServerConnection; log: Log }

export async function checkReleaseReadiness(deps: ReleaseReadinessDeps, arg: unknown): Promise<boolean | undefined> {
  const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
  if (!uri || uri.scheme !== 'file') {
    void vscode.window.showWarningMessage('Check Release Readiness runs on a KEYS file: open one, or use it from the Explorer.');
    return undefined;
  }
  const listed = await deps.server.send(ReleaseReadinessRequest.type, { keysFile: uri.toString() });
  if (!listed.ok) { void vscode.window.showErrorMessage(messageText(listed.error.message)); return undefined; }
  const keys = listed.keys ?? [];
  if (keys.length === 0) { void vscode.window.showWarningMessage(`${labelText(path.basename(uri.fsPath))} holds no key.`); return undefined; }
  const preferred = readSettings().defaultSigningKey.toUpperCase();
  const items = keys.map((k) => ({ label: `${k.yours ? '$(key) ' : ''}${labelText(k.userId ?? '(no user id)')}`, description: groupedFingerprint(k.fingerprint), detail: k.yours ? 'in your keyrings' : undefined, fingerprint: k.fingerprint, picked: k.fingerprint === preferred }));
  items.sort((a, b) => Number(b.picked) - Number(a.picked));
  const picked = await vscode.window.showQuickPick(items, { title: 'Which key will sign the release?' });
  if (!picked) return undefined;
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Checking release readiness of ${groupedFingerprint(picked.fingerprint)}` },
    () => deps.server.send(ReleaseReadinessRequest.type, { keysFile: uri.toString(), fingerprint: picked.fingerprint }));
  if (!result.ok) { void vscode.window.showErrorMessage(messageText(result.error.message)); return undefined; }
  const lines = result.lines ?? [];
  deps.log.channel.info(`Release readiness of ${picked.fingerprint} against ${uri.fsPath}:`);
  for (const line of lines) deps.log.channel[line.ok ? 'info' : 'warn'](`${line.ok ? 'ok  ' : 'FAIL'} ${line.code}: ${line.message}`);
  for (const note of result.notes ?? []) deps.log.channel.info(`note: ${note}`);
  const failed = lines.filter((l) => !l.ok);
  const show = 'Show Output';
  const message = failed.length
    ? `Not ready to release: ${failed.length} of ${lines.length} checks failed (${failed.map((l) => l.code).join(', ')}).`
    : `Ready: all ${lines.length} checks passed.${(result.notes ?? []).length ? ' Some checks were not run: see the output.' : ''}`;
  const choice = await (failed.length ? vscode.window.showWarningMessage(message, show) : vscode.window.showInformationMessage(message, show));
  if (choice === show) deps.log.show();
  return failed.length === 0;
}
