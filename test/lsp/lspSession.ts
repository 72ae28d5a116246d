// A minimal LSP client for the tests: spawns the built server over stdio and speaks JSON-RPC with
// vscode-languageserver-protocol, the way an editor does (no VS Code). It answers the server's requests
// (configuration, registrations, progress, CodeLens refresh, passphrase) and records what the server
// pushes (diagnostics, status notifications) so tests can wait for a result, never for a time.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import {
  CodeLensRequest, CodeLensRefreshRequest, ConfigurationRequest, createProtocolConnection, DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification, DidCloseTextDocumentNotification, DidOpenTextDocumentNotification, DocumentLinkRequest,
  DocumentSymbolRequest, ExitNotification, FileChangeType, HoverRequest, InitializedNotification, InitializeRequest, LogMessageNotification,
  PublishDiagnosticsNotification, RegistrationRequest, ShowMessageNotification, ShutdownRequest, StreamMessageReader,
  UnregistrationRequest, WorkDoneProgress, WorkDoneProgressCreateRequest, type CodeLens, type Diagnostic, type DocumentLink, type DocumentSymbol,
  type Hover, type InitializeResult, type Position, type ProtocolConnection, type PublishDiagnosticsParams, type Registration,
} from 'vscode-languageserver-protocol/node';
import { OneWriteMessageWriter } from '../../server/src/lsp/connection';
import { sealPassphrase } from '../../server/src/lsp/passphraseSeal';
import { ChartsChangedNotification, PassphraseRequest, SETTINGS_SECTION, StatusBatchNotification, StatusNotification, type HelmProvenanceSettings, type InitializationOptions, type PassphraseParams, type StatusParams } from '../../server/src/lsp/protocol';

/**
 * The built server, next to this file's build output (out/test/lsp → out/server/src/lsp/server.js),
 * or the file `HELM_PROV_LS` names, to run the same tests against the esbuild bundle (dist/server.js).
 */
export const serverPath = process.env.HELM_PROV_LS ? path.resolve(process.env.HELM_PROV_LS) : path.join(__dirname, '..', '..', 'server', 'src', 'lsp', 'server.js');

/** A safety net so a broken server fails the test instead of hanging it; never a timing assertion. */
const WAIT_LIMIT_MS = 60_000;

export function uriOf(file: string): string {
  return pathToFileURL(file).href;
}

/** A diagnostic's message as text (LSP 3.18 also allows MarkupContent; this server sends strings). */
export function messageOf(d: Diagnostic): string {
  return typeof d.message === 'string' ? d.message : d.message.value;
}

export interface SessionOptions {
  /** Workspace folder (indexed by the server); none by default. */
  workspace?: string;
  settings?: Partial<HelmProvenanceSettings>;
  initializationOptions?: InitializationOptions;
  /** Answer `workspace/configuration`? (A client that cannot gets the server's defaults.) */
  configuration?: boolean;
  /** Answer `workspace/configuration` only once this resolves (the server's checks wait for their settings). */
  configurationAnswered?: Promise<void>;
  /** Say that the client takes a dynamic registration of configuration changes (as VS Code's does). */
  registersConfigurationChanges?: boolean;
  /** Answer `client/registerCapability` only once this resolves. */
  registrationAnswered?: Promise<void>;
  /** False: the client has no passphrase prompt (the request is unknown to it, as in editors other than VS Code). */
  answersPassphrase?: boolean;
  /** The answer to a passphrase request (a promise: the test may act while the server waits for it). */
  passphrase?: (params: PassphraseParams) => string | null | Promise<string | null>;
  env?: NodeJS.ProcessEnv;
  /** The server's working directory (an editor may start it in the workspace folder); default: the test's. */
  cwd?: string;
}

