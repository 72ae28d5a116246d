// The outbox sends a file's diagnostics only when they changed (issue 18: a chart evaluated again after
// its folder comparison re-published its `.prov`'s, and every verified `.prov` of a large workspace got an
// empty list: one message per chart). A file never published counts as having none.
// An open document's publications (with a version) always go out, and the file's next one after it too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver/node';
import { Outbox, type ServiceHost } from '../../server/src/lsp/outbox';

function recordingHost(sent: { uri: string; count: number; version?: number }[]): ServiceHost {
  return {
    publishDiagnostics: (uri, diagnostics, version) => void sent.push({ uri, count: diagnostics.length, ...(version !== undefined ? { version } : {}) }),
    sendStatus: () => undefined, refreshCodeLenses: () => undefined, chartsChanged: () => undefined, log: () => undefined, warn: () => undefined,
    createProgress: () => { throw new Error('not used'); },
  };
}

const problem: Diagnostic = { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, message: 'hash mismatch', severity: DiagnosticSeverity.Error, code: 'hash-mismatch' };

test('the same diagnostics of a file on disk are sent once; none for a file never published; a change, or an open document in between, sends again', () => {
  const sent: { uri: string; count: number; version?: number }[] = [];
  const out = new Outbox(recordingHost(sent));
  out.publishDiagnostics('file:///a.prov', []);
  out.publishDiagnostics('file:///b.prov', []);
  assert.equal(sent.length, 0, 'a file never published has no diagnostics at the client: an empty list is not sent');
  out.publishDiagnostics('file:///a.prov', [problem]);
  out.publishDiagnostics('file:///a.prov', [problem]);
  out.publishDiagnostics('file:///a.prov', []);
  out.publishDiagnostics('file:///a.prov', []);
  assert.deepEqual(sent.map((s) => s.count), [1, 0], 'each change is sent, once');
  out.publishDiagnostics('file:///a.prov', [], 1);
  out.publishDiagnostics('file:///a.prov', [], 1);
  out.publishDiagnostics('file:///a.prov', []);
  out.publishDiagnostics('file:///c.prov', [], 1);
  out.publishDiagnostics('file:///c.prov', []);
  assert.deepEqual(sent.slice(2), [
    { uri: 'file:///a.prov', count: 0, version: 1 }, { uri: 'file:///a.prov', count: 0, version: 1 }, { uri: 'file:///a.prov', count: 0 },
    { uri: 'file:///c.prov', count: 0, version: 1 }, { uri: 'file:///c.prov', count: 0 },
  ], 'an open document\'s publications always go out, and the close\'s list after them');
});
