// Hostile chart archives, written byte by byte with the test tar writer. Each comes with a `.prov`
// genuinely signed for its exact bytes by the trusted key and is verified by verifyArchive (measured):
// a signature over a bad archive never makes it verified. The code is the archive reader's own.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { readChartArchive, WHOLE_INFLATE_BYTES } from '../../../server/src/provenance/archive';
import { verifyArchive } from '../../../server/src/provenance/verify';
import type { HostileCase, Observation } from '../harness';
import { chartEntries, gzip, paxEntry, tar, tarEntry, writeTarGz, writeZeros, type TarEntry } from '../../support/tar';
import { ARCHIVE, helmArchive, helmProv, keysOf, observe, PROV, signedText, signerKeyring } from './common';

/** Writes the archive (bytes, or `build` writes the file itself) and a .prov signed for exactly it. */
async function signedArchive(dir: string, archive: Buffer | ((file: string) => Promise<void>)): Promise<void> {
  const file = path.join(dir, ARCHIVE);
  if (Buffer.isBuffer(archive)) fs.writeFileSync(file, archive);
  else await archive(file);
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  fs.writeFileSync(path.join(dir, PROV), await helmProv(signedText(`sha256:${hash.digest('hex')}`)));
}

/** The measured run: verifyArchive with the trusted key, what the CLI and the server do with an archive. */
async function verify(dir: string): Promise<Observation> {
  return observe(await verifyArchive(path.join(dir, ARCHIVE), { keys: await keysOf(signerKeyring) }));
}

