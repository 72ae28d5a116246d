// The Helm Provenance language server: `helm-prov-ls --stdio` (also --node-ipc / --socket=<port>).
// Thin handlers: each LSP message is handed to the ProvenanceService or an action, and the service
// reaches the client only through the ServiceHost below.
import * as path from 'node:path';
import {
  CodeActionKind, CodeLensRefreshRequest, DidChangeConfigurationNotification, DidChangeWatchedFilesNotification, FileChangeType,
  MessageType, ShowDocumentRequest, ShowMessageNotification, TextDocuments, TextDocumentSyncKind, type ClientCapabilities, type Disposable,
  type FileSystemWatcher, type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { listSigningKeysRequest, packageRequest, requestCancelled, signRequest, verifyFileRequest, type ActionContext } from './actions';
import { createServerConnection } from './connection';
import { trailingRun } from './debounce';
import { WATCHED_GLOB } from './fileRoles';
import { passphraseRecipient } from './passphraseSeal';
import {
  ChartsChangedNotification, ChartsRequest, ChartStatusRequest, COMMANDS, ListSigningKeysRequest, PackageRequest, PassphraseRequest, SETTINGS_SECTION, SignRequest, StatusNotification,
  VerifyFileRequest, VerifyRequest, VerifySigstoreRequest, WorkspaceTrustedNotification, type ChartCommandArgs, type InitializationOptions, type RequestError,
} from './protocol';
import { StatusBatchNotification, type StatusParams } from './protocol';
import { refusalMessage } from '../provenance/userPaths';
import { keyIdOf } from './keyText';
import { ProvenanceService } from './service';
import { findKeyRequest, importKeyRequest, signerKeyCodeActions, type KeyLookupEnv } from './keyLookupActions';
import { FindKeyRequest, ImportKeyRequest, ReleaseReadinessRequest } from './keyLookupProtocol';
import { releaseReadinessRequest } from './releaseReadiness';
import { PolicyLanguage } from './policyLanguage';
import { verifyFailureLine } from './verifyLog';
import { verifySigstoreRequest } from './sigstoreRequest';
import { VerifyReferenceRequest } from './verifyReferenceProtocol';
import { verifyReferenceRequest } from './verifyReferenceRequest';
import { pathToUri, uriToPath } from './uris';
import { escapeLines, escapeUntrusted, labelText, messageText } from '../provenance/untrustedText';

const connection = createServerConnection();
const documents = new TextDocuments(TextDocument);
let capabilities: ClientCapabilities = {};
let init: InitializationOptions = {};
let watcherRegistration: Disposable | undefined;
/** Many charts finish together: one CodeLens refresh for the lot. */
const refreshLenses = trailingRun(30, () => void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined));
/** Indexing finds many charts at once: one notification for the lot. */
const announceCharts = trailingRun(30, () => void connection.sendNotification(ChartsChangedNotification.type, {}));
/** The most statuses in one batch: a long turn still shows its first results. */
const MAX_STATUS_BATCH = 100;
/** Statuses waiting for the end of this turn of the event loop (a client that takes batches). */
let statusBatch: StatusParams[] | undefined;

/** One message per turn of the event loop instead of one per status: 1 000 charts made 1 000 writes. */
function sendStatusBatched(status: StatusParams): void {
  if (statusBatch && statusBatch.length < MAX_STATUS_BATCH) { statusBatch.push(status); return; }
  if (statusBatch) flushStatuses();
  const batch = [status];
  statusBatch = batch;
  setImmediate(() => { if (statusBatch === batch) flushStatuses(); });
}

function flushStatuses(): void {
  const statuses = statusBatch!;
  statusBatch = undefined;
  void connection.sendNotification(StatusBatchNotification.type, { statuses });
}

