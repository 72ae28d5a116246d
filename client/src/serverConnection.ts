// Starts the language server (bin/helm-prov-ls.js: dist/server.js through its V8 code cache, over IPC) and gives the commands one way to talk to it.
// Nothing waits for the server to start: requests wait for `ready` instead.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  DidChangeWatchedFilesNotification, FileChangeType, LanguageClient, RevealOutputChannelOn, TransportKind,
  type LanguageClientOptions, type NotificationType, type RequestHandler, type RequestParam, type RequestType, type ServerOptions,
} from 'vscode-languageclient/node';
import { resolvePathSettings } from '../../server/src/lsp/pathSettings';
import {
  DIAGNOSTIC_SOURCE, LANGUAGE_IDS, SETTINGS_SECTION, WorkspaceTrustedNotification, type InitializationOptions,
} from '../../server/src/lsp/protocol';
import { CHART_YAML_GLOB, WATCHED_GLOB } from '../../server/src/lsp/fileRoles';
import { POLICY_LANGUAGE_ID, REGISTRIES_D_PATTERN } from '../../server/src/lsp/policyFiles';
import { SIGSTORE_DOCUMENT_SELECTOR } from '../../server/src/lsp/sigstoreRoles';
import { currentPathContext } from '../../server/src/provenance/userPaths';
import type { Log } from './output';
import { affectsSettings, readSettings, workspaceFolderPaths } from './settings';

/** Documents the server works on; only `file` URIs (virtual workspaces are not supported). */
export const DOCUMENT_SELECTOR = [
  { scheme: 'file', language: LANGUAGE_IDS.provenance },
  { scheme: 'file', language: LANGUAGE_IDS.keys },
  { scheme: 'file', language: LANGUAGE_IDS.chartYaml, pattern: CHART_YAML_GLOB },
  { scheme: 'file', language: POLICY_LANGUAGE_ID },
  { scheme: 'file', language: 'yaml', pattern: REGISTRIES_D_PATTERN },
  ...SIGSTORE_DOCUMENT_SELECTOR,
];

function createClient(context: vscode.ExtensionContext, log: Log): LanguageClient {
  // The launcher compiles dist/server.js with a V8 code cache (about 120 ms of each start otherwise).
  const serverModule = context.asAbsolutePath(path.join('bin', 'helm-prov-ls.js'));
  // The server runs in the extension's own folder: left to itself, the language client would start it
  // in the first workspace folder, where anything relative would resolve inside the repository.
  const cwd = context.extensionPath;
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc, options: { cwd } },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { cwd, execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  // The client watches the workspace and the keyrings itself, so the server registers no watchers (each change once).
  const initializationOptions: InitializationOptions = {
    clientHandlesCommands: true, clientWatchesFiles: true, workspaceTrusted: vscode.workspace.isTrusted, statusBatches: true,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    diagnosticCollectionName: DIAGNOSTIC_SOURCE,
    initializationOptions,
    synchronize: {
      configurationSection: SETTINGS_SECTION,
      // The workspace files whose changes can change a verdict or make an archive out of date: all of them.
      fileEvents: vscode.workspace.createFileSystemWatcher(WATCHED_GLOB),
    },
    outputChannel: log.channel,
    traceOutputChannel: log.channel,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    // Hovers quote user ids from keys: never let them run commands or render HTML.
    markdown: { isTrusted: false, supportHtml: false },
  };
  return new LanguageClient('helmProvenance', 'Helm Provenance', serverOptions, clientOptions);
}

export class ServerConnection implements vscode.Disposable {
  private readonly client: LanguageClient;
  /** Resolves once the server answered `initialize`; rejects when it cannot start. */
  readonly ready: Promise<void>;
  private keyringWatchers: vscode.Disposable[] = [];
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(context: vscode.ExtensionContext, private readonly log: Log) {
    this.client = createClient(context, log);
    this.ready = this.client.start().then(() => this.watchKeyrings());
    this.ready.catch((e: unknown) => log.channel.error(`The language server did not start: ${e instanceof Error ? e.message : String(e)}`));
    const rewatch = () => void this.ready.then(() => this.watchKeyrings());
    this.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => { if (affectsSettings(e)) rewatch(); }),
      vscode.workspace.onDidChangeWorkspaceFolders(rewatch),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.ready.then(async () => {
        await this.client.sendNotification(WorkspaceTrustedNotification.type, {});
        this.watchKeyrings();
      })),
    );
  }

  async send<P, R>(type: RequestType<P, R, void>, params: P, token?: vscode.CancellationToken): Promise<R> {
    await this.ready;
    // RequestParam<P> is P for these requests; TypeScript cannot see that through the generic.
    return this.client.sendRequest(type, params as RequestParam<P>, token);
  }

  /** Handles a server notification (the client keeps handlers registered before its connection is up). */
  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): vscode.Disposable {
    return this.client.onNotification(type, handler);
  }

  /** Answers a server request. */
  onRequest<P, R>(type: RequestType<P, R, void>, handler: RequestHandler<P, R, void>): vscode.Disposable {
    return this.client.onRequest(type, handler);
  }

  /**
   * Keyrings live outside the workspace (usually ~/.gnupg), so the workspace watcher misses them; a
   * watcher per keyring file forwards its changes as `workspace/didChangeWatchedFiles`. The files are
   * the ones the server reads, resolved by the same function (pathSettings.ts).
   */
  private watchKeyrings(): void {
    vscode.Disposable.from(...this.keyringWatchers).dispose();
    const where = currentPathContext(vscode.workspace.isTrusted ? [] : workspaceFolderPaths());
    this.keyringWatchers = resolvePathSettings(readSettings(), where).keyrings.paths.map((file) => {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file)));
      const forward = (type: FileChangeType) => (uri: vscode.Uri) => {
        this.log.channel.info(`Keyring changed: ${uri.fsPath}`);
        void this.client.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uri.toString(), type }] });
      };
      return vscode.Disposable.from(
        watcher,
        watcher.onDidCreate(forward(FileChangeType.Created)),
        watcher.onDidChange(forward(FileChangeType.Changed)),
        watcher.onDidDelete(forward(FileChangeType.Deleted)),
      );
    });
  }

  async stop(): Promise<void> {
    this.dispose();
    if (this.client.needsStop()) await this.client.stop();
  }

  dispose(): void {
    vscode.Disposable.from(...this.keyringWatchers, ...this.subscriptions).dispose();
    this.keyringWatchers = [];
  }
}
