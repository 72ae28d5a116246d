// Indexing a workspace sends every chart's status before it compares any archive with its chart folder
// (issue 18: a comparison costs about a verdict, and ran between the verdicts of the charts after it).
// Counted in order of notifications, never time: the first chart's archive is out of date, and its
// "Out of date" status arrives only after every chart has its first status. Statuses come batched
// (StatusBatchNotification) to a client that says it takes them, one per notification to any other.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageChart } from '../../server/src/provenance/package';
import { tempDir } from '../support/tools';
import { LspSession, uriOf } from './lspSession';

const CHARTS = 40;

describe('indexing a workspace', () => {
  let workspace: string;
  const chartYamls: string[] = [];

  before(async () => {
    workspace = tempDir('lsp-index-order-');
    for (let i = 1; i <= CHARTS; i++) {
      const name = `c${String(i).padStart(2, '0')}`;
      const dir = path.join(workspace, 'charts', name);
      fs.mkdirSync(path.join(dir, 'templates'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`);
      fs.writeFileSync(path.join(dir, 'values.yaml'), 'replicas: 1\n');
      fs.writeFileSync(path.join(dir, 'templates', 'a.yaml'), 'kind: ConfigMap\n');
      const packaged = await packageChart(dir, { outDir: path.dirname(dir) });
      assert.ok(packaged.ok, !packaged.ok ? packaged.error.message : '');
      chartYamls.push(path.join(dir, 'Chart.yaml'));
    }
    // The first chart in the index's order: its folder changed after packaging.
    fs.writeFileSync(path.join(path.dirname(chartYamls[0]), 'values.yaml'), 'replicas: 2\n');
  });

  after(() => fs.rmSync(workspace, { recursive: true, force: true }));

  test('every chart has its status before any archive is compared with its folder', async () => {
    const session = await LspSession.start({ workspace, initializationOptions: { statusBatches: true } });
    try {
      const first = uriOf(chartYamls[0]);
      const stale = await session.waitForStatus('the first chart found out of date', (s) => s.scope === 'chart' && s.uri === first && s.state === 'stale');
      assert.equal(stale.code, 'archive-differs-from-source');
      const staleAt = session.statuses.indexOf(stale);
      const firstStatusAt = (uri: string) => session.statuses.findIndex((s) => s.scope === 'chart' && s.uri === uri && s.state !== 'checking');
      for (const chartYaml of chartYamls) {
        const at = firstStatusAt(uriOf(chartYaml));
        assert.ok(at >= 0 && at < staleAt, `${path.basename(path.dirname(chartYaml))} had its status (at ${at}) before the first comparison (at ${staleAt})`);
      }
      assert.equal(session.statuses[firstStatusAt(first)].state, 'unsigned', 'its first status is sent without waiting for the comparison');
      assert.equal(session.statusMessages.single, 0, 'a client that takes batches gets batches only');
      assert.ok(session.statusMessages.batches > 0 && session.statusMessages.batches <= session.statuses.length);
    } finally {
      await session.stop();
    }
  });

  test('the chart of a document open in the editor gets its status before the other charts', async () => {
    const firstStatuses = (session: LspSession) => {
      const order: string[] = [];
      for (const s of session.statuses) if (s.scope === 'chart' && s.state !== 'checking' && !order.includes(s.uri)) order.push(s.uri);
      return order;
    };
    const allHaveStatus = (session: LspSession) => session.waitFor('a status for every chart', () => (firstStatuses(session).length >= CHARTS ? true : undefined));
    // The order the index takes without open documents (the folder listing's): its last chart is the one opened below.
    const plain = await LspSession.start({ workspace, initializationOptions: { statusBatches: true } });
    let last: string;
    try {
      await allHaveStatus(plain);
      last = firstStatuses(plain)[CHARTS - 1];
    } finally {
      await plain.stop();
    }
    const lastFolder = path.dirname(chartYamls.find((c) => uriOf(c) === last)!);
    // A KEYS buffer in that chart's folder is open before the index starts (it waits for the settings);
    // opening it evaluates no chart by itself.
    let answerConfiguration!: () => void;
    const configurationAnswered = new Promise<void>((resolve) => { answerConfiguration = resolve; });
    const session = await LspSession.start({ workspace, configurationAnswered, initializationOptions: { statusBatches: true } });
    try {
      await session.open(path.join(lastFolder, 'KEYS'), 'pgp-keys', '');
      answerConfiguration();
      await allHaveStatus(session);
      const order = firstStatuses(session);
      assert.equal(order[0], last, `the in-view chart ${path.basename(lastFolder)} first, got ${order.slice(0, 3).join(', ')}`);
      assert.equal(order.length, CHARTS, 'every chart once');
    } finally {
      await session.stop();
    }
  });

  test('a client that does not take status batches (other editors) gets one status notification each', async () => {
    const session = await LspSession.start({ workspace, });
    try {
      const first = uriOf(chartYamls[0]);
      await session.waitForStatus('the first chart found out of date', (s) => s.scope === 'chart' && s.uri === first && s.state === 'stale');
      assert.equal(session.statusMessages.batches, 0);
      assert.equal(session.statusMessages.single, session.statuses.length);
    } finally {
      await session.stop();
    }
  });
});
