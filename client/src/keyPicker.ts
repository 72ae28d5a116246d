// The QuickPick of signing keys: user id, fingerprint, algorithm, expiry. Keys that cannot sign are
// listed under their own separator with the reason, and accepting one does nothing but say why.
import * as vscode from 'vscode';
import { ListSigningKeysRequest, type SigningKeyItem } from '../../server/src/lsp/protocol';
import { groupedFingerprint, shortFingerprint } from '../../server/src/lsp/keyText';
import type { Log } from './output';
import { openMachineSettings } from './settingsPlacement';
import type { ServerConnection } from './serverConnection';
import { labelText, messageText } from './uiText';

interface KeyPickItem extends vscode.QuickPickItem { key?: SigningKeyItem }

function describe(key: SigningKeyItem): string {
  const algorithm = key.bits ? `${key.algorithm} ${key.bits}` : key.algorithm;
  const expiry = key.expires ? `expires ${key.expires.slice(0, 10)}` : 'no expiry';
  return [shortFingerprint(key.fingerprint), labelText(algorithm), expiry, key.protected ? 'passphrase' : '', key.isDefault ? 'default' : '']
    .filter(Boolean).join(' · ');
}

function toItem(key: SigningKeyItem): KeyPickItem {
  const name = labelText(key.uid ?? key.uids[0] ?? `Key ${key.keyId}`);
  return key.usable
    ? { label: `$(${key.protected ? 'lock' : 'key'}) ${name}`, description: describe(key), detail: groupedFingerprint(key.fingerprint), key }
    : { label: `$(circle-slash) ${name}`, description: describe(key), detail: `Cannot sign: ${labelText(key.reason ?? 'unusable')}`, key };
}

/** Lists the signing keys the configured backend offers; answers undefined (after telling why) when there are none. */
async function listKeys(server: ServerConnection, log: Log): Promise<SigningKeyItem[] | undefined> {
  const result = await server.send(ListSigningKeysRequest.type, {});
  if (!result.ok) {
    log.channel.error(`Listing signing keys failed: ${result.error.code}: ${result.error.message}`);
    void vscode.window.showErrorMessage(`Cannot list signing keys: ${messageText(result.error.message)}`);
    return undefined;
  }
  for (const warning of result.warnings) log.channel.warn(`Signing keys: ${warning.code}: ${warning.message}`);
  if (result.keys.length === 0) {
    const open = 'Open Settings';
    void vscode.window
      .showErrorMessage(`No secret keys found for the ${result.backend} backend. Set "helmProvenance.secretKeyring" (or "helmProvenance.gnupgHome") in your user settings (in a remote window: the Remote settings).`, open)
      .then((choice) => { if (choice === open) void openMachineSettings(); });
    return undefined;
  }
  return result.keys;
}

export interface PickOptions {
  title: string;
  /** Adds an entry that answers `null`: "no default, ask each time". */
  offerAskEachTime?: boolean;
}

/** Answers the chosen usable key, `null` for "ask each time", undefined when cancelled. */
export async function pickSigningKey(server: ServerConnection, log: Log, options: PickOptions): Promise<SigningKeyItem | null | undefined> {
  const keys = await listKeys(server, log);
  if (!keys) return undefined;
  const usable = keys.filter((k) => k.usable).sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
  const unusable = keys.filter((k) => !k.usable);
  const separator = (label: string): KeyPickItem => ({ label, kind: vscode.QuickPickItemKind.Separator });
  const askEachTime: KeyPickItem = { label: '$(question) Ask each time', description: 'no default signing key' };
  const items: KeyPickItem[] = [
    ...(options.offerAskEachTime ? [askEachTime] : []),
    ...(usable.length > 0 ? [separator('Can sign'), ...usable.map(toItem)] : []),
    ...(unusable.length > 0 ? [separator('Cannot sign'), ...unusable.map(toItem)] : []),
  ];
  const placeholder = usable.length > 0 ? 'Choose the key to sign with' : 'None of these keys can sign';

  const pick = vscode.window.createQuickPick<KeyPickItem>();
  pick.title = options.title;
  pick.placeholder = placeholder;
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  pick.items = items;
  return new Promise((resolve) => {
    const finish = (value: SigningKeyItem | null | undefined) => {
      resolve(value);
      subscriptions.dispose();
      pick.dispose();
    };
    const subscriptions = vscode.Disposable.from(
      pick.onDidAccept(() => {
        const [chosen] = pick.selectedItems;
        if (!chosen) return;
        if (chosen === askEachTime) return finish(null);
        if (chosen.key?.usable) return finish(chosen.key);
        // Not selectable: keep the list open and say why in the placeholder.
        pick.placeholder = `That key cannot sign: ${labelText(chosen.key?.reason ?? 'unusable')}`;
        pick.selectedItems = [];
      }),
      pick.onDidHide(() => finish(undefined)),
    );
    pick.show();
  });
}
