// What the server sends the client, in one place: diagnostics, status notifications (each sent only
// when it changed), CodeLens and chart-list refreshes, log lines and warnings. The connection is
// reached only through the ServiceHost that server.ts implements.
import type { Diagnostic, WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import type { StatusParams } from './protocol';
import { pathToUri } from './uris';

export interface ServiceHost {
  publishDiagnostics(uri: string, diagnostics: Diagnostic[], version?: number): void;
  sendStatus(status: StatusParams): void;
  refreshCodeLenses(): void;
  /** The charts found in the workspace changed (one added or gone): the client may ask for them again. */
  chartsChanged(): void;
  log(message: string): void;
  /** Shown to the user once per distinct text (keyring problems). */
  warn(message: string): void;
  createProgress(): Promise<WorkDoneProgressServerReporter>;
}

/** What the client holds for a file never published: nothing. */
const NONE = JSON.stringify([]);
/** After an open document's publication the client's list is not the file's: the next one is always sent. */
const UNKNOWN = '';

export class Outbox {
  /**
   * The last status sent per scope and uri: an unchanged status is not sent again. Kept as sent and put
   * into JSON only when the next one for the same file is compared with it: a workspace's first index
   * sends one status per chart, and encoding each a second time (the connection encodes it too) cost
   * more than the comparisons that follow.
   */
  private readonly lastStatus = new Map<string, StatusParams | string>();
  private readonly warned = new Set<string>();
  /**
   * The last diagnostics published without a version (files on disk), as JSON: the same list again is
   * not sent (a chart evaluated again after its comparison with its folder re-publishes its `.prov`'s).
   * A file never published has none at the client: an empty list for it is not sent either (a verified
   * workspace of 1 000 charts made 1 000 messages). After an open document's publication it is unknown.
   */
  private readonly lastDiskDiagnostics = new Map<string, string>();

  constructor(readonly host: ServiceHost) {}

  publishDiagnostics(uri: string, diagnostics: Diagnostic[], version?: number): void {
    // An open document's publications (with its version) always go out, and leave the next one unknown.
    if (version !== undefined) {
      this.lastDiskDiagnostics.set(uri, UNKNOWN);
    } else {
      const text = JSON.stringify(diagnostics);
      if ((this.lastDiskDiagnostics.get(uri) ?? NONE) === text) return;
      this.lastDiskDiagnostics.set(uri, text);
    }
    this.host.publishDiagnostics(uri, diagnostics, version);
  }

  sendStatus(status: StatusParams): void {
    const key = `${status.scope}:${status.uri}`;
    const last = this.lastStatus.get(key);
    if (last !== undefined) {
      const text = JSON.stringify(status);
      if ((typeof last === 'string' ? last : JSON.stringify(last)) === text) return;
      if (status.state !== 'removed') this.lastStatus.set(key, text);
    } else if (status.state !== 'removed') {
      this.lastStatus.set(key, status);
    }
    if (status.state === 'removed') this.lastStatus.delete(key);
    this.host.sendStatus(status);
  }

  /** Forget the status of a closed document or a chart that is gone. */
  sendRemoved(scope: StatusParams['scope'], uri: string): void {
    this.sendStatus({ scope, uri, state: 'removed', severity: 'information', summary: '', message: '' });
  }

  sendChartRemoved(chartYaml: string): void {
    this.sendRemoved('chart', pathToUri(chartYaml));
  }

  refreshCodeLenses(): void {
    this.host.refreshCodeLenses();
  }

  chartsChanged(): void {
    this.host.chartsChanged();
  }

  log(message: string): void {
    this.host.log(message);
  }

  /** Shown to the user once per distinct text. */
  warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.host.warn(message);
  }

  createProgress(): Promise<WorkDoneProgressServerReporter> {
    return this.host.createProgress();
  }
}
