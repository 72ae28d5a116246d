// The "Helm Provenance" output channel: what was checked and what was decided, and the language
// client's own logging and message trace (Log Level: Trace with `helmProvenance.trace.server:
// verbose`). The passphrase crosses the connection sealed (server/src/lsp/passphraseSeal.ts), so no
// traced message holds it; every line still passes through `redactSecrets`, a second guard should a
// `"passphrase"` value ever reach a message.
import * as vscode from 'vscode';

const PASSPHRASE_JSON = /("passphrase"\s*:\s*)"(?:[^"\\]|\\.)*"/g;

/** Replaces the value of every `"passphrase": "…"` pair. */
export function redactSecrets(text: string): string {
  return text.replace(PASSPHRASE_JSON, '$1"<redacted>"');
}

/** The channel, seen through redaction. Handed to the language client as its output and trace channel. */
function redacting(channel: vscode.LogOutputChannel): vscode.LogOutputChannel {
  return {
    get name() { return channel.name; },
    get logLevel() { return channel.logLevel; },
    onDidChangeLogLevel: channel.onDidChangeLogLevel,
    trace: (message, ...args) => channel.trace(redactSecrets(message), ...args),
    debug: (message, ...args) => channel.debug(redactSecrets(message), ...args),
    info: (message, ...args) => channel.info(redactSecrets(message), ...args),
    warn: (message, ...args) => channel.warn(redactSecrets(message), ...args),
    error: (error, ...args) => channel.error(typeof error === 'string' ? redactSecrets(error) : redactSecrets(error.message), ...args),
    append: (value) => channel.append(redactSecrets(value)),
    appendLine: (value) => channel.appendLine(redactSecrets(value)),
    replace: (value) => channel.replace(redactSecrets(value)),
    clear: () => channel.clear(),
    show: (columnOrPreserveFocus?: vscode.ViewColumn | boolean, preserveFocus?: boolean) =>
      channel.show(typeof columnOrPreserveFocus === 'boolean' ? columnOrPreserveFocus : preserveFocus),
    hide: () => channel.hide(),
    // The extension owns the channel: the language client must not close it when it stops.
    dispose: () => undefined,
  };
}

export interface Log extends vscode.Disposable {
  /** The redacting channel: the extension's own lines and the language client's. */
  readonly channel: vscode.LogOutputChannel;
  show(): void;
}

export function createLog(): Log {
  const raw = vscode.window.createOutputChannel('Helm Provenance', { log: true });
  return { channel: redacting(raw), show: () => raw.show(true), dispose: () => raw.dispose() };
}
