// The server's connection to its client. Over stdio, each message goes to the pipe in one write:
// vscode-jsonrpc's stream writer writes the header and the body apart, after an async encode and a
// lock, so every message was two system calls and two wake-ups of the client, which on a loaded
// machine each wait for a core (bench/findings.md, "didOpen → diagnostics p95 (loaded)").
import { Console } from 'node:console';
import { format } from 'node:util';
import { AbstractMessageWriter, createConnection, ProposedFeatures, type Message, type MessageWriter } from 'vscode-languageserver/node';

/** Writes each message (header and UTF-8 JSON body) with one `write` of one buffer, in the order asked. */
export class OneWriteMessageWriter extends AbstractMessageWriter implements MessageWriter {
  private errors = 0;

  constructor(private readonly out: NodeJS.WritableStream) {
    super();
    out.on('error', (e: Error) => this.fireError(e));
    out.on('close', () => this.fireClose());
  }

  /** The bytes of one message as the base protocol frames it. */
  static frame(msg: Message): Buffer {
    const body = JSON.stringify(msg);
    const length = Buffer.byteLength(body, 'utf8');
    const header = `Content-Length: ${length}\r\n\r\n`;
    const bytes = Buffer.allocUnsafe(header.length + length);
    bytes.write(header, 0, 'latin1');
    bytes.write(body, header.length, 'utf8');
    return bytes;
  }

  write(msg: Message): Promise<void> {
    let bytes: Buffer;
    try {
      bytes = OneWriteMessageWriter.frame(msg);
    } catch (e) {
      this.fireError(e);
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      this.out.write(bytes, (error) => {
        if (error === undefined || error === null) { this.errors = 0; resolve(); return; }
        this.fireError(error, msg, ++this.errors);
        reject(error);
      });
    });
  }

  end(): void {
    this.out.end();
  }
}

/**
 * The connection, as `createConnection(ProposedFeatures.all)` makes it from the command line, except
 * that over stdio the writer is ours. stdin stays a stream, so that its end still ends the process as
 * vscode-languageserver arranges (vscode-jsonrpc takes a stream or a reader/writer in either place and
 * tells them apart by `addListener`; its typings only list pairs). Given its own streams, the library
 * no longer sends `console` output to the client instead of stdout, where it would break the framing:
 * that is done here.
 */
export function createServerConnection(): ReturnType<typeof createConnection> {
  // The first transport named decides, as in the library.
  const transport = process.argv.slice(2).find((a) => /^--(stdio|node-ipc|socket|pipe)(=|$)/.test(a));
  if (transport !== '--stdio') return createConnection(ProposedFeatures.all);
  const writer: MessageWriter = new OneWriteMessageWriter(process.stdout);
  const connection = createConnection(ProposedFeatures.all, process.stdin, writer as unknown as NodeJS.WritableStream);
  // Every console method to stderr (never stdout), then the usual ones to the client's log, as the library does.
  Object.assign(console, new Console({ stdout: process.stderr, stderr: process.stderr }));
  const send = (log: (text: string) => void) => (...args: unknown[]) => log(format(...args));
  console.log = console.info = console.debug = send((t) => connection.console.log(t));
  console.warn = send((t) => connection.console.warn(t));
  console.error = console.trace = send((t) => connection.console.error(t));
  return connection;
}
