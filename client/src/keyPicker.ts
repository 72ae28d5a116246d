// The QuickPick of signing keys from every backend the setting allows: the user id as the label, the
// key id and the backend that signs with it ("GnuPG agent" or "keyring file") beside it, and algorithm,
// expiry and whether a passphrase is needed on a line of its own (a detail line is not cut off as a
// description is). Keys that cannot sign are listed under their own separator with the reason, and
// accepting one does nothing but say why.
import * as vscode from 'vscode';
import { ListSigningKeysRequest, type SigningBackend, type SigningKeyItem } from '../../server/src/lsp/protocol';
import { algorithmText, keyIdOf } from '../../server/src/lsp/keyText';
import type { Log } from './output';
import { openMachineSettings } from './settingsPlacement';
import type { ServerConnection } from './serverConnection';
import { labelText, messageText } from './uiText';

interface KeyPickItem extends vscode.QuickPickItem { key?: SigningKeyItem }

/** Which program signs with a key, in words. */
export function backendWords(backend: SigningBackend): string {
  return backend === 'gpg' ? 'GnuPG agent' : 'keyring file';
}

function describe(key: SigningKeyItem): string {
  return [keyIdOf(key.fingerprint), backendWords(key.backend), key.isDefault ? 'default' : ''].filter(Boolean).join(' · ');
}

function details(key: SigningKeyItem): string {
  const algorithm = algorithmText(key.algorithm, key.bits);
  const expiry = key.expires ? `expires ${key.expires.slice(0, 10)}` : 'no expiry';
  const passphrase = key.protected ? 'passphrase needed' : 'no passphrase needed';
  return [labelText(algorithm), expiry, passphrase].join(' · ');
}

function toItem(key: SigningKeyItem): KeyPickItem {
  const name = labelText(key.uid ?? key.uids[0] ?? `Key ${key.keyId}`);
  return key.usable
    ? { label: `$(${key.protected ? 'lock' : 'key'}) ${name}`, description: describe(key), detail: details(key), key }
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
    // gpg that cannot run (not installed, a wrong gpgPath) is the reason, not an empty home.
    const gpgFailed = result.warnings.find((w) => w.code === 'gpg-failed');
    const where = (gpgFailed ? gpgFailed.message : `gpg --list-secret-keys shows none in the GnuPG home ${result.searched.gnupgHome}`) +
      (result.backend === 'gpg' ? '' : `, and no keyring file holds one (${result.searched.keyrings.join(', ') || 'none set'})`);
    log.channel.error(`No secret keys found (${result.backend} backend): ${where}.`);
    void vscode.window
      .showErrorMessage(`No signing keys found: ${messageText(where)}. Make a key (gpg --quick-gen-key), or set "helmProvenance.gnupgHome" to the GnuPG home that holds yours (in your user settings; in a remote window, the Remote settings).`, open)
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
