// Activation: the output channel and the commands, nothing more. The language client and everything
// that talks to the server (clientFeatures.ts: 464 of the client's 466 KiB) are a second bundle,
// required on the next turn of the event loop: VS Code's activation time counts loading this bundle
// and the activate() call, so loading the language client must not happen here.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { StatusParams } from '../../server/src/lsp/protocol';
import type { ClientFeatures } from './clientFeatures';
import { createLog, type Log } from './output';

/** What activate() returns: for the extension's own tests and for other extensions. */
export interface HelmProvenanceApi {
  /** Resolves once the language server is up. */
  readonly serverReady: Promise<void>;
  /** The last status the server pushed for a document or a chart (keyed by its Chart.yaml). */
  statusOf(uri: vscode.Uri, scope: StatusParams['scope']): StatusParams | undefined;
}

/** The command ids are read from package.json: importing COMMAND_IDS would bring the protocol's code into this bundle. */
interface Manifest { contributes: { commands: { command: string }[] } }

let features: Promise<ClientFeatures> | undefined;

/** Requires the second bundle (dist/clientFeatures.js, built from clientFeatures.ts) and starts it. */
function startFeatures(context: vscode.ExtensionContext, log: Log): ClientFeatures {
  const bundle: typeof import('./clientFeatures') = require(context.asAbsolutePath(path.join('dist', 'clientFeatures.js')));
  return bundle.start(context, log);
}

export function activate(context: vscode.ExtensionContext): HelmProvenanceApi {
  const started = performance.now();
  const log = createLog();
  const loading = new Promise<void>((resolve) => setImmediate(resolve)).then(() => startFeatures(context, log));
  features = loading;
  let loaded: ClientFeatures | undefined;
  loading.then((f) => { loaded = f; }, (e: unknown) => log.channel.error(`The language client did not load: ${e instanceof Error ? e.message : String(e)}`));
  const serverReady = loading.then((f) => f.serverReady);
  serverReady.catch(() => undefined); // logged where it failed (above, or by ServerConnection)
  // Every contributed command exists from now on; one run before the bundle is loaded waits for it.
  const commands = (context.extension.packageJSON as Manifest).contributes.commands.map(({ command: id }) =>
    vscode.commands.registerCommand(id, async (arg: unknown) => (await loading).runCommand(id, arg)));
  context.subscriptions.push(log, ...commands);
  log.channel.info(`Activated in ${(performance.now() - started).toFixed(1)} ms (the language client loads and the server starts in the background).`);
  return { serverReady, statusOf: (uri, scope) => loaded?.statusOf(uri, scope) };
}

export async function deactivate(): Promise<void> {
  const loaded = await features?.catch(() => undefined); // a failed load is logged already
  features = undefined;
  await loaded?.stop();
}
