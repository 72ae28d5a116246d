// Parsers bounded by counted work, not by luck: inputs under every size limit that used to cost work
// growing with the square of their size (a path 520 000 folders deep, 90 000 YAML keys, 5 000 KEYS blocks
// under 45 000 listings, 500 000-digit map keys). Each test asserts the outcome and that the work the
// engine counted (work.ts) stays within a constant times the input; none asserts time.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readChartArchiveBytes } from '../../server/src/provenance/archive';
import { MAX_PATH_BYTES, MAX_PATH_DEPTH } from '../../server/src/provenance/archivePaths';
import { parseChartYaml } from '../../server/src/provenance/chartYaml';
import { goYamlKeyLess, sortedGoYamlKeys } from '../../server/src/provenance/go/yamlKeyOrder';
import { HelmIgnore } from '../../server/src/provenance/helmignore';
import { lintKeysFile } from '../../server/src/provenance/keysFile';
import { MAX_IGNORE_STEPS } from '../../server/src/provenance/chartDirectory';
import { packageChart } from '../../server/src/provenance/package';
import { parseProvenance } from '../../server/src/provenance/provDocument';
import { resetWork, workDone, type WorkKind } from '../../server/src/provenance/work';
import { chartEntries, gzip, paxEntry, tar, tarEntry, type TarEntry } from '../support/tar';
import { scratch, signedKeys } from '../support/tools';

/** Runs `fn` from a zeroed work meter; answers its result and the work it counted of `kind`. */
async function counted<T>(kind: WorkKind, fn: () => T | Promise<T>): Promise<{ value: T; work: number }> {
  resetWork();
  const value = await fn();
  return { value, work: workDone()[kind] ?? 0 };
}

/** The work is counted (the meter is wired) and at most `perUnit` per unit of input. */
function linear(work: number, units: number, perUnit: number, what: string): void {
  assert.ok(work >= units, `${what}: ${work} steps counted for ${units} units of input (is the work counted?)`);
  assert.ok(work <= perUnit * units, `${what}: ${work} steps for ${units} units of input, over ${perUnit} per unit`);
}

const chart = (...extra: (TarEntry | Buffer)[]): Buffer => gzip(tar([...chartEntries(), ...extra]));
const readArchive = (bytes: Buffer) => readChartArchiveBytes(bytes, 'devapp-1.2.3.tgz');

describe('archive paths', () => {
  const deep = `devapp/${'a/'.repeat(520_000)}f`;

  test('a PAX path 520 000 folders deep (a 1.3 KB archive) is refused at the length limit after a handful of steps', async () => {
    const archive = chart(paxEntry({ path: deep }), { name: 'devapp/f', data: 'x' });
    assert.ok(archive.length < 2048, `${archive.length} bytes`);
    const { value: read, work } = await counted('tar-steps', () => readArchive(archive));
    assert.equal(!read.ok && read.error.code, 'archive-invalid');
    assert.match(!read.ok ? read.error.message : '', new RegExp(`over the ${MAX_PATH_BYTES}-byte limit`));
    linear(work, 5, 4, 'tar headers');
  });

  test('the same path through a GNU long-name header is refused the same way', async () => {
    const archive = chart(tarEntry({ name: '././@LongLink', type: 'L', data: `${deep}\0` }), { name: 'devapp/f', data: 'x' });
    const { value: read, work } = await counted('tar-steps', () => readArchive(archive));
    assert.equal(!read.ok && read.error.code, 'archive-invalid');
    assert.match(!read.ok ? read.error.message : '', new RegExp(`over the ${MAX_PATH_BYTES}-byte limit`));
    linear(work, 5, 4, 'tar headers');
  });

  test(`paths are read to ${MAX_PATH_DEPTH} components and refused beyond, whatever their length`, () => {
    const atLimit = `devapp/${'a/'.repeat(MAX_PATH_DEPTH - 2)}f`;
    assert.ok(readArchive(chart(paxEntry({ path: atLimit }), { name: 'devapp/f', data: 'x' })).ok);
    const read = readArchive(chart(paxEntry({ path: `a/${atLimit}` }), { name: 'devapp/f', data: 'x' }));
    assert.equal(!read.ok && read.error.code, 'archive-invalid');
    assert.match(!read.ok ? read.error.message : '', new RegExp(`more than ${MAX_PATH_DEPTH} directories deep`));
  });

  test('2 000 entries, each its own chain 120 folders deep: bookkeeping linear in the path components', async () => {
    const entries: Buffer[] = [];
    for (let i = 0; i < 2000; i++) entries.push(paxEntry({ path: `devapp/d${i}/${'a/'.repeat(118)}f` }), tarEntry({ name: `devapp/d${i}/f`, data: 'x' }));
    const { value: read, work } = await counted('tar-steps', () => readArchive(chart(...entries)));
    assert.ok(read.ok, !read.ok ? read.error.message : '');
    assert.equal(read.value.entries.length, 2003);
    // Per entry: two headers and 121 components.
    linear(work, 2000 * 123, 2, 'headers and path components');
  });

  test('a chain spelled in two cases is one warning, at the first directory that differs', () => {
    const tail = `${'a/'.repeat(100)}f`;
    const read = readArchive(chart(paxEntry({ path: `devapp/Dir/${tail}` }), { name: 'devapp/x', data: 'x' }, paxEntry({ path: `devapp/dir/${tail}` }), { name: 'devapp/y', data: 'x' }));
    assert.ok(read.ok, !read.ok ? read.error.message : '');
    assert.deepEqual(read.value.problems.map((p) => p.message), ['"devapp/Dir" and "devapp/dir" differ only in case; they collide when unpacked on macOS or Windows']);
  });
});

