// The first index takes the charts of the documents open in the editor first (issue 18: statuses of the
// charts a person looks at before the rest of a large workspace); the others keep their order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { inViewFirst } from '../../server/src/lsp/workspaceIndexing';

const charts = path.join(path.sep, 'ws', 'charts');
const chartYaml = (name: string) => path.join(charts, name, 'Chart.yaml');

test('charts with an open document in their folder, or their .prov beside it, come first; the rest keep their order', () => {
  const all = ['a', 'b', 'c', 'd', 'e'].map(chartYaml);
  const open = [
    path.join(charts, 'd', 'templates', 'KEYS'),
    path.join(charts, 'b-0.1.0.tgz.prov'),
    // Not in view: another folder whose name starts like a chart's, and a file outside the charts.
    path.join(charts, 'c-extra', 'Chart.yaml'),
    path.join(path.sep, 'elsewhere', 'a-0.1.0.tgz.prov'),
  ];
  assert.deepEqual(inViewFirst(all, open), ['b', 'd', 'a', 'c', 'e'].map(chartYaml));
  assert.deepEqual(inViewFirst(all, []), all, 'nothing open: the scan\'s order');
});
