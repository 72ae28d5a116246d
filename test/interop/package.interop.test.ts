// Our packaging and Chart.yaml handling against the real Helm 4.1.4.
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { readChartArchive } from '../../server/src/provenance/archive';
import { compareArchiveWithSource, describeDifferences } from '../../server/src/provenance/archiveVsSource';
import { parseChartYaml } from '../../server/src/provenance/chartYaml';
import { provenanceMetadataYaml } from '../../server/src/provenance/go/chartWriter';
import { packageChart } from '../../server/src/provenance/package';
import { helm, signedKeys, tempDir, type Run } from '../support/tools';

const work = tempDir('package-interop-');
after(() => fs.rmSync(work, { recursive: true, force: true }));

function ok(run: Run, what: string): string {
  assert.equal(run.status, 0, `${what}: ${run.stderr}`);
  return run.stdout;
}

const entriesOf = (archive: string): string[] => execFileSync('tar', ['tzf', archive], { encoding: 'utf8' }).trim().split('\n');
const fileIn = (archive: string, entry: string): string => execFileSync('tar', ['xzOf', archive, entry], { encoding: 'utf8' });

/**
 * Entries grouped by the (sub)chart they belong to, each group in archive order. Helm writes
 * subcharts in Go map order (random from run to run), so only the order inside a chart is comparable.
 */
function byChart(entries: string[]): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const entry of entries) {
    const sub = /^[^/]+\/charts\/([^/]+)\//.exec(entry)?.[1] ?? '';
    (groups[sub] ??= []).push(entry);
  }
  return groups;
}

function touchAll(dir: string, seconds: number): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) touchAll(p, seconds);
    fs.utimesSync(p, seconds, seconds);
  }
}

async function ours(dir: string, outDir: string, sourceDateEpoch?: number): Promise<string> {
  const r = await packageChart(dir, { outDir, sourceDateEpoch });
  assert.ok(r.ok, !r.ok ? r.error.message : '');
  return r.value.archivePath;
}

/** Helm's own archive of `dir` is, file by file, what packaging `dir` writes: signing a chart accepts it. */
async function assertSameAsSource(archive: string, dir: string): Promise<void> {
  const compared = await compareArchiveWithSource(archive, dir);
  assert.ok(compared.ok, !compared.ok ? compared.error.message : '');
  assert.equal(compared.value.total, 0, describeDifferences(compared.value));
}

/** What Helm's archive and ours must agree on, and how Helm judges ours. */
async function compareWithHelm(dir: string, name: string): Promise<void> {
  const helmArchive = path.join(work, `${name}-helm`, `${name}-0.1.0.tgz`);
  ok(helm(['package', dir, '-d', path.dirname(helmArchive)]), 'helm package');
  await assertSameAsSource(helmArchive, dir);
  const ourArchive = await ours(dir, path.join(work, `${name}-ours`));
  assert.deepEqual(byChart(entriesOf(ourArchive)), byChart(entriesOf(helmArchive)), 'the same entries in the same order within each chart');
  for (const entry of entriesOf(helmArchive)) assert.equal(fileIn(ourArchive, entry), fileIn(helmArchive, entry), entry);
  ok(helm(['lint', ourArchive]), 'helm lint of our archive');
  assert.equal(ok(helm(['template', 'rel', ourArchive]), 'template archive'), ok(helm(['template', 'rel', dir]), 'template dir'));
  const again = await ours(dir, path.join(work, `${name}-again`));
  assert.ok(fs.readFileSync(again).equals(fs.readFileSync(ourArchive)), 'packaging twice gives identical bytes');
  const read = await readChartArchive(ourArchive);
  assert.ok(read.ok, !read.ok ? read.error.message : '');
  assert.deepEqual(read.value.problems, []);
}