/** The code is the archive reader's own; the verification's code and message are kept in the details. */
async function readerCode(dir: string, verified: Observation): Promise<Observation> {
  const read = await readChartArchive(path.join(dir, ARCHIVE));
  return {
    code: read.ok ? 'ok' : read.error.code,
    message: read.ok ? undefined : read.error.message,
    verdict: verified.verdict,
    details: { verification: verified.code, verificationMessage: verified.message, polluted: Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted') },
  };
}

export function archiveCase(name: string, archive: () => Buffer | ((file: string) => Promise<void>), check?: HostileCase['check']): HostileCase {
  return { name, setup: (dir) => signedArchive(dir, archive()), run: verify, explain: readerCode, check };
}

/** A chart archive of the minimal chart plus `extra` entries (before the end marker). */
function chartWith(...extra: (TarEntry | Buffer)[]): Buffer {
  return gzip(tar([...chartEntries(), ...extra]));
}

const MiB = 1024 * 1024;
const DEEP_PATH = `devapp/${'a/'.repeat(520_000)}f`;

/** `<name>-0.1.0.tgz` holding `copies` copies of the previous level in charts/, `depth` levels down to a chart with 4 MiB of zeros. */
function nestedChart(depth: number, copies: number): Buffer {
  let archive = gzip(tar(chartEntries('leaf', '0.1.0').concat({ name: 'leaf/files/zeros', data: Buffer.alloc(4 * MiB) })));
  let below = 'leaf';
  for (let level = 1; level <= depth; level++) {
    const name = level === depth ? 'devapp' : `level${level}`;
    const version = level === depth ? '1.2.3' : '0.1.0';
    const subcharts: TarEntry[] = [];
    for (let c = 0; c < copies; c++) subcharts.push({ name: `${name}/charts/${below}-${c}.tgz`, data: archive });
    archive = gzip(tar([...chartEntries(name, version), ...subcharts]));
    below = name;
  }
  return archive;
}

function verifiesCleanly(o: Observation): void {
  assert.equal(o.details?.verification, 'verified', String(o.details?.verificationMessage));
}

export const archiveCases: HostileCase[] = [
  archiveCase('archive-helm-gzip-extra-field', helmArchive, (o) => {
    assert.equal(helmArchive()[3] & 0x04, 0x04, 'Helm\'s own archive carries a gzip FEXTRA field');
    verifiesCleanly(o);
  }),
  archiveCase('archive-dotdot-path_fail', () => chartWith({ name: 'devapp/../../etc/cron.d/evil', data: '* * * * * root id\n' })),
  archiveCase('archive-backslash-path_fail', () => chartWith({ name: 'devapp/templates\\..\\..\\evil.yaml', data: 'x: 1\n' })),
  archiveCase('archive-absolute-path_fail', () => chartWith({ name: '/etc/cron.d/evil', data: '* * * * * root id\n' })),
  archiveCase('archive-pax-path-escapes_fail', () => chartWith(paxEntry({ path: '../../../etc/cron.d/evil' }), { name: 'devapp/templates/evil.yaml', data: 'x: 1\n' })),
  archiveCase('archive-pax-path-renames-chart-yaml_fail', () => gzip(tar([
    { name: 'devapp/Chart.yaml', data: 'apiVersion: v2\nname: devapp\nversion: 1.2.3\n' },
    // Tools that ignore PAX see a values file; tools that honour it see a second Chart.yaml with another version.
    paxEntry({ path: 'devapp/Chart.yaml' }), { name: 'devapp/values.yaml', data: 'apiVersion: v2\nname: devapp\nversion: 6.6.6\n' },
  ]))),
  archiveCase('archive-pax-global-path_fail', () => gzip(tar([paxEntry({ path: 'devapp/Chart.yaml' }, true), ...chartEntries()]))),
  archiveCase('archive-symlink_fail', () => chartWith({ name: 'devapp/templates/passwd.yaml', type: '2', linkname: '/etc/passwd' })),
  archiveCase('archive-hardlink_fail', () => chartWith({ name: 'devapp/templates/shadow.yaml', type: '1', linkname: '/etc/shadow' })),
  archiveCase('archive-fifo_fail', () => chartWith({ name: 'devapp/templates/fifo', type: '6' })),
  archiveCase('archive-char-device_fail', () => chartWith({ name: 'devapp/templates/zero', type: '3' })),
  archiveCase('archive-block-device_fail', () => chartWith({ name: 'devapp/templates/sda', type: '4' })),
  archiveCase('archive-duplicate-chart-yaml_fail', () => chartWith({ name: 'devapp/Chart.yaml', data: 'apiVersion: v2\nname: devapp\nversion: 6.6.6\n' })),
  archiveCase('archive-chart-yaml-differing-in-case_fail', () => chartWith({ name: 'devapp/chart.yaml', data: 'apiVersion: v2\nname: devapp\nversion: 6.6.6\n' })),
  archiveCase('archive-two-top-directories_fail', () => chartWith({ name: 'other/Chart.yaml', data: 'apiVersion: v2\nname: other\nversion: 1.0.0\n' })),
  archiveCase('archive-top-directory-not-chart-name_fail', () => gzip(tar(chartEntries('devapp').map((e) => ({ ...e, name: String(e.name).replace(/^devapp\//, 'wrongname/') }))))),
  archiveCase('archive-chart-named-dot_fail', () => gzip(tar(chartEntries('.', '1.2.3')))),
  archiveCase('archive-chart-named-dotdot_fail', () => gzip(tar(chartEntries('..', '1.2.3')))),
  {
    ...archiveCase('archive-single-200mb-file_fail', () => (file) => writeTarGz(file, async (write) => {
      for (const e of chartEntries()) await write(tarEntry(e));
      await write(tarEntry({ name: 'devapp/files/huge.bin', declaredSize: 200 * MiB }).subarray(0, 512));
      await writeZeros(write, 200 * MiB);
      await write(Buffer.alloc(1024));
    }, 1)),
    // Refused at the entry's header: the in-memory attempt stops one byte past its cap, the streamed walk within its first chunk.
    budgets: { 'bytes-inflated': WHOLE_INFLATE_BYTES + 1 + zlib.constants.Z_DEFAULT_CHUNK },
  },
  archiveCase('archive-gzip-bomb-1gib-zeros_fail', () => (file) => writeTarGz(file, async (write) => {
    for (const e of chartEntries()) await write(tarEntry(e));
    // 256 files of 4 MiB of zeros: each under the per-file limit, 1 GiB in all, about 1 MB compressed.
    for (let i = 0; i < 256; i++) {
      await write(tarEntry({ name: `devapp/files/zeros-${i}`, declaredSize: 4 * MiB }).subarray(0, 512));
      await writeZeros(write, 4 * MiB);
    }
    await write(Buffer.alloc(1024));
  }), (_o, dir) => {
    const size = fs.statSync(path.join(dir, ARCHIVE)).size;
    assert.ok(size < 1.2 * MiB, `1 GiB in ${size} bytes`);
  }),
  archiveCase('archive-200000-empty-entries_fail', () => (file) => writeTarGz(file, async (write) => {
    for (const e of chartEntries()) await write(tarEntry(e));
    for (let batch = 0; batch < 100; batch++) {
      const entries: Buffer[] = [];
      for (let i = 0; i < 2000; i++) entries.push(tarEntry({ name: `devapp/files/${batch * 2000 + i}` }));
      await write(Buffer.concat(entries));
    }
    await write(Buffer.alloc(1024));
  }, 1)),
  // One path 520 000 folders deep in about 1.3 KB: every parent path used to be stored and lower-cased (4.2 GB).
  archiveCase('archive-pax-path-520000-deep_fail', () => chartWith(paxEntry({ path: DEEP_PATH }), { name: 'devapp/f', data: 'x\n' })),
  archiveCase('archive-gnu-long-name-520000-deep_fail', () => chartWith({ name: '././@LongLink', type: 'L', data: `${DEEP_PATH}\0` }, { name: 'devapp/f', data: 'x\n' })),
  archiveCase('archive-chart-yaml-80000-keys_fail', () => gzip(tar(chartEntries('devapp', '1.2.3',
    `apiVersion: v2\nname: devapp\nversion: 1.2.3\nannotations:\n${Array.from({ length: 80_000 }, (_, i) => `  k${i}: v\n`).join('')}`)))),
  // Only the top archive is inflated (13 KiB of tar); its subcharts, about 4 GiB if inflated, never are.
  { ...archiveCase('archive-nested-subcharts-10-deep-doubling', () => nestedChart(10, 2), verifiesCleanly), budgets: { 'bytes-inflated': 64 * 1024 } },
  archiveCase('archive-nested-subcharts-20-deep', () => nestedChart(20, 1), verifiesCleanly),
  archiveCase('archive-multi-member-gzip', () => {
    const whole = tar(chartEntries());
    return Buffer.concat([gzip(whole.subarray(0, 1024)), gzip(whole.subarray(1024))]);
  }, verifiesCleanly),
  archiveCase('archive-trailing-garbage_fail', () => Buffer.concat([chartWith(), Buffer.from('#!/bin/sh\necho owned\n')])),
  archiveCase('archive-plain-tar_fail', () => tar(chartEntries())),
  archiveCase('archive-truncated_fail', () => {
    const whole = helmArchive();
    return whole.subarray(0, Math.floor(whole.length / 2));
  }),
  {
    name: 'archive-sparse-4gib-file_fail',
    async setup(dir) {
      const fd = fs.openSync(path.join(dir, ARCHIVE), 'w');
      fs.ftruncateSync(fd, 4 * 1024 * MiB);
      fs.closeSync(fd);
      fs.writeFileSync(path.join(dir, PROV), await helmProv());
    },
    run: verify,
    explain: readerCode,
  },
];
