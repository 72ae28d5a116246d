// The outbox sends a file's diagnostics only when they changed (issue 18: a chart evaluated again after
// its folder comparison re-published its `.prov`'s, and every verified `.prov` of a large workspace got an
// empty list: one message per chart). A file never published counts as having none.
// An open document's publications (with a version) always go out, and the file's next one after it too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver/node';
import { Outbox, type ServiceHost } from '../../server/src/lsp/outbox';
import type { StatusParams } from '../../server/src/lsp/protocol';

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

test('a status is sent when it changed, not again when it is the same; "removed" always goes out and forgets it', () => {
  const statuses: string[] = [];
  const host = { ...recordingHost([]), sendStatus: (s: StatusParams) => void statuses.push(`${s.uri} ${s.state}`) };
  const out = new Outbox(host);
  const status = (uri: string, state: StatusParams['state']): StatusParams => ({ scope: 'chart', uri, state, severity: 'ok', summary: state, message: '' });
  out.sendStatus(status('file:///a/Chart.yaml', 'verified'));
  out.sendStatus(status('file:///b/Chart.yaml', 'verified'));
  out.sendStatus(status('file:///a/Chart.yaml', 'verified'));
  out.sendStatus(status('file:///a/Chart.yaml', 'verified'));
  out.sendStatus(status('file:///a/Chart.yaml', 'rejected'));
  out.sendStatus(status('file:///a/Chart.yaml', 'rejected'));
  out.sendStatus(status('file:///a/Chart.yaml', 'removed'));
  out.sendStatus(status('file:///a/Chart.yaml', 'removed'));
  out.sendStatus(status('file:///a/Chart.yaml', 'rejected'));
  assert.deepEqual(statuses, [
    'file:///a/Chart.yaml verified', 'file:///b/Chart.yaml verified', 'file:///a/Chart.yaml rejected',
    'file:///a/Chart.yaml removed', 'file:///a/Chart.yaml removed', 'file:///a/Chart.yaml rejected',
  ]);
});
