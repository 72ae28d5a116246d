// Everything that talks to the language server, bundled apart as dist/clientFeatures.js: the language
// client (vscode-languageclient and the protocol, most of the extension's code), the badges its status
// notifications feed, the menus' chart context keys, the passphrase broker and the command handlers. extension.ts
// requires this bundle after activate() returned, so loading it is not part of activation.
import type * as vscode from 'vscode';
import { PassphraseRequest, type StatusParams } from '../../server/src/lsp/protocol';
import { ChartContextKeys } from './chartContextKeys';
import { commandRunner } from './commands';
import type { Log } from './output';
import { PassphraseBroker } from './passphrase';
import { IgnoredSettingsWarning } from './settingsPlacement';
import { ServerConnection } from './serverConnection';
import { StatusBadges } from './statusBadge';
import { registerPolicyLanguage } from './policyLanguage';

/** What extension.ts gets from this bundle. */
export interface ClientFeatures {
  /** Resolves once the language server is up. */
  readonly serverReady: Promise<void>;
  /** The last status the server pushed for a document or a chart (keyed by its Chart.yaml). */
  statusOf(uri: vscode.Uri, scope: StatusParams['scope']): StatusParams | undefined;
  /** Runs a contributed command; extension.ts registered them all at activation. */
  runCommand(id: string, arg: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

export function start(context: vscode.ExtensionContext, log: Log): ClientFeatures {
  const server = new ServerConnection(context, log);
  const passphrases = new PassphraseBroker(context.secrets, context.globalState, log);
  const badges = new StatusBadges(server);
  const chartContextKeys = new ChartContextKeys(server);
  context.subscriptions.push(
    server, chartContextKeys, badges, new IgnoredSettingsWarning(context, log),
    server.onRequest(PassphraseRequest.type, (params, token) => passphrases.answer(params, token)),
    registerPolicyLanguage(),
  );
  return {
    serverReady: server.ready,
    statusOf: (uri, scope) => badges.statusOf(uri, scope),
    runCommand: commandRunner({ server, log, passphrases }),
    stop: () => server.stop(),
  };
}
