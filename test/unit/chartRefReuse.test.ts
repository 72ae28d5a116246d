// A chart is evaluated again on every change near it (its archive, its `.prov`, a file of its folder,
// the comparison with its folder after indexing), and each evaluation reads its Chart.yaml: the same
// text is not parsed again (issue 18: a workspace's index parsed and hashed every Chart.yaml). Asserted
// as YAML work counted (work.ts), on the service in this process without a client; none asserts time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import { resetWork, workDone } from '../../server/src/provenance/work';
import type { ServiceHost } from '../../server/src/lsp/outbox';
import type { StatusParams } from '../../server/src/lsp/protocol';
import { ProvenanceService } from '../../server/src/lsp/service';
import { scratch } from '../support/tools';

const progress = {
  token: { isCancellationRequested: false, onCancellationRequested: () => ({ dispose: () => undefined }) },
  begin: () => undefined, report: () => undefined, done: () => undefined,
} as unknown as WorkDoneProgressServerReporter;

function recordingHost(statuses: StatusParams[]): ServiceHost {
  return {
    publishDiagnostics: () => undefined, sendStatus: (s) => void statuses.push(s), refreshCodeLenses: () => undefined,
    chartsChanged: () => undefined, log: () => undefined, warn: () => undefined, createProgress: async () => progress,
  };
}

const chartYaml = (version: string) => `apiVersion: v2\nname: devapp\nversion: ${version}\n`;

/** YAML work counted while the chart is evaluated again after a change to its Chart.yaml; and its status then. */
async function reevaluated(service: ProvenanceService, file: string, statuses: StatusParams[]): Promise<{ yaml: number; status: StatusParams }> {
  resetWork();
  await service.fileChanged(file, false);
  return { yaml: workDone()['yaml-steps'] ?? 0, status: statuses[statuses.length - 1] };
}

test('an unchanged Chart.yaml is not parsed again; a changed one is', async () => {
  const root = scratch();
  const file = path.join(root, 'devapp', 'Chart.yaml');
  fs.mkdirSync(path.dirname(file));
  fs.writeFileSync(file, chartYaml('1.0.0'));
  const statuses: StatusParams[] = [];
  const service = new ProvenanceService(recordingHost(statuses));
  service.configure({ workspaceFolders: [root], trusted: true });
  await service.applySettings({});
  try {
    resetWork();
    await service.indexWorkspace();
    assert.ok((workDone()['yaml-steps'] ?? 0) > 0, 'the index parses the Chart.yaml (is the YAML work counted?)');
    assert.match(statuses[statuses.length - 1].message, /devapp-1\.0\.0\.tgz/);

    const same = await reevaluated(service, file, statuses);
    assert.equal(same.yaml, 0, 'the same text is not parsed again');
    assert.match(same.status.message, /devapp-1\.0\.0\.tgz/);

    fs.writeFileSync(file, chartYaml('1.0.1'));
    const changed = await reevaluated(service, file, statuses);
    assert.ok(changed.yaml > 0, 'a changed text is parsed');
    assert.match(changed.status.message, /devapp-1\.0\.1\.tgz/);
  } finally {
    service.dispose();
  }
});
