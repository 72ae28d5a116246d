import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { writeFileAtomic } from '../../server/src/provenance/atomicWrite';
import { readChartArchive } from '../../server/src/provenance/archive';
import { DEFAULT_MTIME, packageChart, planPackage, sourceDateEpochFromEnv, type PackageOptions } from '../../server/src/provenance/package';
import { resetWork, workDone } from '../../server/src/provenance/work';
import { tempDir } from '../support/tools';

const work = tempDir('package-test-');
after(() => fs.rmSync(work, { recursive: true, force: true }));
let counter = 0;

/** A small chart in a fresh directory; `files` adds or replaces files (null removes). */
function makeChart(files: Record<string, string | null> = {}, name = 'demo'): string {
  const root = path.join(work, `c${counter++}`, name);
  const all: Record<string, string | null> = {
    'Chart.yaml': `apiVersion: v2\nname: ${name}\nversion: 0.1.0\ndescription: A chart\n`,
    'values.yaml': 'replicas: 1\n',
    'templates/cm.yaml': 'kind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n',
    '.helmignore': '*.bak\n',
    ...files,
  };
  for (const [rel, content] of Object.entries(all)) {
    if (content === null) continue;
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
  return root;
}

async function pack(dir: string, options: Partial<PackageOptions> = {}) {
  return packageChart(dir, { outDir: path.join(dir, '..', 'out'), ...options });
}

async function refused(dir: string, code: string, message: RegExp): Promise<void> {
  const out = path.join(dir, '..', 'out');
  const r = await packageChart(dir, { outDir: out });
  assert.equal(r.ok, false, 'expected packaging to be refused');
  if (r.ok) return;
  assert.equal(r.error.code, code, r.error.message);
  assert.match(r.error.message, message);
  assert.deepEqual(fs.existsSync(out) ? fs.readdirSync(out) : [], [], 'nothing is left behind');
}

/** mtime field of the first tar header, and the gzip header's time and OS bytes. */
function headerFacts(archive: string): { mtime: number; gzipTime: number; os: number } {
  const bytes = fs.readFileSync(archive);
  const tar = zlib.gunzipSync(bytes);
  return { mtime: parseInt(tar.toString('latin1', 136, 147), 8), gzipTime: bytes.readUInt32LE(4), os: bytes[9] };
}

describe('reproducible archives', () => {
  test('packaging twice gives identical bytes, whatever the files’ times', async () => {
    const dir = makeChart();
    const first = await pack(dir, { outDir: path.join(dir, '..', 'one') });
    const later = new Date('2031-02-03T04:05:06Z');
    for (const f of ['Chart.yaml', 'values.yaml', 'templates/cm.yaml']) fs.utimesSync(path.join(dir, f), later, later);
    const second = await pack(dir, { outDir: path.join(dir, '..', 'two') });
    assert.ok(first.ok && second.ok);
    assert.ok(fs.readFileSync(first.value.archivePath).equals(fs.readFileSync(second.value.archivePath)));
  });

  test('times: SOURCE_DATE_EPOCH option, environment, default; gzip header without time, OS unknown', async () => {
    const dir = makeChart();
    const given = await pack(dir, { sourceDateEpoch: 1_700_000_000 });
    assert.ok(given.ok);
    assert.deepEqual(headerFacts(given.value.archivePath), { mtime: 1_700_000_000, gzipTime: 0, os: 255 });
    const saved = process.env.SOURCE_DATE_EPOCH;
    try {
      process.env.SOURCE_DATE_EPOCH = '1600000000';
      const fromEnv = await pack(dir);
      assert.ok(fromEnv.ok);
      assert.equal(headerFacts(fromEnv.value.archivePath).mtime, 1_600_000_000);
      process.env.SOURCE_DATE_EPOCH = 'yesterday';
      const bad = await pack(dir);
      assert.equal(!bad.ok && bad.error.code, 'chart-invalid');
      assert.match(!bad.ok ? bad.error.message : '', /SOURCE_DATE_EPOCH="yesterday"/);
      delete process.env.SOURCE_DATE_EPOCH;
      const plain = await pack(dir);
      assert.ok(plain.ok);
      assert.equal(headerFacts(plain.value.archivePath).mtime, DEFAULT_MTIME);
    } finally {
      if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH; else process.env.SOURCE_DATE_EPOCH = saved;
    }
    assert.deepEqual(sourceDateEpochFromEnv({ SOURCE_DATE_EPOCH: '12' }), { ok: true, value: 12 });
    assert.equal(sourceDateEpochFromEnv({ SOURCE_DATE_EPOCH: '99999999999' }).ok, false);
  });

  test('entries: Helm order, regular files 0644 owned by 0/0, no directories, names readable by tar and by us', async () => {
    const long = `deep/${'d'.repeat(60)}/${'e'.repeat(60)}/file.txt`;
    const dir = makeChart({ 'ünïcode.txt': 'u\n', [long]: 'l\n', 'run.sh': '#!/bin/sh\n', 'notes.bak': 'ignored\n' });
    fs.chmodSync(path.join(dir, 'run.sh'), 0o755);
    const r = await pack(dir);
    assert.ok(r.ok, !r.ok ? r.error.message : '');
    assert.deepEqual(r.value.entries, [
      'demo/Chart.yaml', 'demo/values.yaml', 'demo/templates/cm.yaml', 'demo/.helmignore', `demo/${long}`, 'demo/run.sh', 'demo/ünïcode.txt',
    ]);
    const listing = execFileSync('tar', ['tvzf', r.value.archivePath, '--numeric-owner'], { encoding: 'utf8' }).trim().split('\n');
    assert.equal(listing.length, r.value.entries.length);
    for (const line of listing) assert.match(line, /^-rw-r--r-- 0\/0 /);
    assert.deepEqual(execFileSync('tar', ['tzf', r.value.archivePath], { encoding: 'utf8' }).trim().split('\n'), r.value.entries);
    const read = await readChartArchive(r.value.archivePath);
    assert.ok(read.ok, !read.ok ? read.error.message : '');
    assert.equal(read.value.chartYaml, 'apiVersion: v2\ndescription: A chart\nname: demo\nversion: 0.1.0\n');
  });

  test('a non-ASCII chart name: PAX headers as Go writes them, read back by us', async () => {
    const dir = makeChart({ 'Chart.yaml': 'apiVersion: v2\nname: zoë\nversion: 0.1.0\n' }, 'zoë');
    const r = await pack(dir);
    assert.ok(r.ok, !r.ok ? r.error.message : '');
    assert.equal(path.basename(r.value.archivePath), 'zoë-0.1.0.tgz');
    const read = await readChartArchive(r.value.archivePath);
    assert.ok(read.ok, !read.ok ? read.error.message : '');
    assert.equal(read.value.chartDir, 'zoë');
  });

  test('packaging into the chart directory twice: the archive never packs itself', async () => {
    const dir = makeChart();
    const first = await packageChart(dir, { outDir: dir });
    assert.ok(first.ok);
    const bytes = fs.readFileSync(first.value.archivePath);
    fs.writeFileSync(`${first.value.archivePath}.prov`, 'old signature\n');
    const second = await packageChart(dir, { outDir: dir });
    assert.ok(second.ok);
    assert.ok(fs.readFileSync(second.value.archivePath).equals(bytes));
    assert.ok(!second.value.entries.some((e) => e.endsWith('.tgz') || e.endsWith('.prov')));
    assert.equal(second.value.warnings.length, 2);
    assert.match(second.value.warnings[0].message, /archive being written/);
  });

  test('stale packages inside the chart are packaged as Helm does, with a warning', async () => {
    const dir = makeChart({ 'old-9.9.9.tgz': 'stale', 'old-9.9.9.tgz.prov': 'stale' });
    const r = await pack(dir);
    assert.ok(r.ok);
    assert.ok(r.value.entries.includes('demo/old-9.9.9.tgz'));
    assert.equal(r.value.warnings.filter((w) => /stale package/.test(w.message)).length, 2);
  });

  test('Chart.yaml and Chart.lock are written as Helm writes them; a BOM is dropped', async () => {
    const dir = makeChart({
      'Chart.yaml': '\ufeff# comment\nname: demo\nversion: 0.1.0\napiVersion: v2\nappVersion: 1.0\ndependencies:\n  - name: sub\n    version: 1.0.0\n    repository: ""\n',
      'Chart.lock': 'dependencies:\n- name: sub\n  repository: ""\n  version: 1.0.0\ndigest: sha256:x\ngenerated: "2024-01-02T03:04:05.600+00:00"\n',
      'charts/sub/Chart.yaml': 'apiVersion: v2\nname: sub\nversion: 1.0.0\n',
      'README.md': '\ufeffhello\n',
    });
    const r = await pack(dir);
    assert.ok(r.ok, !r.ok ? r.error.message : '');
    const show = (entry: string): string => execFileSync('tar', ['xzOf', r.value.archivePath, entry], { encoding: 'utf8' });
    assert.equal(show('demo/Chart.yaml'), 'apiVersion: v2\nappVersion: "1"\ndependencies:\n- name: sub\n  repository: ""\n  version: 1.0.0\nname: demo\nversion: 0.1.0\n');
    assert.equal(show('demo/Chart.lock'), 'dependencies:\n- name: sub\n  repository: ""\n  version: 1.0.0\ndigest: sha256:x\ngenerated: "2024-01-02T03:04:05.6Z"\n');
    assert.equal(show('demo/README.md'), 'hello\n');
    assert.deepEqual(r.value.entries.slice(0, 2), ['demo/Chart.yaml', 'demo/Chart.lock']);
    assert.ok(r.value.entries.includes('demo/charts/sub/Chart.yaml'));
  });

  test('subchart archives are unpacked into charts/<name>/, charts/_* and charts/.* are skipped', async () => {
    const sub = makeChart({}, 'inner');
    const packed = await pack(sub);
    assert.ok(packed.ok);
    const dir = makeChart({ 'charts/_notes.txt': 'x', 'charts/.hidden/Chart.yaml': 'junk' });
    fs.copyFileSync(packed.value.archivePath, path.join(dir, 'charts', 'inner-0.1.0.tgz'));
    const r = await pack(dir);
    assert.ok(r.ok, !r.ok ? r.error.message : '');
    assert.deepEqual(r.value.entries.filter((e) => e.includes('/charts/')), [
      'demo/charts/inner/Chart.yaml', 'demo/charts/inner/values.yaml', 'demo/charts/inner/templates/cm.yaml', 'demo/charts/inner/.helmignore',
    ]);
  });
});

describe('refused chart directories', () => {
  test('a symlink to a file outside the chart (never embedded)', async () => {
    const dir = makeChart();
    fs.symlinkSync('/etc/passwd', path.join(dir, 'passwd'));
    await refused(dir, 'chart-unsafe-path', /passwd is a symbolic link to \/etc\/passwd, outside the chart directory/);
  });
  test('a symlink to /dev/zero', async () => {
    const dir = makeChart();
    fs.symlinkSync('/dev/zero', path.join(dir, 'templates', 'zero.yaml'));
    await refused(dir, 'chart-unsafe-path', /outside the chart directory/);
  });
  test('a symlink to a directory outside the chart', async () => {
    const dir = makeChart();
    fs.symlinkSync(work, path.join(dir, 'everything'));
    await refused(dir, 'chart-unsafe-path', /outside the chart directory/);
  });
  test('a directory symlink looping back to the chart', async () => {
    const dir = makeChart();
    fs.symlinkSync('..', path.join(dir, 'templates', 'loop'));
    await refused(dir, 'chart-unsafe-path', /loop/);
  });
  test('symlinks pointing at each other', async () => {
    const dir = makeChart();
    fs.symlinkSync('b', path.join(dir, 'a'));
    fs.symlinkSync('a', path.join(dir, 'b'));
    await refused(dir, 'chart-unsafe-path', /loop/);
  });
  test('a broken symlink', async () => {
    const dir = makeChart();
    fs.symlinkSync('nowhere', path.join(dir, 'dangling'));
    await refused(dir, 'chart-unsafe-path', /broken symbolic link/);
  });
  test('a FIFO (never opened, so no hang)', async () => {
    const dir = makeChart();
    execFileSync('mkfifo', [path.join(dir, 'pipe')]);
    await refused(dir, 'chart-unsafe-path', /not a regular file/);
  });
  test('a 200 MB file (Helm refuses files over 5 MiB)', async () => {
    const dir = makeChart();
    fs.closeSync(fs.openSync(path.join(dir, 'big.bin'), 'w'));
    fs.truncateSync(path.join(dir, 'big.bin'), 200 * 1024 * 1024);
    await refused(dir, 'archive-too-large', /big\.bin is 200\.0 MiB; Helm refuses files over 5 MiB/);
  });
  test('file names with a newline, a backslash, or bytes that are not UTF-8', async () => {
    const newline = makeChart({ 'new\nline.txt': 'x' });
    await refused(newline, 'chart-invalid', /control character/);
    const ignored = await pack(makeChart({ 'new\nline.txt': 'x', '.helmignore': 'new?line.txt\n' }));
    assert.ok(ignored.ok, 'an ignored odd name is fine');
    const backslash = makeChart({ 'a\\b.txt': 'x' });
    await refused(backslash, 'chart-invalid', /backslash/);
    const latin1 = makeChart();
    fs.writeFileSync(Buffer.concat([Buffer.from(`${latin1}/`), Buffer.from([0xe9, 0x2e, 0x74, 0x78, 0x74])]), 'x');
    await refused(latin1, 'chart-invalid', /UTF-8/);
  });
  test('Chart.yaml that Helm would misread or that is ambiguous', async () => {
    await refused(makeChart({ 'Chart.yaml': 'apiVersion: v2\nname: on\nversion: 1.0.0\n' }), 'chart-invalid', /name: on .*"true"/);
    await refused(makeChart({ 'Chart.yaml': 'apiVersion: v2\nname: demo\nversion: 1.10\n' }), 'chart-invalid', /"1\.1"/);
    await refused(makeChart({ 'Chart.yaml': 'apiVersion: v2\nname: demo\nversion: 010\n' }), 'chart-invalid', /"8"/);
    await refused(makeChart({ 'Chart.yaml': 'apiVersion: v2\nname: demo\nversion: 1.0.0\nversion: 2.0.0\n' }), 'chart-invalid', /unique|duplicate/);
    await refused(makeChart({ 'Chart.yaml': 'apiVersion: v2\nname: demo\nversion: 1.0.0\n---\nname: other\n' }), 'chart-invalid', /YAML documents/);
  });
  test('no Chart.yaml, or one that .helmignore leaves out', async () => {
    await refused(makeChart({ 'Chart.yaml': null }), 'chart-invalid', /Chart\.yaml is missing/);
    await refused(makeChart({ '.helmignore': 'Chart.yaml\n' }), 'chart-invalid', /missing \(or ignored by \.helmignore\)/);
  });
  test('Chart.yaml or .helmignore linked from outside', async () => {
    const outside = path.join(work, 'outside.yaml');
    fs.writeFileSync(outside, 'apiVersion: v2\nname: demo\nversion: 0.1.0\n');
    const dir = makeChart({ 'Chart.yaml': null, '.helmignore': null });
    fs.symlinkSync(outside, path.join(dir, 'Chart.yaml'));
    await refused(dir, 'chart-unsafe-path', /Chart\.yaml is a symbolic link/);
    const dir2 = makeChart({ '.helmignore': null });
    fs.symlinkSync(outside, path.join(dir2, '.helmignore'));
    await refused(dir2, 'chart-unsafe-path', /\.helmignore is a symbolic link/);
  });
  test('a dependency missing from charts/, as helm package checks', async () => {
    await refused(makeChart({ 'Chart.yaml': 'apiVersion: v2\nname: demo\nversion: 0.1.0\ndependencies:\n  - name: db\n    repository: ""\n' }), 'chart-invalid', /missing in charts\/ directory: db/);
  });
  test('a damaged or hostile subchart archive', async () => {
    await refused(makeChart({ 'charts/bad-1.0.0.tgz': 'not gzip' }), 'archive-invalid', /charts\/bad-1\.0\.0\.tgz/);
    const bomb = makeChart({ 'charts/.keep': '' });
    const member = zlib.gzipSync(Buffer.alloc(1024 * 1024));
    fs.writeFileSync(path.join(bomb, 'charts', 'bomb-1.0.0.tgz'), Buffer.concat(Array.from({ length: 1024 }, () => member)));
    await refused(bomb, 'archive-too-large', /inflates/);
  });
  test('subchart archives nested deeper than 10', async () => {
    let archive = Buffer.alloc(0);
    let previous: string | undefined;
    for (let level = 0; level <= 11; level++) {
      const name = `n${level}`;
      const dir = makeChart({ 'Chart.yaml': `apiVersion: v2\nname: ${name}\nversion: 1.0.0\n` }, name);
      if (previous) {
        fs.mkdirSync(path.join(dir, 'charts'));
        fs.writeFileSync(path.join(dir, 'charts', `${previous}-1.0.0.tgz`), archive);
      }
      const r = await pack(dir);
      if (level <= 10) {
        assert.ok(r.ok, `level ${level}: ${!r.ok && r.error.message}`);
        archive = fs.readFileSync(r.value.archivePath);
      } else {
        assert.equal(!r.ok && r.error.code, 'archive-too-large');
        assert.match(!r.ok ? r.error.message : '', /nest more than 10 deep/);
      }
      previous = name;
    }
  });
  test('a symlink inside the chart is followed, as Helm does; an ignored one outside is harmless', async () => {
    const dir = makeChart({ 'real/file.txt': 'r\n', '.helmignore': 'etc\n' });
    fs.symlinkSync('real', path.join(dir, 'linked'));
    fs.symlinkSync('real/file.txt', path.join(dir, 'alias.txt'));
    fs.symlinkSync('/etc', path.join(dir, 'etc'));
    const r = await pack(dir);
    assert.ok(r.ok, !r.ok ? r.error.message : '');
    assert.deepEqual(r.value.entries.filter((e) => /real|linked|alias|etc/.test(e)), ['demo/alias.txt', 'demo/linked/file.txt', 'demo/real/file.txt']);
  });
  test('each file is read once: Chart.yaml and .helmignore, read before the walk, are not read again', async () => {
    const dir = makeChart({ 'ignore-rules': '*.bak\n', '.helmignore': null, 'x.bak': 'left out\n' });
    fs.symlinkSync('ignore-rules', path.join(dir, '.helmignore'));
    const sizes = ['Chart.yaml', 'values.yaml', 'templates/cm.yaml', 'ignore-rules'].map((f) => fs.statSync(path.join(dir, f)).size);
    resetWork();
    const plan = await planPackage(dir, path.join(dir, '..', 'out'));
    const read = workDone()['bytes-read'];
    assert.ok(plan.ok, !plan.ok ? plan.error.message : '');
    // .helmignore (a link) and the file it leads to are both packaged, from one read.
    assert.deepEqual(plan.value.files.map((f) => f.path), ['demo/Chart.yaml', 'demo/values.yaml', 'demo/templates/cm.yaml', 'demo/.helmignore', 'demo/ignore-rules']);
    assert.equal(read, sizes.reduce((x, y) => x + y, 0));
  });
  test('the walk yields to the event loop after every 4 MiB read, not only every 200 entries', async () => {
    const big = 'x'.repeat(1536 * 1024);
    const dir = makeChart({ 'files/a.txt': big, 'files/b.txt': big, 'files/c.txt': big, 'files/d.txt': big, 'files/e.txt': big, 'files/f.txt': big });
    const real = global.setImmediate;
    let yields = 0;
    global.setImmediate = ((...args: Parameters<typeof setImmediate>) => { yields++; return real(...args); }) as typeof setImmediate;
    let plan: Awaited<ReturnType<typeof planPackage>>;
    try {
      plan = await planPackage(dir, path.join(dir, '..', 'out'));
    } finally {
      global.setImmediate = real;
    }
    assert.ok(plan.ok, !plan.ok ? plan.error.message : '');
    // 9 MiB in six files and a few small ones: a yield after each 4 MiB (none by the count of entries).
    assert.equal(yields, 2);
  });
  test('a chart directory that is not one', async () => {
    const r = await packageChart(path.join(work, 'does-not-exist'), { outDir: work });
    assert.equal(!r.ok && r.error.code, 'io-error');
    const file = path.join(work, 'plain-file');
    fs.writeFileSync(file, 'x');
    const f = await packageChart(file, { outDir: work });
    assert.equal(!f.ok && f.error.code, 'chart-invalid');
  });
});

describe('writeFileAtomic', () => {
  test('writes, replaces, and leaves no temp files', async () => {
    const dir = path.join(work, 'atomic');
    fs.mkdirSync(dir);
    const target = path.join(dir, 'x.tgz');
    assert.ok((await writeFileAtomic(target, 'one')).ok);
    assert.ok((await writeFileAtomic(target, Buffer.from('two'))).ok);
    assert.equal(fs.readFileSync(target, 'utf8'), 'two');
    assert.deepEqual(fs.readdirSync(dir), ['x.tgz']);
  });
  test('a failure leaves the old file and nothing else', async () => {
    const dir = path.join(work, 'atomic-fail');
    fs.mkdirSync(dir);
    const target = path.join(dir, 'x.tgz');
    fs.writeFileSync(target, 'good');
    const inDirectory = await writeFileAtomic(path.join(dir, 'missing', 'y'), 'data');
    assert.equal(!inDirectory.ok && inDirectory.error.code, 'io-error');
    fs.mkdirSync(path.join(dir, 'sub'));
    const ontoDirectory = await writeFileAtomic(path.join(dir, 'sub'), 'data');
    assert.equal(ontoDirectory.ok, false);
    assert.equal(fs.readFileSync(target, 'utf8'), 'good');
    assert.deepEqual(fs.readdirSync(dir).sort(), ['sub', 'x.tgz']);
  });
});