const service = new ProvenanceService({
  publishDiagnostics: (uri, diagnostics, version) => void connection.sendDiagnostics({ uri, diagnostics, ...(version !== undefined ? { version } : {}) }),
  sendStatus: (status) => (init.statusBatches ? sendStatusBatched(status) : void connection.sendNotification(StatusNotification.type, status)),
  refreshCodeLenses: () => {
    if (capabilities.workspace?.codeLens?.refreshSupport) refreshLenses();
  },
  chartsChanged: () => announceCharts(),
  log: (message) => connection.console.log(escapeLines(message)),
  warn: (message) => showMessage(MessageType.Warning, message),
  createProgress: () => connection.window.createWorkDoneProgress(),
});

// Container policies and registries.d files (server/src/policy/), beside the chart checks.
const policyLanguage = new PolicyLanguage({
  publish: (uri, diagnostics, version) => void connection.sendDiagnostics({ uri, diagnostics, version }),
  isTrusted: () => service.isTrusted,
  docsBaseUrl: () => service.docsBaseUrl,
  log: (message) => connection.console.log(escapeLines(message)),
});

/** window/showMessage: a notification, so a client that shows no messages cannot fail it. */
function showMessage(type: MessageType, message: string): void {
  void connection.sendNotification(ShowMessageNotification.type, { type, message: `Helm Provenance: ${messageText(message, 2000)}` });
}

function workspacePaths(folders: { uri: string }[] | null | undefined, rootUri: string | null | undefined): string[] {
  const uris = folders?.length ? folders.map((f) => f.uri) : rootUri ? [rootUri] : [];
  return uris.map(uriToPath).filter((p): p is string => p !== undefined);
}

connection.onInitialize((params): InitializeResult => {
  capabilities = params.capabilities;
  init = (params.initializationOptions ?? {}) as InitializationOptions;
  service.configure({
    docsBaseUrl: init.docsBaseUrl, workspaceFolders: workspacePaths(params.workspaceFolders, params.rootUri), trusted: init.workspaceTrusted !== false,
    indexWorkspace: init.indexWorkspace !== false, clientCommands: init.clientHandlesCommands === true,
  });
  // The scan reads no setting: it runs while the client answers the handshake's requests. Not when the
  // server registers the file watchers itself (once it has its settings): a file made between the scan
  // and the registration would go unseen.
  if (init.indexWorkspace !== false && !serverRegistersWatchers()) service.scanAhead();
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      hoverProvider: true,
      documentSymbolProvider: true,
      documentLinkProvider: { resolveProvider: false },
      codeLensProvider: { resolveProvider: false },
      completionProvider: { triggerCharacters: ['"'] },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      ...(init.clientHandlesCommands ? {} : { executeCommandProvider: { commands: Object.values(COMMANDS) } }),
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
    serverInfo: { name: 'helm-prov-ls' },
  };
});

/** Settings through `workspace/configuration`; a client that cannot answer gets the defaults. */
async function loadSettings(pushed?: unknown): Promise<void> {
  let raw: unknown = pushed;
  if (capabilities.workspace?.configuration) {
    try {
      raw = await connection.workspace.getConfiguration({ section: SETTINGS_SECTION });
    } catch (e) {
      connection.console.warn(escapeLines(`workspace/configuration failed, using defaults: ${String(e)}`));
    }
  }
  await service.applySettings(raw);
  await registerWatchers();
}

/** The client can take watchers from the server and does not watch the workspace itself (editors other than VS Code). */
function serverRegistersWatchers(): boolean {
  return capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true && init.clientWatchesFiles !== true;
}

/** The files whose changes matter, the keyring files included (they may be outside the workspace). */
async function registerWatchers(): Promise<void> {
  const support = capabilities.workspace?.didChangeWatchedFiles;
  if (!support || !serverRegistersWatchers()) return;
  const keyrings: FileSystemWatcher[] = service.keyringFiles().map((file) => ({
    globPattern: support.relativePatternSupport ? { baseUri: pathToUri(path.dirname(file)), pattern: path.basename(file) } : file,
  }));
  const watchers: FileSystemWatcher[] = [{ globPattern: WATCHED_GLOB }, ...keyrings];
  const previous = watcherRegistration;
  watcherRegistration = await connection.client.register(DidChangeWatchedFilesNotification.type, { watchers });
  previous?.dispose();
}

