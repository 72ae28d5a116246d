// A chart repository's index.yaml (README-style cases). The yaml library builds about 0.6 KB of memory
// per node, and the index limits let a 32 MiB index of 3 million nodes through: a 9 MB index of 820 000
// nodes took 490 MB and 25 s, a 6 MB one of 2.9 million flow items 2.6 GB and 127 s. Now only the asked
// chart's part of a Helm-written index is parsed (at most MAX_INDEX_NODES), the rest is scanned by line;
// any other layout is parsed whole only within that node limit. Counted work (`yaml-bytes`: the text
// handed to the parser) shows what was parsed; alias bombs and 100 000-level nesting are refused before.
// Expected: `ok` for a large honest index, `repo-index-invalid` for the bombs.
import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { findIndexEntry } from '../../server/src/oci/repoIndex';
import { MAX_INDEX_NODES } from '../../server/src/oci/limits';
import { resetWork, workDone } from '../../server/src/provenance/work';

const DIGEST = 'ab'.repeat(32);
const version = (chart: string, i: number) => `  - apiVersion: v2\n    appVersion: 8.0.${i}\n    created: "2024-01-01T10:00:00Z"\n    dependencies:\n    - name: common\n      repository: oci://registry-1.docker.io/bitnamicharts\n      version: 2.x.x\n    description: A chart.\n    digest: ${DIGEST}\n    keywords:\n    - database\n    maintainers:\n    - name: Someone\n      url: https://example.org\n    name: ${chart}\n    urls:\n    - https://charts.example.org/${chart}-9.${i}.0.tgz\n    version: 9.${i}.0\n`;
/** An index as `helm repo index` writes it: `charts` charts of `versions` versions each. */
function helmIndex(charts: number, versions: number): string {
  const parts = ['apiVersion: v1\nentries:\n'];
  for (let c = 0; c < charts; c++) {
    parts.push(`  chart${c}:\n`);
    for (let i = 0; i < versions; i++) parts.push(version(`chart${c}`, i));
  }
  parts.push('generated: "2024-01-01T00:00:00Z"\n');
  return parts.join('');
}
const find = (text: string, chart: string, v = '9.3.0') => findIndexEntry(Buffer.from(text), 'https://charts.example.org', chart, v);

beforeEach(() => resetWork());

test('a large Helm-written index (300 charts, 60 versions each, 1 million nodes) is read by parsing only the asked chart', () => {
  const text = helmIndex(300, 60);
  const r = find(text, 'chart217');
  assert.ok(r.ok, !r.ok ? r.error.message : '');
  assert.equal(r.value.url, 'https://charts.example.org/chart217-9.3.0.tgz');
  assert.equal(r.value.digest, DIGEST);
  const parsed = workDone()['yaml-bytes'] ?? 0;
  assert.ok(parsed > 0 && parsed < text.length / 100, `parsed ${parsed} of ${text.length} bytes`);
});

test('an index of flow items over the node limit is refused before parsing: nothing handed to the parser', () => {
  const line = `  - [${Array(60).fill('a').join(',')}]\n`;
  const text = `entries:\n devapp:\n${line.repeat(Math.ceil((MAX_INDEX_NODES * 1.5) / 62))}`;
  const r = find(text, 'devapp');
  assert.equal(!r.ok && r.error.code, 'repo-index-invalid');
  assert.equal(workDone()['yaml-bytes'] ?? 0, 0);
});

test("one chart's part over the node limit is refused, its neighbours still read", () => {
  const text = `apiVersion: v1\nentries:\n  big:\n${Array.from({ length: Math.ceil(MAX_INDEX_NODES / 40) }, (_, i) => version('big', i)).join('')}  small:\n${version('small', 3)}`;
  const big = find(text, 'big');
  assert.equal(!big.ok && big.error.code, 'repo-index-invalid');
  resetWork();
  assert.ok(find(text, 'small').ok);
});

test('an alias to an anchor in another chart still resolves (the whole index is read, within the node limit)', () => {
  const text = `entries:\n  a:\n  - &v\n    version: 9.3.0\n    digest: ${DIGEST}\n    urls: [x-9.3.0.tgz]\n  b:\n  - *v\n`;
  const r = find(text, 'b');
  assert.ok(r.ok, !r.ok ? r.error.message : '');
  assert.equal(r.value.url, 'https://charts.example.org/x-9.3.0.tgz');
});

test('an alias bomb, 100 000-level block and flow nesting are repo-index-invalid', () => {
  const laughs = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(', ')}]`)];
  for (const text of [`${laughs.join('\n')}\nentries:\n  devapp: *i\n`, `entries:\n  devapp:\n  - ${'- '.repeat(100_000)}x\n`, `entries:\n  devapp: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`, `entries:\n  devapp:\n  - version: 9.3.0\n    urls: &u [*u]\n`]) {
    const r = find(text, 'devapp');
    assert.equal(!r.ok && r.error.code, 'repo-index-invalid', text.slice(0, 80));
  }
});
