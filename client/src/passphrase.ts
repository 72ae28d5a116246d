// Answers the server's passphrase request for a protected signing key. Passphrases are kept only when
// `helmProvenance.rememberPassphrases` is on AND the user ticks "remember" for that key in the prompt,
// and only after the signing succeeded (so a wrong one is never stored). Nothing here logs a passphrase.
import * as vscode from 'vscode';
import { sealPassphrase } from '../../server/src/lsp/passphraseSeal';
import type { PassphraseParams, SealedPassphrase } from '../../server/src/lsp/protocol';
import { groupedFingerprint } from '../../server/src/lsp/keyText';
import type { Log } from './output';
import { readSettings } from './settings';
import { labelText } from './uiText';

const SECRET_PREFIX = 'helmProvenance.passphrase.';
/** SecretStorage cannot list its keys: the fingerprints with a saved passphrase are kept here. */
const INDEX_KEY = 'helmProvenance.rememberedFingerprints';

const rememberOff: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('circle-large-outline'), tooltip: 'Remember this passphrase in SecretStorage: off' };
const rememberOn: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('pass-filled'), tooltip: 'Remember this passphrase in SecretStorage: on' };

export class PassphraseBroker {
  /** Passphrases the user asked to remember, waiting for the signing to succeed. */
  private readonly pending = new Map<string, string>();

  constructor(private readonly secrets: vscode.SecretStorage, private readonly state: vscode.Memento, private readonly log: Log) {}

  /** The passphrase sealed to the prompt's key (passphraseSeal.ts): no traced message holds it. */
  async answer(params: PassphraseParams, token: vscode.CancellationToken): Promise<{ sealed: SealedPassphrase } | null> {
    const passphrase = await this.passphraseFor(params, token);
    return passphrase === undefined ? null : { sealed: sealPassphrase(passphrase, params.recipientKey) };
  }

  private async passphraseFor(params: PassphraseParams, token: vscode.CancellationToken): Promise<string | undefined> {
    const fingerprint = params.fingerprint.toUpperCase();
    if (params.previousWrong) {
      this.pending.delete(fingerprint);
      if (await this.forget(fingerprint)) this.log.channel.warn(`The saved passphrase for ${fingerprint} was wrong; it is forgotten.`);
    } else if (readSettings().rememberPassphrases) {
      const saved = await this.secrets.get(SECRET_PREFIX + fingerprint);
      if (saved !== undefined) {
        this.log.channel.info(`Using the saved passphrase for ${fingerprint}.`);
        return saved;
      }
    }
    const answer = await this.prompt(params, fingerprint, token);
    if (answer === undefined) {
      this.log.channel.info(`Passphrase prompt for ${fingerprint} cancelled.`);
      return undefined;
    }
    if (answer.remember) this.pending.set(fingerprint, answer.passphrase);
    return answer.passphrase;
  }

  private prompt(params: PassphraseParams, fingerprint: string, token: vscode.CancellationToken): Promise<{ passphrase: string; remember: boolean } | undefined> {
    const offerRemember = readSettings().rememberPassphrases;
    const box = vscode.window.createInputBox();
    box.password = true;
    box.ignoreFocusOut = true;
    box.title = `Passphrase for ${params.uid ? labelText(params.uid) : 'signing key'}`;
    box.placeholder = 'Passphrase';
    box.prompt = `${params.previousWrong ? 'Wrong passphrase, try again. ' : ''}Key ${groupedFingerprint(fingerprint)}`;
    let remember = false;
    if (offerRemember) box.buttons = [rememberOff];
    return new Promise((resolve) => {
      let settled = false;
      const finish = (value: { passphrase: string; remember: boolean } | undefined) => {
        if (settled) return;
        settled = true;
        resolve(value);
        subscriptions.dispose();
        box.dispose();
      };
      const subscriptions = vscode.Disposable.from(
        box.onDidTriggerButton(() => {
          remember = !remember;
          box.buttons = [remember ? rememberOn : rememberOff];
        }),
        box.onDidAccept(() => finish({ passphrase: box.value, remember })),
        box.onDidHide(() => finish(undefined)),
        token.onCancellationRequested(() => finish(undefined)),
      );
      box.show();
    });
  }

  /** The signing succeeded: store the passphrases the user asked to remember. */
  async commitPending(): Promise<void> {
    const entries = [...this.pending];
    this.pending.clear();
    for (const [fingerprint, passphrase] of entries) {
      await this.secrets.store(SECRET_PREFIX + fingerprint, passphrase);
      await this.state.update(INDEX_KEY, [...new Set([...this.remembered(), fingerprint])]);
      this.log.channel.info(`Passphrase for ${fingerprint} saved in SecretStorage.`);
    }
  }

  /** The signing failed or was cancelled: remember nothing from it. */
  discardPending(): void {
    this.pending.clear();
  }

  /** Forgets every saved passphrase; answers how many there were. */
  async forgetAll(): Promise<number> {
    const fingerprints = this.remembered();
    for (const fingerprint of fingerprints) await this.secrets.delete(SECRET_PREFIX + fingerprint);
    await this.state.update(INDEX_KEY, []);
    return fingerprints.length;
  }

  private async forget(fingerprint: string): Promise<boolean> {
    const had = (await this.secrets.get(SECRET_PREFIX + fingerprint)) !== undefined;
    await this.secrets.delete(SECRET_PREFIX + fingerprint);
    await this.state.update(INDEX_KEY, this.remembered().filter((f) => f !== fingerprint));
    return had;
  }

  private remembered(): string[] {
    return this.state.get<string[]>(INDEX_KEY, []);
  }
}