describe('packaging charts as helm package does', () => {
  let created: string;
  let parent: string;

  before(() => {
    created = path.join(work, 'created');
    fs.mkdirSync(created);
    ok(helm(['create', 'demo'], created), 'helm create');
    // A parent with a subchart directory and a subchart archive made by `helm dependency build`.
    const base = path.join(work, 'family');
    fs.mkdirSync(base);
    for (const c of ['parent', 'child', 'lib']) ok(helm(['create', c], base), `helm create ${c}`);
    parent = path.join(base, 'parent');
    fs.appendFileSync(path.join(parent, 'Chart.yaml'), 'dependencies:\n  - name: lib\n    version: 0.1.0\n    repository: file://../lib\n  - name: child\n    version: 0.1.0\n    repository: ""\n');
    fs.renameSync(path.join(base, 'child'), path.join(parent, 'charts', 'child'));
    ok(helm(['dependency', 'build', parent]), 'helm dependency build');
  });

  test('helm create output: same entries and contents, lints, renders the same, reproducible', async () => {
    await compareWithHelm(path.join(created, 'demo'), 'demo');
  });

  test('a chart with a subchart directory, a subchart archive and Chart.lock', async () => {
    assert.ok(fs.existsSync(path.join(parent, 'Chart.lock')));
    assert.ok(fs.readdirSync(path.join(parent, 'charts')).includes('lib-0.1.0.tgz'));
    await compareWithHelm(parent, 'parent');
    const archive = path.join(work, 'parent-ours', 'parent-0.1.0.tgz');
    assert.ok(entriesOf(archive).includes('parent/charts/lib/Chart.yaml'), 'the subchart archive is unpacked as Helm does');
    assert.ok(entriesOf(archive).includes('parent/charts/child/templates/deployment.yaml'));
  });

  test("the tar stream is byte-for-byte Helm's when every file has the same time", async () => {
    const dir = path.join(work, 'same-time', 'demo');
    fs.cpSync(path.join(created, 'demo'), dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'ünïcode.txt'), 'non-ASCII names take a PAX header\n');
    fs.mkdirSync(path.join(dir, `${'d'.repeat(70)}/${'e'.repeat(70)}`), { recursive: true });
    fs.writeFileSync(path.join(dir, `${'d'.repeat(70)}/${'e'.repeat(70)}/long-name.txt`), 'a USTAR prefix\n');
    fs.cpSync(path.join(parent, 'charts', 'child'), path.join(dir, 'charts', 'child'), { recursive: true });
    const t = 1_700_000_000;
    touchAll(dir, t);
    ok(helm(['package', dir, '-d', path.join(work, 'same-time', 'helm')]), 'helm package');
    const ourArchive = await ours(dir, path.join(work, 'same-time', 'ours'), t);
    await assertSameAsSource(path.join(work, 'same-time', 'helm', 'demo-0.1.0.tgz'), dir);
    const helmTar = zlib.gunzipSync(fs.readFileSync(path.join(work, 'same-time', 'helm', 'demo-0.1.0.tgz')));
    const ourTar = zlib.gunzipSync(fs.readFileSync(ourArchive));
    assert.equal(ourTar.length, helmTar.length);
    assert.ok(ourTar.equals(helmTar), 'identical tar bytes');
  });
});

