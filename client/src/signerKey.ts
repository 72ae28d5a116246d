// The two quick fixes on an unknown signer (issue 17, issue 13 point 5): "Import from this repository's
// KEYS" and "Look up the key". Both show the key found — fingerprint, user ids, created, expiry, where
// it came from — and ask before anything is written; the import goes into a machine-scoped keyring
// file (the first of helmProvenance.keyrings, or one the user picks, outside the workspace). Never
// silently, never from a workspace setting: the server imports only the key it showed, by its token.
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { groupedFingerprint } from '../../server/src/lsp/keyText';
import { FindKeyRequest, ImportKeyRequest, type FoundKey, type SignerKeyArgs } from '../../server/src/lsp/keyLookupProtocol';
import { SETTINGS_SECTION } from '../../server/src/lsp/protocol';
import type { Log } from './output';
import type { ServerConnection } from './serverConnection';
import { readSettings, requireTrust } from './settings';
import { labelText, messageText } from './uiText';

export interface SignerKeyDeps { server: ServerConnection; log: Log }

function argsOf(arg: unknown): SignerKeyArgs | undefined {
  const a = arg as Partial<SignerKeyArgs> | undefined;
  return typeof a?.issuer === 'string' && typeof a.uri === 'string' ? { issuer: a.issuer, uri: a.uri } : undefined;
}

/** The key as the user decides on it: every field that tells keys apart, escaped. */
function describe(key: FoundKey): string {
  return [
    `Fingerprint: ${groupedFingerprint(key.fingerprint)}`,
    ...key.userIds.map((u) => `User id: ${messageText(u)}`),
    `Created: ${key.created.slice(0, 10)}`,
    `Expires: ${key.expires ? key.expires.slice(0, 10) : 'never'}${key.revoked ? ' (REVOKED)' : ''}`,
    `Found at: ${key.foundAt.map((f) => `${messageText(f.where)} (${f.source})`).join(', ')}`,
    '',
    'Finding a key does not make it the signer\'s: compare this fingerprint with its owner\'s through another channel before importing.',
  ].join('\n');
}

async function chooseKey(keys: FoundKey[]): Promise<FoundKey | undefined> {
  if (keys.length === 1) return keys[0];
  const picked = await vscode.window.showQuickPick(keys.map((k) => ({ label: labelText(k.userIds[0] ?? '(no user id)'), description: groupedFingerprint(k.fingerprint), key: k })), { title: 'Several keys were found: which one?' });
  return picked?.key;
}

/** The configured keyring, else a file the user picks now (outside the workspace; the server checks that too). */
async function keyringFor(configured: string | undefined): Promise<string | undefined> {
  if (configured) return configured;
  const picked = await vscode.window.showSaveDialog({
    title: 'Keyring file to import the key into (outside the workspace; add it to helmProvenance.keyrings to verify with it)',
    defaultUri: vscode.Uri.file(path.join(os.homedir(), '.gnupg', 'helm-provenance.gpg')),
    filters: { 'OpenPGP keyring': ['gpg', 'asc'] },
  });
  return picked?.fsPath;
}

/** Offers to verify with a keyring the key went into but the server does not read yet (a user setting, never the workspace's). */
async function offerToUse(keyring: string): Promise<void> {
  const add = 'Add to helmProvenance.keyrings';
  const choice = await vscode.window.showInformationMessage(`${messageText(keyring)} is not among the keyrings Helm Provenance verifies with.`, add);
  if (choice !== add) return;
  const keyrings = readSettings().keyrings;
  await vscode.workspace.getConfiguration(SETTINGS_SECTION).update('keyrings', [...keyrings, keyring], vscode.ConfigurationTarget.Global);
}

export async function findSignerKey(deps: SignerKeyDeps, arg: unknown, from: 'keys-file' | 'network'): Promise<string | undefined> {
  const args = argsOf(arg);
  if (!args) return undefined;
  if (!requireTrust(from === 'network' ? 'Look up the key' : "Import from this repository's KEYS", from === 'network' ? 'asks keyservers on the network and writes your keyring' : 'writes your keyring')) return undefined;
  const found = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Looking up ${groupedFingerprint(args.issuer)}` },
    () => deps.server.send(FindKeyRequest.type, { issuer: args.issuer, from }));
  if (!found.ok) {
    deps.log.channel.warn(`Find key ${args.issuer}: [${found.error.code}] ${found.error.message}`);
    const open = 'Open Settings';
    const choice = await vscode.window.showWarningMessage(messageText(found.error.message), ...(found.error.code === 'lookups-off' ? [open] : []));
    if (choice === open) await vscode.commands.executeCommand('workbench.action.openSettings', 'helmProvenance.keyLookups');
    return undefined;
  }
  for (const a of found.attempts) deps.log.channel.info(`Find key ${args.issuer}: ${a.source} ${a.where}: [${a.code}] ${a.message}`);
  if (found.keys.length === 0) {
    void vscode.window.showWarningMessage(`No key found for ${groupedFingerprint(args.issuer)}: ${messageText(found.attempts.map((a) => `${a.source} ${a.code}`).join(', '))}. Details in the output channel.`);
    return undefined;
  }
  const key = await chooseKey(found.keys);
  if (!key) return undefined;
  const keyring = await keyringFor(found.keyring);
  if (!keyring) return undefined;
  const importIt = 'Import';
  const choice = await vscode.window.showWarningMessage(`Import this key into ${messageText(keyring)}?`, { modal: true, detail: describe(key) }, importIt);
  if (choice !== importIt) return undefined;
  const imported = await deps.server.send(ImportKeyRequest.type, { token: key.token, keyring });
  if (!imported.ok) {
    deps.log.channel.error(`Import ${key.fingerprint}: [${imported.error.code}] ${imported.error.message}`);
    void vscode.window.showErrorMessage(messageText(imported.error.message));
    return undefined;
  }
  deps.log.channel.info(`Imported ${imported.fingerprint} into ${imported.keyring} (${imported.change}).`);
  void vscode.window.showInformationMessage(`Key ${groupedFingerprint(imported.fingerprint)} ${imported.change === 'unchanged' ? 'was already' : 'imported'} in ${messageText(imported.keyring)}.`);
  if (!imported.inUse) await offerToUse(imported.keyring);
  return imported.fingerprint;
}