// bin/helm-prov-ls.js hands over its private cache folder: the keyring descriptions are kept there (keyStore.ts).
export { setPrivateCache } from './keyStore';

let markStarted: () => void = () => undefined;
/** Settles once the first settings are applied and the workspace indexed: bin/helm-prov-ls.js then writes its code cache. */
export const started = new Promise<void>((resolve) => { markStarted = resolve; });

connection.onInitialized(async () => {
  // Sent just before the settings are asked, not awaited first: the client takes the two in order, and the
  // settings need not wait for the registration's answer (a round trip of a busy extension host).
  const registering = capabilities.workspace?.didChangeConfiguration?.dynamicRegistration
    ? connection.client.register(DidChangeConfigurationNotification.type, { section: SETTINGS_SECTION })
    : undefined;
  registering?.catch(() => undefined); // a failure is raised where it is awaited, below
  if (capabilities.workspace?.workspaceFolders) {
    connection.workspace.onDidChangeWorkspaceFolders(async () => {
      const folders = await connection.workspace.getWorkspaceFolders();
      service.configure({ workspaceFolders: workspacePaths(folders, undefined) });
      if (init.indexWorkspace !== false) await service.indexWorkspace();
    });
  }
  await loadSettings();
  await registering;
  if (init.indexWorkspace !== false) await service.indexWorkspace();
  markStarted();
});

connection.onDidChangeConfiguration(async (params) => {
  const pushed = (params.settings as Record<string, unknown> | undefined)?.[SETTINGS_SECTION];
  await loadSettings(pushed);
});

connection.onNotification(WorkspaceTrustedNotification.type, async () => {
  await service.trustGranted();
  policyLanguage.recheckAll();
});

connection.onDidChangeWatchedFiles(async (params) => {
  for (const change of params.changes) {
    const file = uriToPath(change.uri);
    if (file) await service.fileChanged(file, change.type === FileChangeType.Deleted);
  }
});

documents.onDidOpen((e) => service.opened(e.document));
documents.onDidChangeContent((e) => service.changed(e.document));
documents.onDidClose((e) => service.closed(e.document));
documents.onDidOpen((e) => policyLanguage.opened(e.document));
documents.onDidChangeContent((e) => policyLanguage.changed(e.document));
documents.onDidClose((e) => policyLanguage.closed(e.document));

connection.onHover((params, token) => (policyLanguage.handles(params.textDocument.uri) ? policyLanguage.hover(params.textDocument.uri, params.position) : service.hover(params.textDocument.uri, params.position, token)));
connection.onDocumentSymbol((params) => (policyLanguage.handles(params.textDocument.uri) ? policyLanguage.symbols(params.textDocument.uri) : service.symbols(params.textDocument.uri)));
connection.onCompletion((params) => policyLanguage.completion(params.textDocument.uri, params.position));
connection.onDocumentLinks((params) => service.links(params.textDocument.uri));
connection.onCodeLens((params) => service.codeLenses(params.textDocument.uri));

function actionContext(progress: (message: string) => void): ActionContext {
  return {
    settings: service.currentSettings,
    paths: service.resolvedPaths(),
    outputFolders: service.outputFolderPaths(),
    workspaceFolders: service.workspaceFolderPaths,
    keys: () => service.keys(),
    keysListing: (ids) => service.keysListing(ids),
    askPassphrase: async (params) => {
      // The answer comes sealed to a key made for this prompt: the passphrase is in no traced message.
      const recipient = passphraseRecipient();
      try {
        const answer = await connection.sendRequest(PassphraseRequest.type, { ...params, recipientKey: recipient.publicKey });
        const passphrase = answer ? recipient.open(answer.sealed) : undefined;
        return passphrase === undefined ? { none: 'cancelled' } : { passphrase };
      } catch {
        return { none: 'unsupported' }; // a client without the request cannot ask
      }
    },
    progress,
    statusOf: (uri) => service.verifyNow(uri),
    wrote: (file) => service.serverWrote(file),
    log: (message) => connection.console.log(escapeLines(message)),
    chartArchive: (chartYaml) => service.chartArchive(chartYaml),
  };
}

