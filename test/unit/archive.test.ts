import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { readChartArchive, readChartArchiveBytes } from '../../server/src/provenance/archive';
import { DEFAULT_ARCHIVE_LIMITS, MAX_ENTRIES, type ArchiveLimits } from '../../server/src/provenance/archiveLimits';
import { sha256File } from '../../server/src/provenance/hash';
import { paxEntry, tar as tarStream, tarEntry, tarHeader, type TarEntry } from '../support/tar';
import { fixtures, signedCases, tempDir } from '../support/tools';

// ---- Short names for this file's archives, over the tests' one tar writer.

const entry = (h: TarEntry, data: string | Buffer = ''): Buffer => tarEntry({ ...h, data });
const file = (name: string, data: string | Buffer = 'x\n'): Buffer => entry({ name }, data);
const dir = (name: string): Buffer => entry({ name, type: '5', mode: 0o755 });
const pax = (records: Record<string, string>, type = 'x'): Buffer => paxEntry(records, type === 'g');
const tar = (...parts: Buffer[]): Buffer => tarStream(parts);
const gz = (data: Buffer): Buffer => zlib.gzipSync(data);
const chartYaml = (name = 'c', version = '1.0.0'): string => `apiVersion: v2\nname: ${name}\nversion: ${version}\n`;
const goodParts = (top = 'c'): Buffer[] => [file(`${top}/Chart.yaml`, chartYaml(top)), file(`${top}/values.yaml`, 'a: 1\n'), file(`${top}/templates/cm.yaml`, 'kind: ConfigMap\n')];

const work = tempDir('archive-test-');
after(() => fs.rmSync(work, { recursive: true, force: true }));
let counter = 0;

async function read(bytes: Buffer, limits?: Partial<ArchiveLimits>) {
  const p = path.join(work, `a${counter++}.tgz`);
  fs.writeFileSync(p, bytes);
  return readChartArchive(p, limits);
}

async function rejects(bytes: Buffer, code: string, message?: RegExp, limits?: Partial<ArchiveLimits>): Promise<void> {
  const r = await read(bytes, limits);
  assert.equal(r.ok, false, 'expected the archive to be refused');
  if (r.ok) return;
  assert.equal(r.error.code, code, r.error.message);
  if (message) assert.match(r.error.message, message);
}

describe('reading real chart archives', () => {
  const cases = fs.readdirSync(signedCases).sort();
  for (const name of cases) {
    const archives = fs.readdirSync(path.join(signedCases, name)).filter((f) => f.endsWith('.tgz'));
    for (const archive of archives) {
      test(`signed case ${name}/${archive}`, async () => {
        const p = path.join(signedCases, name, archive);
        const r = await readChartArchive(p);
        if (name === 'tgz-byte-flipped') {
          assert.equal(r.ok, false);
          assert.equal(!r.ok && r.error.code, 'archive-invalid');
          return;
        }
        assert.ok(r.ok, !r.ok ? r.error.message : '');
        assert.equal(r.value.chartDir, r.value.metadata.name);
        assert.ok(r.value.entries.some((e) => e.path === `${r.value.chartDir}/Chart.yaml`));
        assert.equal(r.value.sha256, createHash('sha256').update(fs.readFileSync(p)).digest('hex'));
        assert.deepEqual(r.value.problems, []);
      });
    }
  }

  test("Helm's test data, including a chart with a subchart", async () => {
    const hashtest = await readChartArchive(path.join(fixtures, 'helm-testdata', 'hashtest-1.2.3.tgz'));
    assert.ok(hashtest.ok);
    assert.deepEqual([hashtest.value.metadata.name, hashtest.value.metadata.version], ['hashtest', '1.2.3']);
    const signtest = await readChartArchive(path.join(fixtures, 'helm-testdata', 'cmd-signtest', 'signtest-0.1.0.tgz'));
    assert.ok(signtest.ok);
    assert.equal(signtest.value.metadata.name, 'signtest');
    assert.ok(signtest.value.entries.some((e) => e.path === 'signtest/alpine/Chart.yaml'), 'the nested chart is listed, its Chart.yaml ignored');
  });

  test("Helm's own gzip header (FEXTRA field and a comment) is read", async () => {
    const p = path.join(signedCases, 'valid-rsa2048', 'devapp-1.2.3.tgz');
    const bytes = fs.readFileSync(p);
    assert.equal(bytes[3] & 0x04, 0x04, 'fixture has FEXTRA');
    assert.ok((await readChartArchive(p)).ok);
  });

  test('the digest matches sha256File, which streams any size', async () => {
    const p = path.join(signedCases, 'valid-ed25519', 'devapp-1.2.3.tgz');
    const digest = await sha256File(p);
    const archive = await readChartArchive(p);
    assert.ok(digest.ok && archive.ok);
    assert.equal(digest.value.hex, archive.value.sha256);
    assert.equal(digest.value.size, fs.statSync(p).size);
    const big = path.join(work, 'big.bin');
    fs.writeFileSync(big, Buffer.alloc(3 * 1024 * 1024 + 17, 7));
    const bigDigest = await sha256File(big);
    assert.ok(bigDigest.ok);
    assert.equal(bigDigest.value.hex, createHash('sha256').update(fs.readFileSync(big)).digest('hex'));
    const missing = await sha256File(path.join(work, 'nope.tgz'));
    assert.equal(!missing.ok && missing.error.code, 'io-error');
  });
});

