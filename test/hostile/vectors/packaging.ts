// Hostile chart directories handed to packaging (what Package Chart and `helm-prov package` read from a
// repository), and writes that fail half-way (packaging and signing): nothing half-written is ever left,
// a good file is never replaced by a bad one, and a passphrase never appears in a message.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageChart } from '../../../server/src/provenance/package';
import { signArchive } from '../../../server/src/provenance/sign';
import { signedKeys } from '../../support/tools';
import type { HostileCase, Observation } from '../harness';
import { chartEntries, gzip, tar, type TarEntry } from '../../support/tar';
import { ARCHIVE, helmArchive } from './common';

const CHART_YAML = 'apiVersion: v2\nname: devapp\nversion: 1.2.3\n';
const MiB = 1024 * 1024;

/** A minimal chart directory `<dir>/devapp` with `Chart.yaml` (or `chartYaml`), values and a template. */
function writeChart(dir: string, chartYaml = CHART_YAML): string {
  const chart = path.join(dir, 'devapp');
  fs.mkdirSync(path.join(chart, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(chart, 'Chart.yaml'), chartYaml);
  fs.writeFileSync(path.join(chart, 'values.yaml'), 'replicaCount: 1\n');
  fs.writeFileSync(path.join(chart, 'templates', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n');
  return chart;
}

/** Everything in the output folder: after a failure there must be nothing, not even a temp file. */
function outputs(dir: string): string[] {
  const out = path.join(dir, 'out');
  return fs.existsSync(out) ? fs.readdirSync(out) : [];
}

async function packageRun(dir: string): Promise<Observation> {
  const result = await packageChart(path.join(dir, 'devapp'), { outDir: path.join(dir, 'out') });
  if (!result.ok) return { code: result.error.code, message: result.error.message };
  return { code: 'ok', details: { entries: result.value.entries, warnings: result.value.warnings.map((w) => w.message) } };
}

function nothingWritten(_o: Observation, dir: string): void {
  assert.deepEqual(outputs(dir), [], 'a failed packaging leaves nothing in the output folder');
}

function packageCase(name: string, prepare: (chart: string, dir: string) => void, check: HostileCase['check'] = nothingWritten, chartYaml?: string): HostileCase {
  return {
    name,
    async setup(dir) { prepare(writeChart(dir, chartYaml), dir); },
    run: packageRun,
    check,
  };
}

function chartYamlCase(name: string, chartYaml: string): HostileCase {
  return packageCase(name, () => undefined, nothingWritten, chartYaml);
}

/** A chart directory whose `charts/` holds an archive nested `depth` deep with `copies` copies per level. */
function nestedSubchart(chart: string, depth: number, copies: number): void {
  let archive = gzip(tar(chartEntries('leaf', '0.1.0').concat({ name: 'leaf/files/zeros', data: Buffer.alloc(4 * MiB) })));
  let below = 'leaf';
  for (let level = 1; level < depth; level++) {
    const subcharts: TarEntry[] = [];
    for (let c = 0; c < copies; c++) subcharts.push({ name: `level${level}/charts/${below}-${c}.tgz`, data: archive });
    archive = gzip(tar([...chartEntries(`level${level}`, '0.1.0'), ...subcharts]));
    below = `level${level}`;
  }
  fs.mkdirSync(path.join(chart, 'charts'));
  for (let c = 0; c < copies; c++) fs.writeFileSync(path.join(chart, 'charts', `${below}-${c}.tgz`), archive);
}

/** signArchive (openpgp.js backend) on `<dir>/devapp-1.2.3.tgz` with a fixture secret key. */
async function signWith(dir: string, key: string, passphrase?: string): Promise<Observation> {
  const signed = await signArchive({
    archivePath: path.join(dir, ARCHIVE), keyQuery: fs.readFileSync(path.join(signedKeys, `${key}.fpr`), 'utf8').trim(),
    secretKeyrings: [path.join(signedKeys, `${key}.sec.gpg`)], ...(passphrase !== undefined ? { passphrase } : {}),
  });
  return signed.ok ? { code: 'ok' } : { code: signed.error.code, message: signed.error.message };
}

export const packagingCases: HostileCase[] = [
  packageCase('package-symlink-outside-chart_fail', (chart) => fs.symlinkSync('/etc/passwd', path.join(chart, 'templates', 'passwd.yaml'))),
  packageCase('package-symlink-to-dev-zero_fail', (chart) => fs.symlinkSync('/dev/zero', path.join(chart, 'templates', 'zero.yaml'))),
  packageCase('package-symlink-loop_fail', (chart) => fs.symlinkSync('..', path.join(chart, 'templates', 'loop'))),
  packageCase('package-symlink-cycle_fail', (chart) => {
    fs.symlinkSync('b.yaml', path.join(chart, 'templates', 'a.yaml'));
    fs.symlinkSync('a.yaml', path.join(chart, 'templates', 'b.yaml'));
  }),
  packageCase('package-fifo_fail', (chart) => execFileSync('mkfifo', [path.join(chart, 'templates', 'fifo.yaml')])),
  packageCase('package-200mb-file_fail', (chart) => {
    fs.mkdirSync(path.join(chart, 'files'));
    const fd = fs.openSync(path.join(chart, 'files', 'big.bin'), 'w');
    fs.ftruncateSync(fd, 200 * MiB);
    fs.closeSync(fd);
  }),
  packageCase('package-stale-archive-and-prov', (chart) => {
    fs.writeFileSync(path.join(chart, 'devapp-1.0.0.tgz'), helmArchive());
    fs.writeFileSync(path.join(chart, 'devapp-1.0.0.tgz.prov'), 'stale\n');
  }, (o) => {
    const entries = o.details?.entries as string[];
    assert.ok(entries.includes('devapp/devapp-1.0.0.tgz'), 'packaged as Helm does');
    assert.ok((o.details?.warnings as string[]).some((w) => w.includes('devapp-1.0.0.tgz')), 'with a warning naming it');
  }),
  packageCase('package-newline-in-file-name_fail', (chart) => fs.writeFileSync(path.join(chart, 'templates', 'evil\nname.yaml'), 'x: 1\n')),
  packageCase('package-nested-subcharts-20-deep_fail', (chart) => nestedSubchart(chart, 20, 1)),
  packageCase('package-nested-subcharts-10-deep-doubling_fail', (chart) => nestedSubchart(chart, 10, 2)),
  chartYamlCase('package-chart-yaml-name-on_fail', 'apiVersion: v2\nname: on\nversion: 1.2.3\n'),
  chartYamlCase('package-chart-yaml-version-1.10_fail', 'apiVersion: v2\nname: devapp\nversion: 1.10\n'),
  chartYamlCase('package-chart-yaml-version-010_fail', 'apiVersion: v2\nname: devapp\nversion: 010\n'),
  chartYamlCase('package-chart-yaml-duplicate-keys_fail', 'apiVersion: v2\nname: devapp\nversion: 1.2.3\nversion: 6.6.6\n'),
  chartYamlCase('package-chart-yaml-several-documents_fail', 'apiVersion: v2\nname: devapp\nversion: 1.2.3\n---\napiVersion: v2\nname: devapp\nversion: 6.6.6\n'),
  {
    name: 'package-write-fails-leaves-nothing_fail',
    async setup(dir) {
      writeChart(dir);
      // The archive's own path is taken by a non-empty directory: the final rename must fail.
      fs.mkdirSync(path.join(dir, 'out', ARCHIVE, 'occupied'), { recursive: true });
    },
    run: packageRun,
    check(_o, dir) {
      assert.deepEqual(outputs(dir), [ARCHIVE], 'no temp file is left next to it');
      assert.deepEqual(fs.readdirSync(path.join(dir, 'out', ARCHIVE)), ['occupied']);
    },
  },
  {
    name: 'sign-write-fails-leaves-nothing_fail',
    async setup(dir) {
      fs.writeFileSync(path.join(dir, ARCHIVE), helmArchive());
      // The .prov's own path is taken by a non-empty directory: the signature is made, its rename must fail.
      fs.mkdirSync(path.join(dir, `${ARCHIVE}.prov`, 'occupied'), { recursive: true });
    },
    run: (dir) => signWith(dir, 'rsa2048'),
    check(_o, dir) {
      assert.deepEqual(fs.readdirSync(dir).sort(), [ARCHIVE, `${ARCHIVE}.prov`], 'no temp file is left');
      assert.deepEqual(fs.readdirSync(path.join(dir, `${ARCHIVE}.prov`)), ['occupied']);
    },
  },
  {
    name: 'sign-failure-keeps-good-prov_fail',
    async setup(dir) {
      fs.writeFileSync(path.join(dir, ARCHIVE), helmArchive());
      fs.writeFileSync(path.join(dir, `${ARCHIVE}.prov`), 'the good .prov\n');
    },
    // A wrong passphrase: the signing fails before anything is written.
    run: (dir) => signWith(dir, 'locked', 'hunter2-not-the-passphrase'),
    check(o, dir) {
      assert.ok(!o.message?.includes('hunter2'), 'the passphrase never appears in a message');
      assert.equal(fs.readFileSync(path.join(dir, `${ARCHIVE}.prov`), 'utf8'), 'the good .prov\n', 'the good .prov is untouched');
      assert.deepEqual(fs.readdirSync(dir).sort(), [ARCHIVE, `${ARCHIVE}.prov`], 'no temp file is left');
    },
  },
];
