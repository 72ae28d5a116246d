// Activation: the output channel, the language server (started, not awaited), the chart index, the
// badges and the commands. Everything heavy happens after activate() returns.
import * as vscode from 'vscode';
import { PassphraseRequest, type StatusParams } from '../../server/src/lsp/protocol';
import { ChartIndex } from './chartIndex';
import { registerCommands } from './commands';
import { createLog } from './output';
import { PassphraseBroker } from './passphrase';
import { ServerConnection } from './serverConnection';
import { StatusBadges } from './statusBadge';

/** What activate() returns: for the extension's own tests and for other extensions. */
export interface HelmProvenanceApi {
  /** Resolves once the language server is up. */
  readonly serverReady: Promise<void>;
  /** The last status the server pushed for a document or a chart (keyed by its Chart.yaml). */
  statusOf(uri: vscode.Uri, scope: StatusParams['scope']): StatusParams | undefined;
}

let server: ServerConnection | undefined;

export function activate(context: vscode.ExtensionContext): HelmProvenanceApi {
  const started = performance.now();
  const log = createLog();
  server = new ServerConnection(context, log);
  const charts = new ChartIndex();
  const passphrases = new PassphraseBroker(context.secrets, context.globalState, log);
  const badges = new StatusBadges(server);
  context.subscriptions.push(
    log, server, charts, badges,
    server.onRequest(PassphraseRequest.type, (params, token) => passphrases.answer(params, token)),
    ...registerCommands({ server, charts, log, passphrases }),
  );
  log.channel.info(`Activated in ${(performance.now() - started).toFixed(1)} ms (the language server starts in the background).`);
  return {
    serverReady: server.ready,
    statusOf: (uri, scope) => badges.statusOf(uri, scope),
  };
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}