describe('well-formed variants are accepted', () => {
  test('directory entries, GNU magic, long names through PAX, USTAR prefix and GNU L', async () => {
    const long = `c/templates/${'d'.repeat(90)}/${'e'.repeat(40)}.yaml`;
    const r = await read(gz(tar(
      dir('c/'), dir('c/templates/'),
      ...goodParts(),
      entry({ name: 'c/gnu.txt', magic: 'gnu' }, 'g'),
      pax({ path: 'c/ünïcode.txt' }), entry({ name: 'c/nicode.txt' }, 'u'),
      entry({ name: long.slice(long.lastIndexOf('/') + 1), prefix: long.slice(0, long.lastIndexOf('/')) }, 'p'),
      entry({ name: '././@LongLink', type: 'L' }, `c/${'l'.repeat(150)}\0`), entry({ name: `c/${'l'.repeat(99)}` }, 'l'),
      pax({ comment: 'git archive writes this' }, 'g'),
    )));
    assert.ok(r.ok, !r.ok ? r.error.message : '');
    const paths = r.value.entries.map((e) => e.path);
    assert.ok(paths.includes('c/ünïcode.txt'));
    assert.ok(paths.includes(long));
    assert.ok(paths.includes(`c/${'l'.repeat(150)}`));
    assert.deepEqual(r.value.entries.find((e) => e.path === 'c/templates'), { path: 'c/templates', type: 'directory', size: 0 });
  });

  test("a non-ASCII chart name, with the plain-header names Go's writer (Helm) puts next to PAX paths", async () => {
    const r = await read(gz(tar(
      pax({ path: 'ünï/Chart.yaml' }), file('n/Chart.yaml', chartYaml('ünï')),
      pax({ path: `ünï/${'x'.repeat(120)}` }), file(`n/${'x'.repeat(98)}`),
    )));
    assert.ok(r.ok, !r.ok ? r.error.message : '');
    assert.equal(r.value.chartDir, 'ünï');
  });

  test('multi-member gzip', async () => {
    const t = tar(...goodParts());
    const r = await read(Buffer.concat([gz(t.subarray(0, 700)), gz(t.subarray(700))]));
    assert.ok(r.ok, !r.ok ? r.error.message : '');
  });

  test('zero padding after the gzip stream and after the tar end marker (tape blocks)', async () => {
    assert.ok((await read(Buffer.concat([gz(tar(...goodParts())), Buffer.alloc(512)]))).ok);
    assert.ok((await read(gz(Buffer.concat([tar(...goodParts()), Buffer.alloc(10240)])))).ok);
  });

  test('a tar without end marker, like Go accepts', async () => {
    assert.ok((await read(gz(Buffer.concat(goodParts())))).ok);
  });

  test('a UTF-8 BOM before Chart.yaml is dropped, as Helm does', async () => {
    const r = await read(gz(tar(file('c/Chart.yaml', `\ufeff${chartYaml()}`))));
    assert.ok(r.ok, !r.ok ? r.error.message : '');
    assert.equal(r.value.chartYaml, chartYaml());
  });

  test('names differing only in case are a warning, not an error', async () => {
    const r = await read(gz(tar(...goodParts(), file('c/templates/A.yaml'), file('c/templates/a.yaml'))));
    assert.ok(r.ok);
    assert.equal(r.value.problems.length, 1);
    assert.equal(r.value.problems[0].severity, 'warning');
    assert.match(r.value.problems[0].message, /differ only in case/);
  });

  test('requirements.yaml dependencies of a v1 chart join its metadata, as Helm loads them', async () => {
    const r = await read(gz(tar(
      file('c/Chart.yaml', 'apiVersion: v1\nname: c\nversion: 1.0.0\n'),
      file('c/requirements.yaml', 'dependencies:\n- name: sub\n  version: 1.0.0\n  repository: https://x\n'),
    )));
    assert.ok(r.ok, !r.ok ? r.error.message : '');
    assert.deepEqual(r.value.metadata.dependencies, [{ name: 'sub', version: '1.0.0', repository: 'https://x' }]);
  });
});