describe("Chart metadata written exactly as Helm 4 writes it", () => {
  const rich = [
    'apiVersion: v2', 'name: rich', 'version: 1.2.3-rc.1+build.5', 'appVersion: 1.0', 'kubeVersion: ">=1.20.0-0"',
    'description: "A long description with non-ASCII (Zoë, ✓) that goes beyond eighty characters: folded # kept"',
    'home: https://example.com/a/very/long/url/without/any/spaces/that/cannot/be/folded/anywhere/at/all',
    'icon: "@icon"', 'deprecated: true', 'type: application',
    'keywords: [web, "yes", "1.0", 1.0, 010, "- dash", "😀 emoji", "a: b", "tab\\there"]',
    'sources: [https://github.com/example/rich]',
    'maintainers:', '  - name: Zoë Ünicode', '    email: zoe@example.com', '    url: https://zoe.example', '  - name: "Bob: the builder"',
    'annotations:', '  artifacthub.io/changes: |', '    - kind: added', '      description: something', '  a10: x', '  a9: y',
    '  "1": one', '  "10": ten', '  z-trailing: "ends with spaces   "', '  multi: "two\\nlines\\n\\n"',
    'dependencies:', '  - name: sub', '    version: "~1.0.0"', '    repository: https://charts.example.com', '    condition: sub.enabled',
    '    tags: [front, back]', '    enabled: true', '    alias: sub-alias', '    import-values:', '      - data',
    '      - child: default.data', '        parent: myimports', '  - name: other', '    version: 2.0.0', '',
  ].join('\n');

  test('helm package --sign: our metadata equals the .prov, and our archive’s Chart.yaml equals Helm’s', async () => {
    const dir = path.join(work, 'rich', 'rich');
    fs.mkdirSync(path.join(dir, 'templates'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'Chart.yaml'), rich);
    fs.writeFileSync(path.join(dir, 'templates', 'cm.yaml'), 'kind: ConfigMap\n');
    for (const [sub, version] of [['sub', '1.0.0'], ['other', '2.0.0']]) {
      fs.mkdirSync(path.join(dir, 'charts', sub), { recursive: true });
      fs.writeFileSync(path.join(dir, 'charts', sub, 'Chart.yaml'), `apiVersion: v2\nname: ${sub}\nversion: ${version}\n`);
    }
    const out = path.join(work, 'rich', 'helm');
    ok(helm(['package', '--sign', '--key', 'rsa2048', '--keyring', path.join(signedKeys, 'rsa2048.sec.gpg'), dir, '-d', out]), 'helm package --sign');
    const archive = path.join(out, 'rich-1.2.3-rc.1+build.5.tgz');
    const prov = fs.readFileSync(`${archive}.prov`, 'utf8');
    const signed = prov.slice(prov.indexOf('\n\n') + 2, prov.indexOf('\n...\n')).split('\n').map((l) => (l.startsWith('- ') ? l.slice(2) : l)).join('\n');
    const meta = parseChartYaml(rich);
    assert.ok(meta.ok, !meta.ok ? meta.error.message : '');
    assert.equal(provenanceMetadataYaml(meta.value), signed);
    const read = await readChartArchive(archive);
    assert.ok(read.ok, !read.ok ? read.error.message : '');
    assert.equal(provenanceMetadataYaml(read.value.metadata), signed);
    const ourArchive = await ours(dir, path.join(work, 'rich', 'ours'));
    assert.equal(fileIn(ourArchive, 'rich/Chart.yaml'), fileIn(archive, 'rich/Chart.yaml'));
    await assertSameAsSource(archive, dir);
  });

  test('unquoted YAML 1.1 scalars become the same text as in Helm', async () => {
    const plains = ['1.0', '1.10', '010', '0x1F', '0o17', '08', '1_000', 'yes', 'on', 'Off', 'y', 'N', '~', '1e3', '.5', '+1', '-0b11',
      '1e999', '2024-01-01', '1:20', '12345678901234567890', '3.14159265358979', '1234567', '1234567.0', '16777217', '0.000012345'];
    const dir = path.join(work, 'plain', 'plain');
    fs.mkdirSync(dir, { recursive: true });
    const yaml = `apiVersion: v2\nname: plain\nversion: 0.1.0\nkeywords:\n${plains.map((p) => `  - ${p}\n`).join('')}`;
    fs.writeFileSync(path.join(dir, 'Chart.yaml'), yaml);
    ok(helm(['package', dir, '-d', path.join(work, 'plain', 'out')]), 'helm package');
    const helmChart = fileIn(path.join(work, 'plain', 'out', 'plain-0.1.0.tgz'), 'plain/Chart.yaml');
    const meta = parseChartYaml(yaml);
    assert.ok(meta.ok);
    assert.equal(provenanceMetadataYaml(meta.value), helmChart);
  });

  test('random Chart.yaml contents: our Chart.yaml equals helm package’s, or both refuse', async () => {
    const unit = fc.constantFrom('a', 'Z', '0', '1', ' ', ' ', ':', '#', '-', '?', "'", '"', '\\', '\n', '\t', 'é', '✓', '😀', '[', '{', ',', '&', '*', '!', '|', '>', '%', '@', '`', '.', '~', 'y', 'n', '\u00a0', '\u200b', 'lorem ', ' ipsum');
    const text = fc.string({ unit, maxLength: 140 });
    let n = 0;
    await fc.assert(fc.asyncProperty(text, text, fc.array(text, { maxLength: 4 }), fc.array(fc.tuple(fc.string({ unit, minLength: 1, maxLength: 12 }), text), { maxLength: 4 }),
      async (description, appVersion, keywords, annotations) => {
        const dir = path.join(work, 'random', `r${n++}`, 'fz');
        fs.mkdirSync(dir, { recursive: true });
        const q = (s: string): string => JSON.stringify(s);
        const keys = new Set<string>();
        const yaml = [
          'apiVersion: v2', 'name: fz', 'version: 0.1.0', `description: ${q(description)}`, `appVersion: ${q(appVersion)}`,
          `keywords: [${keywords.map(q).join(', ')}]`, 'annotations:',
          ...annotations.filter(([k]) => !keys.has(k) && keys.add(k)).map(([k, v]) => `  ${q(k)}: ${q(v)}`), '',
        ].join('\n');
        fs.writeFileSync(path.join(dir, 'Chart.yaml'), yaml);
        const run = helm(['package', dir, '-d', path.join(dir, '..', 'out')]);
        const meta = parseChartYaml(yaml);
        if (run.status !== 0) {
          assert.equal(meta.ok, false, `helm refused (${run.stderr}) but we accepted:\n${yaml}`);
          return;
        }
        assert.ok(meta.ok, `helm accepted but we refused: ${!meta.ok && meta.error.message}\n${yaml}`);
        assert.equal(provenanceMetadataYaml(meta.value), fileIn(path.join(dir, '..', 'out', 'fz-0.1.0.tgz'), 'fz/Chart.yaml'), yaml);
      }), { numRuns: 25, seed: 20260522 });
  });
});