connection.onRequest(ChartStatusRequest.type, (params) => service.chartStatus(params.uri));
connection.onRequest(ChartsRequest.type, () => service.charts());

connection.onRequest(VerifyRequest.type, async (params, token) => {
  const status = await service.verifyNow(params.uri, token);
  if (!status) throw requestCancelled('Verification');
  if ('error' in status || status.state !== 'verified') {
    const line = 'error' in status ? `Verify ${params.uri} failed: ${status.error}` : verifyFailureLine(params.uri, status, await service.keys(), service.resolvedPaths(), service.currentSettings);
    connection.console.log(escapeLines(line));
  }
  return 'error' in status ? { ok: false, error: { code: 'io-error', message: escapeUntrusted(status.error, 2000) } } : { ok: true, status };
});

/** Runs an action with the client's progress token (if it sent one). */
async function withProgress<T>(params: { workDoneToken?: string | number }, title: string, run: (ctx: ActionContext) => Promise<T>): Promise<T> {
  const reporter = connection.window.attachWorkDoneProgress(params.workDoneToken);
  reporter.begin(title);
  try {
    await service.whenSettingsLoaded();
    // Progress shows in the status bar (icons) or a notification (links): escaped for both.
    return await run(actionContext((message) => reporter.report(labelText(message))));
  } finally {
    reporter.done();
  }
}

/**
 * Why `action` may not run now: in an untrusted workspace nothing is spawned or written; signing also
 * needs its key source and program from settings that were not refused.
 */
function refusal(action: 'Package Chart' | 'Sign Chart' | 'Select Signing Key'): { ok: false; error: RequestError } | undefined {
  if (!service.isTrusted) {
    return {
      ok: false,
      error: {
        code: 'workspace-untrusted',
        message: `${action} is not available in Restricted Mode: it writes files or runs gpg on this repository's content. Trust the workspace (Manage Workspace Trust) to use it.`,
      },
    };
  }
  if (action === 'Package Chart') return undefined;
  const setting = service.currentSettings.signingBackend;
  const refusals = service.resolvedPaths().signingRefusal;
  // `auto` is refused only when both backends are: it signs with the one whose settings hold.
  const refused = setting === 'auto' ? (refusals.openpgp && refusals.gpg ? refusals.openpgp : undefined) : refusals[setting];
  return refused ? { ok: false, error: { code: 'setting-refused', message: `${action}: ${refusalMessage(refused)}` } } : undefined;
}

connection.onRequest(PackageRequest.type, async (params) => {
  await service.whenSettingsLoaded();
  return refusal('Package Chart') ?? service.whileWriting(() => withProgress(params, 'Package Chart', (ctx) => packageRequest(params, ctx)));
});
connection.onRequest(SignRequest.type, async (params) => {
  await service.whenSettingsLoaded();
  return refusal('Sign Chart') ?? service.whileWriting(() => withProgress(params, 'Sign Chart', (ctx) => signRequest(params, ctx)));
});
connection.onRequest(VerifyFileRequest.type, (params) => withProgress(params, 'Verify File Signature', (ctx) => verifyFileRequest(params, ctx)));
connection.onRequest(VerifySigstoreRequest.type, (params) => withProgress(params, 'Verify Sigstore Signature', (ctx) => verifySigstoreRequest(params, service.sigstore.verification, ctx)));
connection.onRequest(VerifyReferenceRequest.type, (params) => withProgress(params, 'Verify Chart Reference', (ctx) => verifyReferenceRequest(params, {
  trusted: service.isTrusted, keys: () => service.keys(), trustedFingerprints: service.currentSettings.trustedFingerprints, sigstore: service.sigstore.verification, progress: ctx.progress,
})));
connection.onRequest(ListSigningKeysRequest.type, async () => {
  await service.whenSettingsLoaded();
  return refusal('Select Signing Key') ?? listSigningKeysRequest(actionContext(() => undefined));
});