export class LspSession {
  readonly diagnostics = new Map<string, PublishDiagnosticsParams[]>();
  readonly statuses: StatusParams[] = [];
  /** Status messages received: one status each, and batches of many (StatusBatchNotification). */
  readonly statusMessages = { single: 0, batches: 0 };
  readonly registrations: Registration[] = [];
  readonly passphraseRequests: PassphraseParams[] = [];
  /** Server-created progress tokens and the kinds (begin, report, end) reported on each. */
  readonly progress = new Map<string, string[]>();
  /** The titles and messages of every server-created progress, in the order they came. */
  readonly progressTexts: string[] = [];
  /** window/showMessage notifications, as `<type> <message>`. */
  readonly messages: string[] = [];
  /** Every byte exchanged with the server, both ways, as an editor's protocol trace could record it. */
  readonly wire: Buffer[] = [];
  /** window/logMessage notifications (the server's log), as `<type> <message>`. */
  readonly logs: string[] = [];
  codeLensRefreshes = 0;
  /** workspace/configuration requests received. */
  configurationRequests = 0;
  /** Registrations answered (see SessionOptions.registrationAnswered). */
  registrationsAnswered = 0;
  /** helmProvenance/chartsChanged notifications received. */
  chartListChanges = 0;
  initializeResult?: InitializeResult;
  settings: Record<string, unknown>;
  private readonly events = new EventEmitter();
  private readonly versions = new Map<string, number>();
  private stderr = '';

