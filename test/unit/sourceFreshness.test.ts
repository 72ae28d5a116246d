// The editor's "archive out of date" check stays cheap and bounded, in counted work (work.ts), never time:
// asked again with nothing changed (each keystroke in Chart.yaml asks), it reads nothing; after a file
// of the chart folder changed, it reads the folder again but not the archive; a file whose size changed
// is never hashed; an archive over MAX_COMPARED_BYTES is not compared at all.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { packageChart } from '../../server/src/provenance/package';
import { resetWork, workDone } from '../../server/src/provenance/work';
import { MAX_COMPARED_BYTES, outOfDateText, SourceFreshness, type Freshness } from '../../server/src/lsp/sourceFreshness';
import { ArchiveFactsCache } from '../../server/src/lsp/caches';
import { scratch } from '../support/tools';

/** A chart folder `<tmp>/charts/<name>/` with `files`, packaged next to it; answers the folder and the archive. */
async function packagedChart(name: string, files: Record<string, string | Buffer>): Promise<{ dir: string; archive: string }> {
  const dir = path.join(scratch('freshness-'), 'charts', name);
  for (const [rel, content] of Object.entries({ 'Chart.yaml': `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`, ...files })) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  const packaged = await packageChart(dir, { outDir: path.dirname(dir) });
  assert.ok(packaged.ok, !packaged.ok ? packaged.error.message : '');
  return { dir, archive: packaged.value.archivePath };
}

async function counted(fn: () => Promise<Freshness>): Promise<{ answer: Freshness; read: number; inflated: number; hashed: number }> {
  resetWork();
  const answer = await fn();
  const work = workDone();
  return { answer, read: work['bytes-read'] ?? 0, inflated: work['bytes-inflated'] ?? 0, hashed: work['bytes-hashed'] ?? 0 };
}

const names = (answer: Freshness) => (answer.current === false ? outOfDateText(answer.outOfDate, (n) => n) : JSON.stringify(answer));