describe('YAML mapping keys', () => {
  const keys = (n: number, indent = ''): string => Array.from({ length: n }, (_, i) => `${indent}k${i}: v`).join('\n');
  const prov = (metadata: string): string => `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\napiVersion: v2\nname: devapp\nversion: 1.2.3\n${metadata}\n\n...\nfiles:\n  devapp-1.2.3.tgz: sha256:${'0'.repeat(64)}\n-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n`;

  test('45 000 keys in the signed metadata of a .prov: read, in linear work', async () => {
    const { value: doc, work } = await counted('yaml-steps', () => parseProvenance(prov(keys(45_000))));
    assert.deepEqual(doc.problems, []);
    assert.equal(doc.metadata?.name?.value, 'devapp');
    linear(work, 45_000, 5, 'YAML keys');
  });

  test('a duplicate after 45 000 keys is found, at its line', async () => {
    const text = prov(`${keys(45_000)}\nk17: again`);
    const { value: doc, work } = await counted('yaml-steps', () => parseProvenance(text));
    assert.deepEqual(doc.problems.map((p) => p.code), ['malformed']);
    assert.match(doc.problems[0].message, /Map keys must be unique \("k17" appears more than once\)/);
    assert.equal(text.split('\n')[doc.problems[0].range!.start.line], 'k17: again');
    linear(work, 45_000, 5, 'YAML keys');
  });

  test('90 000 keys (under the 1 MiB .prov limit) are refused before parsing, over the node limit of a Chart.yaml', async () => {
    const text = prov(keys(90_000));
    assert.ok(text.length < 1024 * 1024);
    const { value: doc, work } = await counted('yaml-steps', () => parseProvenance(text));
    assert.deepEqual(doc.problems.map((p) => p.code), ['malformed']);
    assert.match(doc.problems[0].message, /Chart metadata: about 180\d{3} YAML nodes by a count of its indicators .* over the limit of 100000/);
    assert.ok(work < 100, `${work} YAML steps: the metadata was parsed`);
  });

  test('Chart.yaml: 40 000 annotations with a duplicate last are refused, in linear work', async () => {
    const text = `apiVersion: v2\nname: devapp\nversion: 1.2.3\nannotations:\n${keys(40_000, '  ')}\n  k3: again\n`;
    const { value: read, work } = await counted('yaml-steps', () => parseChartYaml(text));
    assert.equal(!read.ok && read.error.code, 'chart-invalid');
    assert.match(!read.ok ? read.error.message : '', /Chart\.yaml \(line 40005\): Map keys must be unique: "k3" appears more than once/);
    linear(work, 40_000, 5, 'YAML keys');
  });

  test("an archive's Chart.yaml with 80 000 keys (under its 1 MiB limit) is refused before parsing, over the node limit", async () => {
    const chartYaml = `apiVersion: v2\nname: devapp\nversion: 1.2.3\nannotations:\n${keys(80_000, '  ')}\n`;
    assert.ok(chartYaml.length < 1024 * 1024);
    const archive = gzip(tar(chartEntries('devapp', '1.2.3', chartYaml)));
    const { value: read, work } = await counted('yaml-steps', () => readArchive(archive));
    assert.equal(!read.ok && read.error.code, 'chart-invalid');
    assert.match(!read.ok ? read.error.message : '', /over the limit of 100000/);
    assert.equal(work, 0, 'the YAML was not parsed');
  });
});