  private constructor(readonly connection: ProtocolConnection, private readonly child: ChildProcess, options: SessionOptions) {
    this.settings = { ...(options.settings ?? {}) };
    this.events.setMaxListeners(1000);
    child.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      const list = this.diagnostics.get(p.uri) ?? [];
      list.push(p);
      this.diagnostics.set(p.uri, list);
      this.events.emit('event');
    });
    connection.onNotification(StatusNotification.type, (s) => { this.statuses.push(s); this.statusMessages.single++; this.events.emit('event'); });
    connection.onNotification(StatusBatchNotification.type, ({ statuses }) => { this.statuses.push(...statuses); this.statusMessages.batches++; this.events.emit('event'); });
    connection.onNotification(ChartsChangedNotification.type, () => { this.chartListChanges++; this.events.emit('event'); });
    connection.onNotification(ShowMessageNotification.type, (m) => { this.messages.push(`${m.type} ${m.message}`); this.events.emit('event'); });
    connection.onNotification(LogMessageNotification.type, (m) => { this.logs.push(`${m.type} ${m.message}`); this.events.emit('event'); });
    connection.onRequest(ConfigurationRequest.type, async (p) => {
      this.configurationRequests++;
      this.events.emit('event');
      await options.configurationAnswered;
      return p.items.map((item) => (item.section === SETTINGS_SECTION ? this.settings : null));
    });
    connection.onRequest(RegistrationRequest.type, async (p) => {
      this.registrations.push(...p.registrations);
      this.events.emit('event');
      await options.registrationAnswered;
      this.registrationsAnswered += p.registrations.length;
      this.events.emit('event');
    });
    connection.onRequest(UnregistrationRequest.type, () => undefined);
    connection.onRequest(WorkDoneProgressCreateRequest.type, (p) => {
      const kinds: string[] = [];
      this.progress.set(String(p.token), kinds);
      connection.onProgress(WorkDoneProgress.type, p.token, (value) => {
        kinds.push(value.kind);
        if (value.kind === 'begin') this.progressTexts.push(value.title);
        if (value.kind !== 'end' && value.message !== undefined) this.progressTexts.push(value.message);
        this.events.emit('event');
      });
    });
    connection.onRequest(CodeLensRefreshRequest.type, () => { this.codeLensRefreshes++; this.events.emit('event'); });
    if (options.answersPassphrase !== false) connection.onRequest(PassphraseRequest.type, async (p) => {
      this.passphraseRequests.push(p);
      const answer = (await options.passphrase?.(p)) ?? null;
      return answer === null ? null : { sealed: sealPassphrase(answer, p.recipientKey) };
    });
  }

  static async start(options: SessionOptions = {}): Promise<LspSession> {
    const child = spawn(process.execPath, [serverPath, '--stdio'], {
      stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...options.env }, ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    const toServer = new PassThrough();
    toServer.pipe(child.stdin!);
    // One write per message, as VS Code's client sends them (over IPC): vscode-jsonrpc's stream writer writes the
    // header and the body apart, and a server that reads the header alone wakes a second time for the body.
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new OneWriteMessageWriter(toServer));
    const session = new LspSession(connection, child, options);
    toServer.on('data', (chunk: Buffer) => session.wire.push(chunk));
    child.stdout!.on('data', (chunk: Buffer) => session.wire.push(chunk));
    connection.listen();
    const folders = options.workspace ? [{ uri: uriOf(options.workspace), name: path.basename(options.workspace) }] : null;
    session.initializeResult = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: folders ? folders[0].uri : null,
      workspaceFolders: folders,
      initializationOptions: { clientHandlesCommands: true, ...options.initializationOptions },
      capabilities: {
        workspace: {
          configuration: options.configuration !== false,
          ...(options.registersConfigurationChanges ? { didChangeConfiguration: { dynamicRegistration: true } } : {}),
          didChangeWatchedFiles: { dynamicRegistration: true, relativePatternSupport: true },
          codeLens: { refreshSupport: true },
          workspaceFolders: true,
        },
        window: { workDoneProgress: true },
        textDocument: { publishDiagnostics: { versionSupport: true }, hover: { contentFormat: ['markdown', 'plaintext'] } },
      },
    });
    await connection.sendNotification(InitializedNotification.type, {});
    return session;
  }

  /** Resolves with the first non-undefined value of `probe`, re-probed after every message from the server. */
  waitFor<T>(description: string, probe: () => T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = probe();
        if (value === undefined) return false;
        cleanup();
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => { cleanup(); reject(new Error(`gave up waiting for ${description}; server stderr: ${this.stderr.slice(-2000)}`)); }, WAIT_LIMIT_MS);
      const listener = () => { check(); };
      const cleanup = () => { clearTimeout(timer); this.events.off('event', listener); };
      this.events.on('event', listener);
      check();
    });
  }

  /** Diagnostics for `uri` from the first publication after `after` publications (for a document version, when given). */
  waitForDiagnostics(uri: string, options: { version?: number; after?: number; where?: (d: Diagnostic[]) => boolean } = {}): Promise<Diagnostic[]> {
    return this.waitFor(`diagnostics for ${uri}`, () => {
      const list = (this.diagnostics.get(uri) ?? []).slice(options.after ?? 0);
      const found = list.find((p) => (options.version === undefined || p.version === options.version) && (!options.where || options.where(p.diagnostics)));
      return found?.diagnostics;
    });
  }

  waitForStatus(description: string, where: (s: StatusParams) => boolean, after = 0): Promise<StatusParams> {
    return this.waitFor(description, () => this.statuses.slice(after).find(where));
  }

  async open(file: string, languageId: string, text = fs.readFileSync(file, 'utf8')): Promise<string> {
    const uri = uriOf(file);
    this.versions.set(uri, 1);
    // What was published before (for an earlier buffer, or for the file on disk) is not about this buffer.
    this.diagnostics.delete(uri);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text } });
    return uri;
  }

  /** Replaces the whole buffer (unsaved); answers the new version. */
  async change(uri: string, text: string): Promise<number> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
    return version;
  }

  async close(uri: string): Promise<void> {
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  async fileChanged(file: string, type: FileChangeType = FileChangeType.Changed): Promise<void> {
    await this.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uriOf(file), type }] });
  }

  codeLens(uri: string): Promise<CodeLens[]> {
    return this.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } }).then((l) => l ?? []);
  }

  hover(uri: string, position: Position): Promise<Hover | null> {
    return this.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position });
  }

  symbols(uri: string): Promise<DocumentSymbol[]> {
    return this.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } }).then((s) => (s ?? []) as DocumentSymbol[]);
  }

  links(uri: string): Promise<DocumentLink[]> {
    return this.connection.sendRequest(DocumentLinkRequest.type, { textDocument: { uri } }).then((l) => l ?? []);
  }

  async stop(): Promise<void> {
    try {
      await this.connection.sendRequest(ShutdownRequest.type);
      await this.connection.sendNotification(ExitNotification.type);
    } catch {
      // already gone
    }
    this.connection.dispose();
    if (this.child.exitCode === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => { this.child.kill(); resolve(); }, 5000);
        this.child.once('exit', () => { clearTimeout(timer); resolve(); });
      });
    }
  }
}