describe('hostile archives are refused with a code', () => {
  const cases: Array<[string, () => Buffer, string, RegExp]> = [
    ['../ path', () => gz(tar(...goodParts(), file('c/../../etc/passwd'))), 'archive-invalid', /escape/],
    ['.. as a whole name', () => gz(tar(...goodParts(), file('..'))), 'archive-invalid', /escape/],
    ['. component', () => gz(tar(file('./c/Chart.yaml', chartYaml()))), 'archive-invalid', /"\." and empty/],
    ['empty component', () => gz(tar(...goodParts(), file('c//x'))), 'archive-invalid', /empty path/],
    ['absolute path', () => gz(tar(...goodParts(), file('/etc/cron.d/x'))), 'archive-invalid', /absolute/],
    ['drive letter', () => gz(tar(...goodParts(), file('C:/x'))), 'archive-invalid', /drive-letter/],
    ['backslash', () => gz(tar(...goodParts(), file('c\\..\\..\\x'))), 'archive-invalid', /backslash/],
    ['newline in a name', () => gz(tar(...goodParts(), file('c/a\nb'))), 'archive-invalid', /control character/],
    ['non-UTF-8 name', () => gz(tar(...goodParts(), entry({ name: Buffer.from('c/\xff\xfe', 'latin1') }))), 'archive-invalid', /UTF-8/],
    ['PAX path escaping', () => gz(tar(...goodParts(), pax({ path: 'c/../../../etc/x' }), file('c/innocent'))), 'archive-invalid', /escape/],
    ['PAX path renaming to Chart.yaml', () => gz(tar(file('c/Chart.yaml', chartYaml()), pax({ path: 'c/Chart.yaml' }), file('c/values.yaml', chartYaml('c', '9.9.9')))), 'archive-invalid', /renames/],
    ['PAX path moving to another directory', () => gz(tar(...goodParts(), pax({ path: 'd/x' }), file('c/x'))), 'archive-invalid', /outside its directory/],
    ['global PAX header with a path', () => gz(tar(pax({ path: 'c/Chart.yaml' }, 'g'), ...goodParts())), 'archive-invalid', /global PAX/],
    ['a global PAX header between a PAX header and its entry', () => gz(tar(...goodParts(), pax({ path: 'c/a' }), pax({ comment: 'x' }, 'g'), file('c/z'))), 'archive-invalid', /two extended headers/],
    ['PAX and GNU long name stacked', () => gz(tar(...goodParts(), pax({ path: 'c/a' }), entry({ name: '././@LongLink', type: 'L' }, 'c/b\0'), file('c/z'))), 'archive-invalid', /two extended headers/],
    ['damaged PAX record', () => gz(tar(...goodParts(), entry({ name: 'p', type: 'x' }, '99 path=c/x\n'), file('c/x'))), 'archive-invalid', /PAX/],
    ['PAX sparse file', () => gz(tar(...goodParts(), pax({ 'GNU.sparse.major': '1' }), file('c/s'))), 'archive-invalid', /sparse/],
    ['symbolic link', () => gz(tar(...goodParts(), entry({ name: 'c/templates/x.yaml', type: '2', linkname: '/etc/passwd' }))), 'archive-invalid', /symbolic link/],
    ['hard link', () => gz(tar(...goodParts(), entry({ name: 'c/h', type: '1', linkname: 'c/values.yaml' }))), 'archive-invalid', /hard link/],
    ['character device', () => gz(tar(...goodParts(), entry({ name: 'c/zero', type: '3' }))), 'archive-invalid', /character device/],
    ['block device', () => gz(tar(...goodParts(), entry({ name: 'c/sda', type: '4' }))), 'archive-invalid', /block device/],
    ['FIFO', () => gz(tar(...goodParts(), entry({ name: 'c/pipe', type: '6' }))), 'archive-invalid', /FIFO/],
    ['GNU sparse entry', () => gz(tar(...goodParts(), entry({ name: 'c/s', type: 'S' }))), 'archive-invalid', /sparse/],
    ['regular entry whose mode says symlink', () => gz(tar(...goodParts(), entry({ name: 'c/m', mode: 0o120777 }))), 'archive-invalid', /mode/],
    ['duplicate Chart.yaml', () => gz(tar(...goodParts(), file('c/Chart.yaml', chartYaml('c', '9.9.9')))), 'archive-invalid', /twice/],
    ['Chart.yaml twice, differing in case', () => gz(tar(...goodParts(), file('c/chart.yaml', chartYaml('c', '9.9.9')))), 'archive-invalid', /more than one Chart\.yaml/],
    ['only a lowercase chart.yaml', () => gz(tar(file('c/chart.yaml', chartYaml()))), 'archive-invalid', /no c\/Chart\.yaml.*case-sensitive/],
    ['no Chart.yaml at all', () => gz(tar(file('c/values.yaml'))), 'archive-invalid', /no c\/Chart\.yaml/],
    ['Chart.yaml at the top level', () => gz(tar(file('Chart.yaml', chartYaml()))), 'archive-invalid', /outside the chart's top directory/],
    ['two top-level directories', () => gz(tar(...goodParts(), file('d/Chart.yaml', chartYaml('d')))), 'archive-invalid', /more than one top-level/],
    ['top directory not the chart name', () => gz(tar(file('evil/Chart.yaml', chartYaml('good')))), 'archive-invalid', /not the chart name/],
    ['a file that is also a directory', () => gz(tar(...goodParts(), file('c/x'), file('c/x/y'))), 'archive-invalid', /both a file and a directory/],
    ['a single huge file (declared 200 MB)', () => gz(tar(...goodParts(), tarHeader({ name: 'c/huge' }, 200_000_000))), 'archive-too-large', /Helm refuses files over/],
    ['Chart.yaml over 1 MiB', () => gz(tar(file('c/Chart.yaml', `${chartYaml()}#${'x'.repeat(1024 * 1024)}\n`))), 'archive-too-large', /Chart\.yaml is/],
    ['Chart.yaml Helm would misread (version: 1.10)', () => gz(tar(file('c/Chart.yaml', 'apiVersion: v2\nname: c\nversion: 1.10\n'))), 'chart-invalid', /quote it/],
    ['Chart.yaml with two documents', () => gz(tar(file('c/Chart.yaml', `${chartYaml()}---\n${chartYaml('c', '9.9.9')}`))), 'chart-invalid', /2 YAML documents/],
    ['plain (uncompressed) tar', () => tar(...goodParts()), 'archive-invalid', /plain \(uncompressed\) tar/],
    ['not an archive', () => Buffer.from('apiVersion: v2\n'), 'archive-invalid', /not a gzip/],
    ['empty file', () => Buffer.alloc(0), 'archive-invalid', /empty/],
    ['truncated gzip', () => { const b = gz(tar(...goodParts())); return b.subarray(0, b.length >> 1); }, 'archive-invalid', /truncated/],
    ['tar truncated inside an entry', () => gz(Buffer.concat(goodParts()).subarray(0, 1100)), 'archive-invalid', /truncated/],
    ['trailing garbage after the gzip stream', () => Buffer.concat([gz(tar(...goodParts())), Buffer.from('garbage!')]), 'archive-invalid', /after the compressed data/],
    ['a second tar stream after the end marker', () => gz(Buffer.concat([tar(...goodParts()), tar(file('c/extra'))])), 'archive-invalid', /follows the end/],
    ['damaged end marker', () => gz(Buffer.concat([...goodParts(), Buffer.alloc(512), file('c/late')])), 'archive-invalid', /end marker/],
    ['header checksum mismatch', () => gz(tar(...goodParts(), entry({ name: 'c/x', badChecksum: true }))), 'archive-invalid', /checksum/],
    ['damaged gzip data', () => { const b = gz(tar(...goodParts())); b[40] ^= 0xff; return b; }, 'archive-invalid', /gzip|damaged|truncated|checksum|header/],
  ];
  for (const [name, build, code, message] of cases) {
    test(name, () => rejects(build(), code, message));
  }

  test('1 GiB of zeros in about 1 MB (1024 gzip members) stops at the size limit', async () => {
    const member = gz(Buffer.alloc(1024 * 1024));
    const bomb = Buffer.concat(Array.from({ length: 1024 }, () => member));
    assert.ok(bomb.length < 2 * 1024 * 1024);
    await rejects(bomb, 'archive-too-large', /inflates to more than 100 MiB/);
  });

  test('200 000 empty entries stop at the entry limit', async () => {
    // One header template; only the name's digits and the checksum change per entry.
    const template = tarHeader({ name: 'c/e000000' }, 0);
    const digitSum = (d: string): number => [...d].reduce((n, ch) => n + ch.charCodeAt(0), 0);
    const base = parseInt(template.toString('latin1', 148, 154), 8) - digitSum('000000');
    const entries = Buffer.alloc(200_000 * 512);
    for (let i = 0; i < 200_000; i++) {
      const at = i * 512;
      template.copy(entries, at);
      const digits = String(i).padStart(6, '0');
      entries.write(digits, at + 3, 'latin1');
      const sum = base + digitSum(digits);
      entries.write(`${sum.toString(8).padStart(6, '0')}\0 `, at + 148, 'latin1');
    }
    const bomb = zlib.gzipSync(Buffer.concat([file('c/Chart.yaml', chartYaml()), entries, Buffer.alloc(1024)]), { level: 1 });
    await rejects(bomb, 'archive-too-large', new RegExp(`more than ${MAX_ENTRIES} entries`));
  });

  test('smaller limits are honoured (uncompressed, entries, compressed, entry size)', async () => {
    const archive = gz(tar(...goodParts(), file('c/big', Buffer.alloc(8000))));
    await rejects(archive, 'archive-too-large', /inflates/, { uncompressedBytes: 4096 });
    await rejects(archive, 'archive-too-large', /entries/, { entries: 2 });
    await rejects(archive, 'archive-too-large', /over the/, { compressedBytes: 10 });
    await rejects(archive, 'archive-too-large', /refuses files over/, { entryBytes: 4096 });
    assert.equal(DEFAULT_ARCHIVE_LIMITS.entryBytes, 5 * 1024 * 1024);
  });

  test('subchart archives nested 10 and 20 deep are not inflated (only the top Chart.yaml counts)', async () => {
    for (const depth of [10, 20]) {
      let inner = gz(tar(file('n0/Chart.yaml', chartYaml('n0')), file('n0/big', Buffer.alloc(1024 * 1024))));
      for (let level = 1; level <= depth; level++) {
        inner = gz(tar(file(`n${level}/Chart.yaml`, chartYaml(`n${level}`)), file(`n${level}/charts/n${level - 1}-1.0.0.tgz`, inner)));
      }
      const r = await read(inner);
      assert.ok(r.ok, !r.ok ? r.error.message : '');
      assert.equal(r.value.metadata.name, `n${depth}`);
      assert.ok(r.value.uncompressedSize < 64 * 1024, `inflated ${r.value.uncompressedSize} bytes`);
    }
  });

  test('a directory, a missing file and a FIFO are not archives', async () => {
    const d = await readChartArchive(work);
    assert.equal(!d.ok && d.error.code, 'archive-invalid');
    const missing = await readChartArchive(path.join(work, 'missing.tgz'));
    assert.equal(!missing.ok && missing.error.code, 'io-error');
    const fifo = path.join(work, 'pipe.tgz');
    execFileSync('mkfifo', [fifo]);
    const r = await readChartArchive(fifo);
    assert.equal(!r.ok && r.error.code, 'archive-invalid');
    const hashed = await sha256File(fifo);
    assert.equal(!hashed.ok && hashed.error.code, 'io-error');
  });
});

describe('small archives are read whole, large ones streamed: the same answers', () => {
  const { randomBytes } = require('node:crypto') as typeof import('node:crypto');
  // Read whole (< 2 MiB); streamed from disk (> 2 MiB compressed); read whole but inflating past 16 MiB,
  // so streamed from memory.
  const shapes: Record<string, Buffer> = {
    small: gz(tar(...goodParts(), file('c/files/a.txt', 'x'.repeat(10_000)))),
    'large on disk': gz(tar(...goodParts(), file('c/files/random.bin', randomBytes(3 * 1024 * 1024)))),
    'small, inflating far': gz(tar(...goodParts(), ...[1, 2, 3, 4].map((i) => file(`c/files/zeros${i}.bin`, Buffer.alloc(4.5 * 1024 * 1024))))),
  };
  for (const [shape, bytes] of Object.entries(shapes)) {
    test(`${shape}: the chart, the sizes and the file's digest`, async () => {
      const fromDisk = await read(bytes);
      const inMemory = readChartArchiveBytes(bytes, 'x.tgz');
      assert.ok(fromDisk.ok && inMemory.ok, !fromDisk.ok ? fromDisk.error.message : '');
      assert.equal(fromDisk.value.sha256, createHash('sha256').update(bytes).digest('hex'));
      for (const field of ['chartDir', 'sha256', 'compressedSize', 'uncompressedSize', 'entries'] as const) {
        assert.deepEqual(fromDisk.value[field], inMemory.value[field], field);
      }
    });
    test(`${shape}: a truncated copy is refused the same way`, async () => {
      const cut = bytes.subarray(0, bytes.length - 100);
      const fromDisk = await read(cut);
      const inMemory = readChartArchiveBytes(cut, 'x.tgz');
      assert.equal(!fromDisk.ok && fromDisk.error.code, 'archive-invalid');
      assert.equal(!inMemory.ok && inMemory.error.code, 'archive-invalid');
    });
  }
  test('an entry over the size limit is refused whether read whole or streamed', async () => {
    const bytes = gz(tar(...goodParts(), file('c/files/huge.bin', Buffer.alloc(6 * 1024 * 1024))));
    await rejects(bytes, 'archive-too-large', /over|more than|limit/);
  });
});

describe('in-memory reading (subcharts while packaging)', () => {
  test('keeps file contents relative to the chart, BOM removed', () => {
    const r = readChartArchiveBytes(gz(tar(...goodParts(), file('c/README.md', '\ufeffhello'))), 'x.tgz', undefined, true);
    assert.ok(r.ok, !r.ok ? r.error.message : '');
    assert.deepEqual(r.value.files.map((f) => f.name), ['Chart.yaml', 'values.yaml', 'templates/cm.yaml', 'README.md']);
    assert.equal(r.value.files[3].data.toString(), 'hello');
  });

  test('the inflated size is capped', () => {
    const r = readChartArchiveBytes(gz(tar(...goodParts(), file('c/big', Buffer.alloc(64 * 1024)))), 'x.tgz', { uncompressedBytes: 10_000 });
    assert.equal(!r.ok && r.error.code, 'archive-too-large');
  });
});

describe('fuzzing: any bytes give a Result, never an exception', () => {
  const base = gz(tar(...goodParts(), file('c/templates/more.yaml', 'a: b\n'.repeat(50))));
  const baseTar = tar(...goodParts());
  test('mutated gzip bytes', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      async (flips) => {
        const b = Buffer.from(base);
        for (const [i, v] of flips) b[i] = v;
        const r = await read(b);
        assert.equal(typeof r.ok, 'boolean');
      }), { numRuns: 150 });
  });
  test('mutated tar bytes inside valid gzip', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(baseTar.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      async (flips) => {
        const b = Buffer.from(baseTar);
        for (const [i, v] of flips) b[i] = v;
        const r = await read(gz(b));
        if (r.ok) assert.equal(r.value.metadata.name, r.value.chartDir);
      }), { numRuns: 150 });
  });
});