describe("go-yaml's key order", () => {
  test('digit runs are int64 and wrap, as Go does (measured: helm package 4.1.4 writes a18446744073709551617 before a2)', () => {
    assert.deepEqual(sortedGoYamlKeys({ a2: 1, a18446744073709551617: 1, a3: 1 }), ['a18446744073709551617', 'a2', 'a3']);
  });

  test('two keys of 500 000 digits compare in work linear in their length', async () => {
    const a = `1${'7'.repeat(500_000)}`;
    const b = `2${'7'.repeat(500_000)}`;
    const { value: less, work } = await counted('yaml-steps', () => goYamlKeyLess(a, b));
    // In int64 both runs wrap to the same value (10^k is 0 modulo 2^64 from k = 64); equal lengths too, so the first digit decides.
    assert.equal(less, true);
    assert.equal(goYamlKeyLess(b, a), false);
    linear(work, 1_000_000, 3, 'key characters');
  });
});

describe('KEYS files', () => {
  const fingerprint = fs.readFileSync(path.join(signedKeys, 'rsa2048.fpr'), 'utf8').trim();
  const publicKey = fs.readFileSync(path.join(signedKeys, 'rsa2048.pub.asc'), 'utf8');

  test('5 000 blocks under 45 000 one-line listings: each listing is handed to its block in one pass', async () => {
    const block = '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot base64!\n-----END PGP PUBLIC KEY BLOCK-----\n';
    const listings = `pub   rsa2048/${fingerprint.slice(-16)} 2026-11-22 [SC]\n`.repeat(9);
    const text = `${listings}${block}`.repeat(5000);
    const { value: lint, work } = await counted('key-steps', () => lintKeysFile(text, new Date()));
    assert.equal(lint.layout.listings.length, 45_000);
    assert.deepEqual([...new Set(lint.problems.map((p) => p.code))], ['keys-malformed']);
    assert.equal(lint.problems.length, 5000);
    linear(work, 50_000, 3, 'blocks and listings');
  });

  test('45 000 listings above one key, naming it by fingerprint, long and short key id, or naming another key', async () => {
    const other = 'ABCDEF0123456789ABCDEF0123456789ABCDEF01';
    const names = [fingerprint, fingerprint.slice(-16), fingerprint.slice(-8), other];
    const listings = Array.from({ length: 45_000 }, (_, i) => `pub   rsa2048/${names[i % 4]} 2026-11-22 [SC]\n`).join('');
    const { value: lint, work } = await counted('key-steps', () => lintKeysFile(`${listings}${publicKey}`, new Date()));
    assert.equal(lint.keys.length, 1);
    assert.equal(lint.layout.listings.filter((l) => l.matches === fingerprint).length, 33_750);
    const mismatches = lint.problems.filter((p) => p.code === 'keys-listing-mismatch');
    assert.equal(mismatches.length, 11_250);
    assert.match(mismatches[0].message, new RegExp(`names key ${other}, but the block below holds ${fingerprint}\\.`));
    linear(work, 45_000, 5, 'listings');
  });
});

describe('.helmignore', () => {
  const helmDefault = ['.DS_Store', '.git/', '.gitignore', '.bzr/', '.bzrignore', '.hg/', '.hgignore', '.svn/', '*.swp', '*.bak', '*.tmp', '*.orig', '*~', '.project', '.idea/', '*.tmproj', '.vscode/'].join('\n');

  test("every path meets every rule: Helm's default rules cost a bounded number of steps per path", async () => {
    const rules = HelmIgnore.parse(helmDefault);
    assert.ok(rules.ok);
    const { work } = await counted('ignore-steps', () => {
      for (let i = 0; i < 20_000; i++) rules.value.ignores(`templates/dir/file-${i}.yaml`, false);
    });
    linear(work, 20_000, 600, 'paths');
    assert.equal(rules.value.matchingSteps, work);
  });

  test('10 000 rules against 2 000 files is refused at the matching budget, not worked through', async () => {
    const chart = path.join(scratch('helmignore-budget-'), 'demo');
    fs.mkdirSync(path.join(chart, 'files'), { recursive: true });
    fs.writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: demo\nversion: 0.1.0\n');
    fs.writeFileSync(path.join(chart, '.helmignore'), Array.from({ length: 10_000 }, (_, i) => `x${i}*y*z`).join('\n'));
    for (let i = 0; i < 2000; i++) fs.writeFileSync(path.join(chart, 'files', `f${i}.txt`), 'x');
    const { value: packaged, work } = await counted('ignore-steps', () => packageChart(chart, { outDir: path.join(chart, '..', 'out') }));
    assert.equal(!packaged.ok && packaged.error.code, 'archive-too-large');
    assert.match(!packaged.ok ? packaged.error.message : '', /\.helmignore: matching its rules against the chart's files needs more than 50000000 steps/);
    assert.ok(work > MAX_IGNORE_STEPS && work < MAX_IGNORE_STEPS + 200_000, `${work} steps: stopped within one path of the budget`);
  });
});
