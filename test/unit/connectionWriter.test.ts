// The server's message writer (lsp/connection.ts): one write per message, framed so that
// vscode-jsonrpc's own reader reads back exactly the messages sent, non-ASCII text included.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { StreamMessageReader, type Message } from 'vscode-languageserver/node';
import { OneWriteMessageWriter } from '../../server/src/lsp/connection';

describe('OneWriteMessageWriter', () => {
  test('writes each message once, and the library reader reads them back in order', async () => {
    const writes: Buffer[] = [];
    const pipe = new PassThrough();
    const out = new Writable({ write(chunk: Buffer, _enc, done) { writes.push(chunk); pipe.write(chunk, done); } });
    const writer = new OneWriteMessageWriter(out);
    const sent: Message[] = [
      { jsonrpc: '2.0', method: 'textDocument/publishDiagnostics', params: { uri: 'file:///c/x.prov', diagnostics: [{ message: 'naïve – 🔑 "quoted"\n' }] } } as Message,
      { jsonrpc: '2.0', id: 7, result: null } as Message,
      { jsonrpc: '2.0', method: 'helmProvenance/statuses', params: { statuses: [] } } as Message,
    ];
    const received: Message[] = [];
    const reader = new StreamMessageReader(pipe);
    const all = new Promise<void>((resolve) => reader.listen((m) => { received.push(m); if (received.length === sent.length) resolve(); }));
    for (const m of sent) await writer.write(m);
    await all;
    assert.equal(writes.length, sent.length);
    assert.deepEqual(received, sent);
    for (const bytes of writes) {
      const text = bytes.toString('utf8');
      const length = Number(/^Content-Length: (\d+)\r\n\r\n/.exec(text)![1]);
      assert.equal(bytes.length - text.indexOf('\r\n\r\n') - 4, length);
    }
    reader.dispose();
  });

  test('over stdio, console output reaches the client as log messages or stderr, never raw stdout', () => {
    const script = `const { createServerConnection } = require(${JSON.stringify(path.join(__dirname, '../../server/src/lsp/connection'))});
      const connection = createServerConnection(); connection.listen();
      console.log('plain %d', 1); console.dir({ a: 1 }); console.table([{ x: 1 }]); console.count(); console.error('bad');
      setTimeout(() => process.exit(0), 5000);`;
    // argv as for a script (node server.js --stdio). stdin ends at once: the process ends as the library
    // arranges (exit status 1, no shutdown came).
    const run = spawnSync(process.execPath, ['-e', script, '--', 'server.js', '--stdio'], { input: '', encoding: 'utf8' });
    assert.equal(run.status, 1, run.stderr);
    const bodies: Array<{ method: string; params: { type: number; message: string } }> = [];
    let rest = run.stdout;
    while (rest.length > 0) {
      const head = /^Content-Length: (\d+)\r\n\r\n/.exec(rest);
      assert.ok(head, `unframed bytes on stdout: ${JSON.stringify(rest.slice(0, 80))}`);
      const start = head[0].length;
      const length = Number(head[1]);
      bodies.push(JSON.parse(Buffer.from(rest.slice(start)).subarray(0, length).toString('utf8')));
      rest = Buffer.from(rest.slice(start)).subarray(length).toString('utf8');
    }
    assert.deepEqual(bodies.map((b) => [b.method, b.params.message]), [['window/logMessage', 'plain 1'], ['window/logMessage', 'bad']]);
    assert.match(run.stderr, /a: 1/);
  });

  test('a failed write rejects and is reported with its message and count', async () => {
    const out = new Writable({ write(_chunk, _enc, done) { done(new Error('EPIPE')); } });
    out.on('error', () => undefined);
    const writer = new OneWriteMessageWriter(out);
    const errors: unknown[] = [];
    writer.onError((e) => errors.push(e));
    const msg = { jsonrpc: '2.0', method: 'x' } as Message;
    await assert.rejects(writer.write(msg), /EPIPE/);
    const reported = errors.find((e) => Array.isArray(e) && e[1] === msg) as [Error, Message, number] | undefined;
    assert.ok(reported, 'reported with the message');
    assert.equal(reported[2], 1);
  });
});
