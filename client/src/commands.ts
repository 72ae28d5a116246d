// The command table: each contributed command id and what runs it. Handlers answer their result so
// other extensions and the tests can use them; failures are told to the user and logged, not thrown.
// extension.ts registers the ids at activation and hands each call to `commandRunner`'s function.
import * as vscode from 'vscode';
import { LSPErrorCodes, ResponseError } from 'vscode-languageclient/node';
import type { ChartCommandArgs } from '../../server/src/lsp/protocol';
import { groupedFingerprint, keyIdOf } from '../../server/src/lsp/keyText';
import { COMMAND_IDS } from './commandIds';
import { backendWords, pickSigningKey } from './keyPicker';
import type { Log } from './output';
import { packageChart } from './packageChart';
import type { PassphraseBroker } from './passphrase';
import type { ServerConnection } from './serverConnection';
import { requireTrust, saveDefaultSigningKey } from './settings';
import { signChart } from './signChart';
import { findSignerKey } from './signerKey';
import { checkReleaseReadiness } from './releaseReadiness';
import { messageText } from './uiText';
import { verifyChart } from './verifyChart';
import { verifyFileSignature } from './verifyFile';
import { verifySigstoreSignature } from './verifySigstore';
import { verifyChartReference } from './verifyReference';

export interface CommandDeps { server: ServerConnection; log: Log; passphrases: PassphraseBroker }

async function selectSigningKey(deps: CommandDeps): Promise<string | null | undefined> {
  if (!requireTrust('Select Signing Key', 'may run gpg and writes your settings')) return undefined;
  const picked = await pickSigningKey(deps.server, deps.log, { title: 'Default signing key for Sign Chart', offerAskEachTime: true });
  if (picked === undefined) return undefined;
  await saveDefaultSigningKey(picked?.fingerprint ?? '');
  const message = picked
    ? `Sign Chart will use ${messageText(picked.uid ?? picked.keyId)} (key ${keyIdOf(picked.fingerprint)}, ${backendWords(picked.backend)}).`
    : 'Sign Chart will ask which key to use each time.';
  deps.log.channel.info(picked ? `Default signing key set to ${picked.fingerprint}` : 'Default signing key cleared');
  void vscode.window.showInformationMessage(message);
  return picked ? picked.fingerprint : null;
}

async function forgetPassphrases(deps: CommandDeps): Promise<number> {
  const count = await deps.passphrases.forgetAll();
  deps.log.channel.info(`Forgot ${count} saved passphrase(s).`);
  void vscode.window.showInformationMessage(count === 0 ? 'No passphrases were saved.' : `Forgot ${count} saved passphrase${count === 1 ? '' : 's'}.`);
  return count;
}

/** The palette's entry in Restricted Mode, where Sign Chart, Package Chart and Select Signing Key are hidden: says why. */
function explainRestrictedMode(): void {
  const manage = 'Manage Workspace Trust';
  void vscode.window
    .showInformationMessage('Signing, packaging and choosing a signing key are off in Restricted Mode: they write files from this repository\'s content and may run gpg. Verifying charts works as usual. Trust the workspace to sign and package.', manage)
    .then((choice) => { if (choice === manage) void vscode.commands.executeCommand('workbench.trust.manage'); });
}

async function openProvenance(arg: unknown): Promise<void> {
  const prov = arg instanceof vscode.Uri ? arg : (arg as ChartCommandArgs | undefined)?.prov;
  if (prov) await vscode.window.showTextDocument(typeof prov === 'string' ? vscode.Uri.parse(prov) : prov);
}

/** The quick fix on an unknown signer: the key the signature names, to look up or ask its owner about. */
async function copyFingerprint(deps: CommandDeps, arg: unknown): Promise<string | undefined> {
  if (typeof arg !== 'string' || !/^[0-9A-F]{16}([0-9A-F]{24})?$/.test(arg)) return undefined;
  await vscode.env.clipboard.writeText(arg);
  deps.log.channel.info(`Copied ${arg} to the clipboard.`);
  void vscode.window.showInformationMessage(`Copied ${arg.length === 40 ? groupedFingerprint(arg) : arg} to the clipboard.`);
  return arg;
}

type Handler = (deps: CommandDeps, arg: unknown) => unknown;
type CommandId = (typeof COMMAND_IDS)[keyof typeof COMMAND_IDS];

const COMMAND_TABLE: Record<CommandId, Handler> = {
  [COMMAND_IDS.signChart]: (deps, arg) => signChart(deps, arg),
  [COMMAND_IDS.packageAndSignChart]: (deps, arg) => signChart(deps, arg, true),
  [COMMAND_IDS.verifyChart]: (deps, arg) => verifyChart(deps, arg),
  [COMMAND_IDS.packageChart]: (deps, arg) => packageChart(deps, arg),
  [COMMAND_IDS.openProvenance]: (_deps, arg) => openProvenance(arg),
  [COMMAND_IDS.verifyFileSignature]: (deps, arg) => verifyFileSignature(deps, arg),
  [COMMAND_IDS.selectSigningKey]: (deps) => selectSigningKey(deps),
  [COMMAND_IDS.forgetPassphrases]: (deps) => forgetPassphrases(deps),
  [COMMAND_IDS.showOutput]: (deps) => deps.log.show(),
  [COMMAND_IDS.lookUpSignerKey]: (deps, arg) => findSignerKey(deps, arg, 'network'),
  [COMMAND_IDS.importSignerKeyFromKeys]: (deps, arg) => findSignerKey(deps, arg, 'keys-file'),
  [COMMAND_IDS.checkReleaseReadiness]: (deps, arg) => checkReleaseReadiness(deps, arg),
  [COMMAND_IDS.restrictedModeWhy]: () => explainRestrictedMode(),
  [COMMAND_IDS.copyFingerprint]: (deps, arg) => copyFingerprint(deps, arg),
  [COMMAND_IDS.verifySigstoreSignature]: (deps, arg) => verifySigstoreSignature(deps, arg),
  [COMMAND_IDS.verifyChartReference]: (deps, arg) => verifyChartReference(deps, arg),
};

/** A request the client or the server cancelled: nothing went wrong, so nothing to tell. */
function isCancellation(error: unknown): boolean {
  return error instanceof vscode.CancellationError
    || (error instanceof ResponseError && (error.code === LSPErrorCodes.RequestCancelled || error.code === LSPErrorCodes.ServerCancelled));
}

function reportUnexpected(deps: CommandDeps, id: string, error: unknown): undefined {
  if (isCancellation(error)) {
    deps.log.channel.info(`${id}: cancelled`);
    return undefined;
  }
  const message = error instanceof Error ? error.message : String(error);
  deps.log.channel.error(`${id} failed: ${message}`);
  void vscode.window.showErrorMessage(`Helm Provenance: ${messageText(message)}`);
  return undefined;
}

function isCommandId(id: string): id is CommandId {
  return Object.hasOwn(COMMAND_TABLE, id);
}

/** Runs the command `id` (a contributed command id, from package.json) with its argument. */
export function commandRunner(deps: CommandDeps): (id: string, arg: unknown) => Promise<unknown> {
  return async (id, arg) => {
    try {
      if (!isCommandId(id)) throw new Error(`no handler for the contributed command ${id}`);
      return await COMMAND_TABLE[id](deps, arg);
    } catch (error) {
      return reportUnexpected(deps, id, error);
    }
  };
}
