// What the workspace scan lists, counted in folders read, never time: a chart's templates/ folder is
// not listed (Helm renders every file there as a template), a folder named templates elsewhere is, and
// subcharts (charts/<name>/) are found.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scanWorkspace } from '../../server/src/lsp/workspaceScan';
import { tempDir } from '../support/tools';

const root = tempDir('workspace-scan-');
after(() => fs.rmSync(root, { recursive: true, force: true }));

function write(relative: string, text = 'x\n'): string {
  const file = path.join(root, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
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

  // Counted on node:fs itself (the scan's namespace import reads through to it).
  const nodeFs = require('node:fs') as { readdirSync: (dir: string, options: unknown) => unknown };
  const listed: string[] = [];
  const readdirSync = nodeFs.readdirSync;
  nodeFs.readdirSync = (dir, options) => { listed.push(path.relative(root, dir)); return readdirSync(dir, options); };
  let found;
  try {
    found = await scanWorkspace([root], { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) });
  } finally {
    nodeFs.readdirSync = readdirSync;
  }
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
