// The first index's scan runs while the client answers the handshake: at `initialize` the workspace
// folders are known, and the scan reads no setting (workspaceScan.ts ScanAhead). Counted, never timed:
// a preload records every folder the server lists; the client holds its answer to
// `workspace/configuration` until every chart folder has been listed (a server that scans only once it
// has its settings would wait for ever), and the index then lists no folder a second time. The statuses
// are those of a start whose settings come at once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageChart } from '../../server/src/provenance/package';
import { tempDir } from '../support/tools';
import { LspSession, uriOf } from './lspSession';

const CHARTS = 3;
/** Appends each folder the server's scan lists to LISTED_OUT, one a line, as it lists it. */
const LISTING_HOOK = `
const fs = require('node:fs');
const readdirSync = fs.readdirSync;
fs.readdirSync = function (dir, options) {
  // Not the scan: after the index, each chart folder is walked to compare it with its archive
  // (chartDirectory.ts, which lists names as buffers: a file name need not be UTF-8).
  if (options?.encoding !== 'buffer') fs.appendFileSync(process.env.LISTED_OUT, String(dir) + '\\n');
  return readdirSync.apply(this, arguments);
};
`;

const work = tempDir('lsp-scan-ahead-');
const workspace = path.join(work, 'ws');
const hook = path.join(work, 'listing-hook.js');
const chartYamls: string[] = [];

before(async () => {
  fs.writeFileSync(hook, LISTING_HOOK);
  for (let i = 1; i <= CHARTS; i++) {
    const dir = path.join(workspace, 'charts', `c${i}`);
    fs.mkdirSync(path.join(dir, 'templates'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'Chart.yaml'), `apiVersion: v2\nname: c${i}\nversion: 0.1.0\n`);
    fs.writeFileSync(path.join(dir, 'templates', 'a.yaml'), 'kind: ConfigMap\n');
    const packaged = await packageChart(dir, { outDir: path.dirname(dir) });
    assert.ok(packaged.ok, !packaged.ok ? packaged.error.message : '');
    chartYamls.push(path.join(dir, 'Chart.yaml'));
  }
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

/** The folders listed so far, relative to the workspace ('' for itself), outside it left out. */
function listed(file: string): string[] {
  const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  return lines.map((dir) => path.relative(workspace, dir)).filter((rel) => !rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Each chart's last status (state and code), by Chart.yaml uri, once every chart has one. */
async function finalStatuses(session: LspSession): Promise<Record<string, string>> {
  return session.waitFor('every chart\'s status', () => {
    const last: Record<string, string> = {};
    for (const s of session.statuses) if (s.scope === 'chart' && s.state !== 'checking') last[s.uri] = `${s.state} ${s.code ?? ''}`;
    return chartYamls.every((c) => uriOf(c) in last) ? last : undefined;
  });
}

test('the workspace is scanned before the settings are answered, once, with the statuses of a start that has them at once', async () => {
  const out = path.join(work, 'listed-ahead.txt');
  const chartFolders = chartYamls.map((c) => path.relative(workspace, path.dirname(c)));
  let answer!: () => void;
  const configurationAnswered = new Promise<void>((resolve) => { answer = resolve; });
  // As VS Code's client: it watches the files itself (a server that registers watchers scans after that).
  const session = await LspSession.start({ workspace, configurationAnswered, initializationOptions: { clientWatchesFiles: true }, env: { NODE_OPTIONS: `--require ${hook}`, LISTED_OUT: out } });
  let ahead: Record<string, string>;
  try {
    await session.waitFor('the settings asked', () => session.configurationRequests > 0 || undefined);
    // Polled (the server says nothing while it scans; the hook writes as it lists), for at most 30 s.
    for (let polls = 0; !chartFolders.every((f) => listed(out).includes(f)); polls++) {
      assert.ok(polls < 1500, `the chart folders were not listed while the settings were held; listed: ${listed(out).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(session.statuses.length, 0, 'no chart evaluated without settings');
    answer();
    ahead = await finalStatuses(session);
  } finally {
    answer();
    await session.stop();
  }
  const folders = listed(out);
  assert.deepEqual([...folders].sort(), [...new Set(folders)].sort(), `no folder listed twice: ${folders.join(', ')}`);
  assert.ok(folders.includes('') && folders.includes('charts'));

  const plain = await LspSession.start({ workspace });
  try {
    assert.deepEqual(ahead, await finalStatuses(plain));
  } finally {
    await plain.stop();
  }
});