describe('SourceFreshness', () => {
  test('asked again with nothing changed it reads nothing; after a change it reads the folder, not the archive', async () => {
    const { dir, archive } = await packagedChart('app', { 'values.yaml': 'replicas: 1\n', 'templates/a.yaml': 'kind: ConfigMap\n' });
    const freshness = new SourceFreshness(new ArchiveFactsCache());
    const first = await counted(() => freshness.check(dir, archive));
    assert.deepEqual(first.answer, { current: true });
    assert.ok(first.inflated > 0 && first.read > 0, 'the first answer reads the archive and the folder');

    for (let keystroke = 0; keystroke < 10; keystroke++) {
      const again = await counted(() => freshness.check(dir, archive));
      assert.deepEqual(again.answer, { current: true });
      assert.deepEqual([again.read, again.inflated, again.hashed], [0, 0, 0], 'nothing read or hashed again');
    }

    fs.writeFileSync(path.join(dir, 'values.yaml'), 'replicas: 2\n');
    freshness.sourceChanged(dir);
    const changed = await counted(() => freshness.check(dir, archive));
    assert.equal(names(changed.answer), 'values.yaml changed since packaging');
    assert.equal(changed.inflated, 0, 'the archive (same size, mtime, inode) is not read again');
    assert.ok(changed.read > 0, 'the folder is read again');
  });

  test('an archive touched (same bytes, new stamp) is not compared again; new bytes are', async () => {
    const { dir, archive } = await packagedChart('touched', { 'values.yaml': 'replicas: 1\n' });
    const freshness = new SourceFreshness(new ArchiveFactsCache());
    assert.deepEqual((await freshness.check(dir, archive)).current, true);
    fs.utimesSync(archive, new Date('2026-02-03T04:05:06Z'), new Date('2026-02-03T04:05:06Z'));
    const touched = await counted(() => freshness.check(dir, archive));
    assert.equal(touched.answer.current, true);
    assert.deepEqual([touched.read, touched.inflated], [fs.statSync(archive).size, 0], 'the archive read once for its digest; the folder not read');
    fs.writeFileSync(path.join(dir, 'values.yaml'), 'replicas: 2\n');
    await packageChart(dir, { outDir: path.dirname(dir) });
    fs.writeFileSync(path.join(dir, 'values.yaml'), 'replicas: 1\n');
    const repackaged = await counted(() => freshness.check(dir, archive));
    assert.equal(names(repackaged.answer), 'values.yaml changed since packaging');
    assert.ok(repackaged.inflated > 0, 'new bytes: the archive is read into a manifest again');
  });

  test('new bytes are read and inflated once for the check and the comparison together', async () => {
    const { dir, archive } = await packagedChart('once', { 'values.yaml': 'replicas: 1\n', 'files/blob.bin': randomBytes(256 * 1024) });
    const facts = new ArchiveFactsCache();
    const freshness = new SourceFreshness(facts);
    assert.deepEqual((await freshness.check(dir, archive)).current, true);
    fs.writeFileSync(path.join(dir, 'values.yaml'), 'replicas: 2\n');
    await packageChart(dir, { outDir: path.dirname(dir) });
    freshness.sourceChanged(dir);
    const tar = zlib.gunzipSync(fs.readFileSync(archive)).length;
    // As in the server: the `.prov`'s check finds the archive's facts, then its chart is compared.
    resetWork();
    await facts.get(archive);
    assert.equal(workDone()['bytes-inflated'], tar, 'the check inflates the archive once');
    const compared = await counted(() => freshness.check(dir, archive));
    assert.equal(compared.answer.current, true);
    assert.equal(compared.inflated, 0, 'the comparison walks the tar the check inflated');
    const folder = fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).reduce((n, e) => n + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
    // The folder is read (Chart.yaml twice: loaded, then rewritten); the archive (about as large) is not.
    assert.ok(compared.read >= folder && compared.read - folder < fs.statSync(archive).size / 2, `${compared.read} bytes read for a ${folder}-byte folder`);
  });

  test('a file whose size changed is not hashed: sizes are compared first', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, 7);
    const { dir, archive } = await packagedChart('big', { 'files/big.bin': big });
    const freshness = new SourceFreshness(new ArchiveFactsCache());
    assert.deepEqual((await freshness.check(dir, archive)).current, true);
    fs.appendFileSync(path.join(dir, 'files', 'big.bin'), 'x');
    freshness.sourceChanged(dir);
    const changed = await counted(() => freshness.check(dir, archive));
    assert.equal(names(changed.answer), 'files/big.bin changed since packaging');
    assert.ok(changed.hashed < big.length, `${changed.hashed} bytes hashed: the 4 MiB file was hashed`);
  });

  test(`an archive holding more than ${MAX_COMPARED_BYTES / 1048576} MiB is not compared, and its folder not read`, async () => {
    const files: Record<string, Buffer> = {};
    const part = Buffer.alloc(5 * 1024 * 1024 - 1024);
    for (let i = 0; i * part.length <= MAX_COMPARED_BYTES; i++) files[`files/part${i}.bin`] = part;
    const { dir, archive } = await packagedChart('huge', files);
    // As in the server, the archive's facts (its digest) are known before its chart is compared.
    const facts = new ArchiveFactsCache();
    await facts.get(archive);
    const answer = await counted(() => new SourceFreshness(facts).check(dir, archive));
    assert.equal(answer.answer.current, undefined);
    assert.match((answer.answer as { notCompared: string }).notCompared, /huge-0\.1\.0\.tgz holds more than 32 MiB/);
    const archiveBytes = fs.statSync(archive).size;
    assert.ok(answer.read <= archiveBytes, `${answer.read} bytes read: more than the archive (${archiveBytes}), so the folder was read`);
  });

  test('names up to three files, then "and N more"', () => {
    const d = (p: string, kind: 'changed' | 'only-in-source' | 'only-in-archive' = 'changed') => ({ path: p, kind });
    assert.equal(outOfDateText({ differences: [d('a'), d('b')], total: 2 }, (n) => n), 'a and b changed since packaging');
    assert.equal(outOfDateText({ differences: [d('a'), d('b', 'only-in-source'), d('c', 'only-in-archive')], total: 3 }, (n) => n), 'a, b (new) and c (removed) changed since packaging');
    assert.equal(outOfDateText({ differences: [d('a'), d('b'), d('c'), d('d')], total: 60 }, (n) => n), 'a, b, c and 57 more changed since packaging');
  });
});
