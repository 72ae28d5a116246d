// After a workspace's index each chart's folder is compared with its archive (sourceFreshness.ts), and
// the chart's evaluation, which lacked only that answer, takes it: the chart is not evaluated again
// (issue 18: 1 000 charts were evaluated twice), and its status goes out again only when the answer
// shows in it. Asserted as evaluations and messages counted, on the service in this process without a
// client, and as the same statuses and lenses as a full evaluation gives; none asserts time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import type { ServiceHost } from '../../server/src/lsp/outbox';
import type { StatusParams } from '../../server/src/lsp/protocol';
import { ProvenanceService } from '../../server/src/lsp/service';
import { pathToUri } from '../../server/src/lsp/uris';
import { WorkspaceIndex } from '../../server/src/lsp/workspaceIndex';
import { scratch, signedCases, signedKeyrings, unpackSignedChart } from '../support/tools';

const progress = {
  token: { isCancellationRequested: false, onCancellationRequested: () => ({ dispose: () => undefined }) },
  begin: () => undefined, report: () => undefined, done: () => undefined,
} as unknown as WorkDoneProgressServerReporter;

interface Sent { statuses: StatusParams[]; lensRefreshes: number; diagnostics: number }

function recordingHost(sent: Sent): ServiceHost {
  return {
    publishDiagnostics: () => void sent.diagnostics++, sendStatus: (s) => void sent.statuses.push(s), refreshCodeLenses: () => void sent.lensRefreshes++,
    chartsChanged: () => undefined, log: () => undefined, warn: () => undefined, createProgress: async () => progress,
  };
}

/** `<root>/<folder>/devapp/` unpacked from a corpus case's archive, beside that archive and its `.prov`; answers its Chart.yaml. */
function chartFromCase(root: string, folder: string, caseName: string): string {
  const into = path.join(root, folder);
  const chart = unpackSignedChart(caseName, into);
  for (const file of fs.readdirSync(path.join(signedCases, caseName))) fs.copyFileSync(path.join(signedCases, caseName, file), path.join(into, file));
  return path.join(chart, 'Chart.yaml');
}

/** Resolves once `done()` holds and nothing was sent for a while (the comparisons after the index are queued work). */
async function settled(sent: Sent, done: () => boolean): Promise<void> {
  let last = -1;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const count = sent.statuses.length + sent.lensRefreshes;
    if (done() && count === last) return;
    last = count;
  }
}

test('a finished folder comparison is taken by the chart\'s evaluation: no second evaluation, a status only when it shows', async () => {
  const root = scratch();
  const current = chartFromCase(root, 'current', 'valid-rsa2048');
  const outOfDate = chartFromCase(root, 'edited', 'valid-ed25519');
  fs.appendFileSync(path.join(path.dirname(outOfDate), 'values.yaml'), '\nedited: true\n');
  const mismatch = chartFromCase(root, 'replaced', 'tgz-replaced');
  const sent: Sent = { statuses: [], lensRefreshes: 0, diagnostics: 0 };
  const service = new ProvenanceService(recordingHost(sent));
  service.configure({ workspaceFolders: [root], trusted: true });
  await service.applySettings({ keyrings: [path.join(signedKeyrings, 'pubring.gpg')] });
  const evaluate = WorkspaceIndex.prototype.refreshChart;
  let evaluations = 0;
  WorkspaceIndex.prototype.refreshChart = function (...args) { evaluations++; return evaluate.apply(this, args); };
  try {
    await service.indexWorkspace();
    assert.equal(evaluations, 3);
    const indexed = { statuses: sent.statuses.length, lensRefreshes: sent.lensRefreshes, diagnostics: sent.diagnostics };
    const lastOf = (chartYaml: string) => sent.statuses.filter((s) => s.uri === pathToUri(chartYaml)).at(-1)!;
    assert.deepEqual([current, outOfDate, mismatch].map((c) => lastOf(c).code), ['verified', 'verified', 'hash-mismatch']);
    assert.deepEqual(lastOf(mismatch).fixes?.map((f) => f.title), ['Re-package and sign'], 'before its comparison the archive is not known current');

    await settled(sent, () => lastOf(outOfDate).code !== 'verified' && (lastOf(mismatch).fixes?.length ?? 0) > 1);
    assert.equal(evaluations, 3, 'no chart is evaluated again once its comparison is done');
    assert.equal(sent.statuses.length - indexed.statuses, 2, 'a status only for the two charts whose comparison shows');
    assert.equal(sent.lensRefreshes - indexed.lensRefreshes, 2);
    assert.equal(sent.diagnostics, indexed.diagnostics);
    assert.equal(lastOf(outOfDate).code, 'archive-differs-from-source');
    assert.deepEqual(lastOf(mismatch).fixes?.map((f) => f.title), ['Sign again', 'Re-package and sign']);

    // A full evaluation of every chart gives the very statuses and lenses the comparisons left.
    const lenses = async () => JSON.stringify(await Promise.all([current, outOfDate, mismatch].map((c) => service.codeLenses(pathToUri(c)))));
    const taken = { statuses: sent.statuses.length, lenses: await lenses() };
    for (const chartYaml of [current, outOfDate, mismatch]) await service.verifyNow(pathToUri(chartYaml));
    assert.equal(sent.statuses.length, taken.statuses, 'no status differs from the one sent (the outbox sends only changes)');
    assert.equal(await lenses(), taken.lenses);
  } finally {
    WorkspaceIndex.prototype.refreshChart = evaluate;
    service.dispose();
  }
});