// Lens commands for editors other than VS Code (whose client registers them itself).
connection.onExecuteCommand(async (params) => {
  const args = params.arguments?.[0] as ChartCommandArgs | undefined;
  if (!args?.chartYaml) return;
  if (params.command === COMMANDS.openProvenance && args.prov) {
    if (capabilities.window?.showDocument?.support) await connection.sendRequest(ShowDocumentRequest.type, { uri: args.prov, takeFocus: true });
    return;
  }
  if (params.command === COMMANDS.verifyChart) {
    const status = await service.verifyNow(args.chartYaml);
    if (status) showMessage(MessageType.Info, 'error' in status ? status.error : `${status.summary}: ${status.message}`);
    return;
  }
  if (params.command === COMMANDS.signChart || params.command === COMMANDS.packageAndSignChart) {
    await service.whenSettingsLoaded();
    const packageFirst = params.command === COMMANDS.packageAndSignChart;
    const signed = refusal('Sign Chart') ?? await service.whileWriting(() => signRequest({ uri: args.chartYaml, packageFirst }, actionContext(() => undefined)));
    const by = signed.ok ? `${signed.signedBy.uid ?? 'the key'} (key ${keyIdOf(signed.signedBy.fingerprint)}) through ${signed.signedBy.backend === 'gpg' ? 'gpg' : 'the keyring file'}` : '';
    if (signed.ok) showMessage(MessageType.Info, `signed ${uriToPath(signed.prov) ?? signed.prov} with ${by}: ${signed.origin.message}`);
    else showMessage(MessageType.Error, `${signed.error.message} [${signed.error.code}]`);
  }
});

// Finding and importing a signer's key (issue 17): quick fixes, look-ups, the import the user confirmed.
function keyLookupEnv(): KeyLookupEnv {
  const { keyrings } = service.resolvedPaths();
  return {
    settings: service.currentSettings, trusted: service.isTrusted, workspaceFolders: service.workspaceFolderPaths,
    ...(keyrings.explicit && keyrings.paths.length > 0 ? { configuredKeyring: keyrings.paths[0] } : {}),
    keyringsInUse: service.keyringFiles(),
    issuersOf: (uri) => service.issuersOf(uri),
    keysListing: (ids) => service.keysListing(ids),
    keyringWritten: (file) => service.fileChanged(file, false),
  };
}
connection.onCodeAction(async (params) => {
  if (policyLanguage.handles(params.textDocument.uri)) return policyLanguage.codeActions(params.textDocument.uri, params.context.diagnostics);
  await service.whenKeysKnown();
  return [...service.codeActions(params.textDocument.uri, params.context.diagnostics), ...signerKeyCodeActions(params, keyLookupEnv())];
});
connection.onRequest(FindKeyRequest.type, async (params) => { await service.whenKeysKnown(); return findKeyRequest(params, keyLookupEnv()); });
connection.onRequest(ImportKeyRequest.type, async (params) => { await service.whenSettingsLoaded(); return importKeyRequest(params, keyLookupEnv()); });
connection.onRequest(ReleaseReadinessRequest.type, async (params) => {
  await service.whenSettingsLoaded();
  return releaseReadinessRequest(params, keyLookupEnv(), async () => (await service.keys()).keys);
});

connection.onShutdown(() => service.dispose());
connection.onShutdown(() => {
  service.dispose();
  policyLanguage.dispose();
});

// A failed notification or request to the client must not take the server down with it.
process.on('unhandledRejection', (reason) => connection.console.error(escapeLines(`unhandled: ${String(reason)}`)));

documents.listen(connection);
connection.listen();