describe('the inflate output size hint (the gzip trailer)', () => {
  // The whole-read path sizes zlib's output buffer from the trailer's ISIZE. It only describes the last
  // gzip member, so a multi-member archive gives a wrong hint: the result must not depend on it.
  const chart = tarStream([tarEntry({ name: 'devapp/', type: '5' }), tarEntry({ name: 'devapp/Chart.yaml', data: 'apiVersion: v2\nname: devapp\nversion: 1.2.3\n' }), tarEntry({ name: 'devapp/values.yaml', data: 'x: 1\n'.repeat(20_000) })]);
  const dir = tempDir('inflate-hint-');
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('an archive in two gzip members (the trailer names only the short last one) reads as the same archive in one', async () => {
    const one = path.join(dir, 'one-devapp-1.2.3.tgz');
    const two = path.join(dir, 'two-devapp-1.2.3.tgz');
    fs.writeFileSync(one, zlib.gzipSync(chart));
    fs.writeFileSync(two, Buffer.concat([zlib.gzipSync(chart.subarray(0, chart.length - 1024)), zlib.gzipSync(chart.subarray(chart.length - 1024))]));
    const twoBytes = fs.readFileSync(two);
    assert.equal(twoBytes.readUInt32LE(twoBytes.length - 4), 1024, 'the trailer announces 1 KiB');
    const a = await readChartArchive(one);
    const b = await readChartArchive(two);
    assert.ok(a.ok && b.ok, `${!a.ok ? a.error.message : ''} ${!b.ok ? b.error.message : ''}`);
    assert.deepEqual({ ...b.value, sha256: '', compressedSize: 0 }, { ...a.value, sha256: '', compressedSize: 0 });
    assert.equal(b.value.uncompressedSize, chart.length);
  });
});
