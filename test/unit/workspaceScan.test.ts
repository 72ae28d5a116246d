// What the workspace scan lists, counted in folders read, never time: a chart's templates/ folder is
// not listed (Helm renders every file there as a template), a folder named templates elsewhere is, and
// subcharts (charts/<name>/) are found. A scan started ahead (at `initialize`) is the index's scan for
// the same folders, taken once; for other folders, or taken twice, the folders are listed again.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CancellationTokenSource } from 'vscode-languageserver/node';
import { ScanAhead, scanWorkspace } from '../../server/src/lsp/workspaceScan';
import { tempDir } from '../support/tools';

const root = tempDir('workspace-scan-');
after(() => fs.rmSync(root, { recursive: true, force: true }));

function write(relative: string, text = 'x\n'): string {
  const file = path.join(root, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

/** What `scan` answers, and the folders it listed (counted on node:fs itself: the scan's namespace import reads through to it). */
async function listing<T>(scan: () => Promise<T>): Promise<{ result: T; listed: string[] }> {
  const nodeFs = require('node:fs') as { readdirSync: (dir: string, options: unknown) => unknown };
  const listed: string[] = [];
  const readdirSync = nodeFs.readdirSync;
  nodeFs.readdirSync = (dir, options) => { listed.push(path.relative(root, dir)); return readdirSync(dir, options); };
  try {
    const result = await scan();
    await new Promise((resolve) => setImmediate(resolve)); // a scan scheduled for the next turn would list now
    return { result, listed };
  } finally {
    nodeFs.readdirSync = readdirSync;
  }
}

test('a chart\'s templates/ folder is not listed; other folders, subcharts and a folder named templates outside a chart are', async () => {
  const chart = write('charts/app/Chart.yaml');
  write('charts/app/templates/deployment.yaml');
  write('charts/app/templates/tests/test.yaml');
  write('charts/app/templates/Chart.yaml');
  write('charts/app/templates/x-1.0.0.tgz.prov');
  write('charts/app/templates/KEYS');
  const sub = write('charts/app/charts/sub/Chart.yaml');
  write('charts/app/charts/sub/templates/Chart.yaml');
  const prov = write('charts/app-0.1.0.tgz.prov');
  const elsewhere = write('templates/other/Chart.yaml');
  const keys = write('templates/KEYS');

  const { result: found, listed } = await listing(() => scanWorkspace([root], { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) }));
  assert.ok(found);
  assert.deepEqual(found.chartYamls.sort(), [chart, sub, elsewhere].sort());
  assert.deepEqual(found.provFiles, [prov]);
  assert.deepEqual(found.keysFiles, [keys]);
  assert.deepEqual(listed.sort(), ['', 'charts', 'charts/app', 'charts/app/charts', 'charts/app/charts/sub', 'templates', 'templates/other'].map((p) => p.split('/').join(path.sep)).sort());
});

test('a workspace folder named with a trailing separator (a folder uri ending in /) gives the same paths', async () => {
  const token = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) };
  const plain = await scanWorkspace([root], token);
  const slashed = await scanWorkspace([root + path.sep], token);
  assert.ok(plain && slashed);
  assert.deepEqual(slashed, plain);
  assert.ok(plain.chartYamls.every((f) => !f.includes(`${path.sep}${path.sep}`) && path.normalize(f) === f));
});

test('a scan started ahead is the index\'s scan for the same folders, once; other folders are scanned anew', async () => {
  write('ahead/one/Chart.yaml');
  const folder = path.join(root, 'ahead');
  const none = new CancellationTokenSource().token;
  const plain = await scanWorkspace([folder], none);
  const ahead = new ScanAhead();
  const first = await listing(async () => { ahead.start([folder]); return ahead.scan([folder], none); });
  assert.deepEqual(first.result, plain);
  assert.deepEqual(first.listed, ['ahead', 'ahead/one'].map((p) => p.split('/').join(path.sep)), 'each folder listed once');
  const again = await listing(() => ahead.scan([folder], none));
  assert.deepEqual(again.result, plain, 'taken twice: a scan now');
  assert.equal(again.listed.length, 2);
  const other = await listing(async () => { ahead.start([path.join(folder, 'one')]); return ahead.scan([folder], none); });
  assert.deepEqual(other.result, plain, 'started for other folders: the folders asked for are scanned');
  assert.deepEqual(other.listed, ['ahead', 'ahead/one'].map((p) => p.split('/').join(path.sep)), 'the scan for the other folders was stopped before it listed anything');
  const cancelled = new CancellationTokenSource();
  ahead.start([folder]);
  const taken = ahead.scan([folder], cancelled.token);
  cancelled.cancel();
  assert.equal(await taken, undefined, 'cancelled by the index\'s token');
});
