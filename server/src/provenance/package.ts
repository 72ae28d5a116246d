// `helm package`, reproducibly. The chart directory is walked and loaded the way Helm 4's LoadDir and
// LoadFiles do (so the archive holds the same entries, in the same order, with the same contents), then
// written the way Helm's chartutil.Save does: Chart.yaml and Chart.lock re-serialized by Helm's rules,
// values.yaml, values.schema.json, templates/, the other files, then each subchart under
// `charts/<name>/` (subchart archives in charts/ are unpacked, as Helm does). Every entry is a regular
// file, mode 0644, uid/gid 0, no user names; tar headers are laid out byte-for-byte like Go's
// archive/tar. Two differences from Helm, both for reproducibility:
// - every entry's mtime is SOURCE_DATE_EPOCH when set, else DEFAULT_MTIME (Helm uses the files' mtimes,
//   so its output changes with every checkout). The gzip header carries no time and OS "unknown".
// - subcharts are written in name order (Helm follows Go's random map order).
// Stricter than Helm: symlinks are followed only inside the chart directory (Helm embeds whatever they
// point to: /etc/passwd, /dev/zero), loops are refused, and so are FIFOs, devices, sockets, names that
// our archive reader would refuse (control characters, backslashes, non-UTF-8) and files over Helm's
// 5 MiB limit. Stale `*.tgz`/`*.prov` files are packaged as Helm does, with a warning, except the very
// archive being written and its .prov, so packaging into the chart directory stays idempotent.
// The archive is written atomically.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { fail, ok, type EngineErrorCode, type Problem, type Result } from './codes';
import { writeFileAtomic } from './atomicWrite';
import { readChartArchiveBytes } from './archive';
import { MAX_CHART_YAML_BYTES, MAX_ENTRIES, MAX_ENTRY_BYTES, MAX_UNCOMPRESSED_BYTES } from './archiveLimits';
import type { ArchiveFile } from './archiveContents';
import { parseChartLock, parseChartYaml } from './chartYaml';
import type { ChartLock, ChartMetadata } from './chartMetadata';
import { archiveChartLock, archiveChartYaml } from './go/chartWriter';
import { describeIoError } from './hash';
import { escapeUntrusted } from './untrustedText';
import { HELMIGNORE_FILE, HelmIgnore } from './helmignore';
import { countWork } from './work';

/** 1980-01-01T00:00:00Z: the usual epoch of reproducible archives (ZIP's first date), never "no time". */
export const DEFAULT_MTIME = 315532800;
/** Subcharts of subcharts: real charts nest 2–3 deep. */
export const MAX_SUBCHART_DEPTH = 10;
/** Directory entries looked at (ignored ones included), so a symlink fan-out cannot walk forever. */
export const MAX_WALKED_ENTRIES = 200_000;
/**
 * .helmignore matching (HelmIgnore.matchingSteps: rules tried plus pattern bytes compared). Every path
 * meets every rule, so this bounds rules × paths: Helm's default .helmignore against 20 000 paths
 * needs 11 million; 10 000 rules against 2 000 paths (a 100 KB file) would need 218 million.
 */
export const MAX_IGNORE_STEPS = 50_000_000;
/** The largest mtime a plain USTAR header holds (11 octal digits), as Helm's writer needs. */
const MAX_USTAR_TIME = 8 ** 11 - 1;

export interface PackageOptions {
  /** Where `<name>-<version>.tgz` goes; created when missing. */
  outDir: string;
  /** Seconds since the epoch for every entry; defaults to $SOURCE_DATE_EPOCH, then DEFAULT_MTIME. */
  sourceDateEpoch?: number;
}

export interface PackageResult {
  archivePath: string;
  name: string;
  version: string;
  /** Entry paths in archive order (`<name>/Chart.yaml`, …). */
  entries: string[];
  /** SHA-256 of the archive written, lowercase hex. */
  sha256: string;
  warnings: Problem[];
}

/** One file of the archive packaging would write. */
export interface PackagedFile {
  /** Full path in the archive: `<name>/templates/x.yaml`. */
  path: string;
  data: Buffer;
  /** Chart.yaml and Chart.lock are written from what they say (Helm re-serializes them), not copied. */
  rewritten?: 'chart-yaml' | 'chart-lock';
}

/** What packaging a chart directory would write, before anything is written. */
export interface PackagePlan {
  name: string;
  version: string;
  /** `<outDir>/<name>-<version>.tgz`, absolute. */
  archivePath: string;
  /** In archive order. */
  files: PackagedFile[];
  warnings: Problem[];
}

class PackageError extends Error {
  // Messages quote file names, symlink targets and Chart.yaml values: escaped whatever the message.
  constructor(readonly code: EngineErrorCode, message: string) { super(escapeUntrusted(message, 2000)); }
}

/** SOURCE_DATE_EPOCH from an environment: undefined when unset, an error when malformed. */
export function sourceDateEpochFromEnv(env: NodeJS.ProcessEnv = process.env): Result<number | undefined> {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return ok(undefined);
  if (!/^[0-9]+$/.test(raw) || Number(raw) > MAX_USTAR_TIME) {
    return fail('chart-invalid', `SOURCE_DATE_EPOCH="${escapeUntrusted(raw)}" is not a whole number of seconds since 1970 (up to ${MAX_USTAR_TIME})`);
  }
  return ok(Number(raw));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function stripBom(b: Buffer): Buffer {
  return b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? b.subarray(3) : b;
}

// ---- Walking the chart directory (Helm's sympath.Walk + LoadDir, with our symlink rules).

interface WalkState {
  root: string;
  rules: HelmIgnore;
  files: ArchiveFile[];
  bytes: number;
  walked: number;
  /** Real paths never to package: the archive being written and its .prov. */
  skip: Set<string>;
  warnings: Problem[];
}

function within(root: string, target: string): boolean {
  return target === root || target.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

function decodeName(raw: Buffer, rel: string): string {
  try {
    return utf8.decode(raw);
  } catch {
    throw new PackageError('chart-invalid', `"${escapeUntrusted(path.posix.join(rel, raw.toString('latin1')))}": file names must be UTF-8`);
  }
}

/** Names our archive reader (and so our verify) would refuse are refused here, not packaged. */
function checkPortable(childRel: string): void {
  const shown = `"${escapeUntrusted(childRel)}"`;
  if (/[\u0000-\u001f\u007f]/.test(childRel)) throw new PackageError('chart-invalid', `${shown}: a file name with a control character (such as a newline) is refused; rename it or list it in .helmignore`);
  if (childRel.includes('\\')) throw new PackageError('chart-invalid', `${shown}: a file name with a backslash is refused (Windows tools read it as a directory separator)`);
}

async function walkDir(state: WalkState, dirReal: string, dirLexical: string, rel: string, ancestors: string[]): Promise<void> {
  let names: Buffer[];
  try {
    names = await fs.readdir(dirLexical, { encoding: 'buffer' });
  } catch (e) {
    throw new PackageError('io-error', `Cannot read the directory ${dirLexical}: ${describeIoError(e)}`);
  }
  names.sort(Buffer.compare);
  for (const raw of names) {
    if (++state.walked > MAX_WALKED_ENTRIES) throw new PackageError('archive-too-large', `the chart directory has more than ${MAX_WALKED_ENTRIES} entries`);
    const name = decodeName(raw, rel);
    const childRel = rel === '' ? name : `${rel}/${name}`;
    const lexical = path.join(dirLexical, name);
    let info = await lstat(lexical);
    let real = path.join(dirReal, name);
    if (info.isSymbolicLink()) {
      try {
        real = await fs.realpath(lexical);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ELOOP') throw new PackageError('chart-unsafe-path', `${childRel}: symbolic link loop`);
        throw new PackageError('chart-unsafe-path', `${childRel}: broken symbolic link (${describeIoError(e)})`);
      }
      info = await lstat(real);
    }
    const isDir = info.isDirectory();
    const ignored = state.rules.ignores(childRel, isDir);
    if (state.rules.matchingSteps > MAX_IGNORE_STEPS) {
      throw new PackageError('archive-too-large', `.helmignore: matching its rules against the chart's files needs more than ${MAX_IGNORE_STEPS} steps (rules × files); real .helmignore files hold a few dozen rules`);
    }
    if (ignored) continue;
    checkPortable(childRel);
    if (!within(state.root, real)) {
      throw new PackageError('chart-unsafe-path', `${childRel} is a symbolic link to ${real}, outside the chart directory; its target is never packaged (copy the file into the chart instead)`);
    }
    if (isDir) {
      if (ancestors.includes(real)) throw new PackageError('chart-unsafe-path', `${childRel}: symbolic link loop (it leads back to ${real})`);
      await walkDir(state, real, lexical, childRel, [...ancestors, real]);
      continue;
    }
    if (!info.isFile()) {
      throw new PackageError('chart-unsafe-path', `${childRel} is not a regular file (a FIFO, socket or device); Helm refuses irregular files too`);
    }
    if (state.skip.has(real)) {
      state.warnings.push(warning(`${childRel} is the archive being written (or its .prov); left out so packaging twice gives the same archive`));
      continue;
    }
    if (rel === '' && /\.(tgz|prov)$/.test(name)) {
      state.warnings.push(warning(`${childRel} looks like a stale package; it is packaged (as Helm does) — add *.tgz and *.prov to .helmignore to leave it out`));
    }
    const data = await readRegular(real, childRel, info.size);
    state.bytes += data.length;
    if (state.bytes > MAX_UNCOMPRESSED_BYTES) throw new PackageError('archive-too-large', `the chart's files add up to more than ${MAX_UNCOMPRESSED_BYTES / 1048576} MiB (Helm's limit for a chart)`);
    if (state.files.length >= MAX_ENTRIES) throw new PackageError('archive-too-large', `the chart has more than ${MAX_ENTRIES} files`);
    state.files.push({ name: childRel, data: stripBom(data) });
  }
}

async function lstat(p: string): Promise<import('node:fs').Stats> {
  try {
    return await fs.lstat(p);
  } catch (e) {
    throw new PackageError('io-error', `Cannot read ${p}: ${describeIoError(e)}`);
  }
}

/** Reads a regular file without following a swapped-in symlink, and never more than the limit. */
async function readRegular(real: string, rel: string, expected: number): Promise<Buffer> {
  if (expected > MAX_ENTRY_BYTES) {
    throw new PackageError('archive-too-large', `${rel} is ${(expected / 1048576).toFixed(1)} MiB; Helm refuses files over ${MAX_ENTRY_BYTES / 1048576} MiB`);
  }
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(real, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0) | (fsConstants.O_NONBLOCK ?? 0));
    const info = await handle.stat();
    if (!info.isFile()) throw new PackageError('chart-unsafe-path', `${rel} changed into a non-regular file while packaging`);
    const buffer = Buffer.alloc(Math.min(info.size, MAX_ENTRY_BYTES) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      countWork('bytes-read', bytesRead);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) break;
    }
    if (length > MAX_ENTRY_BYTES) throw new PackageError('archive-too-large', `${rel} grew past ${MAX_ENTRY_BYTES / 1048576} MiB while being read`);
    return buffer.subarray(0, length);
  } catch (e) {
    if (e instanceof PackageError) throw e;
    throw new PackageError('io-error', `Cannot read ${rel}: ${describeIoError(e)}`);
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function warning(message: string): Problem {
  return { code: 'chart-invalid', severity: 'warning', message: escapeUntrusted(message, 2000) };
}

// ---- Loading (Helm's LoadFiles): which file becomes what, and subcharts.

interface LoadedChart {
  meta: ChartMetadata;
  lock?: ChartLock;
  values?: Buffer;
  schema?: Buffer;
  templates: ArchiveFile[];
  files: ArchiveFile[];
  dependencies: LoadedChart[];
}

interface Budget { bytes: number }

function text(file: ArchiveFile, where: string): string {
  try {
    return utf8.decode(file.data);
  } catch {
    throw new PackageError('chart-invalid', `${where}${file.name} is not valid UTF-8`);
  }
}

function loadChart(files: ArchiveFile[], where: string, depth: number, budget: Budget): LoadedChart {
  const chartYaml = files.find((f) => f.name === 'Chart.yaml');
  if (!chartYaml) throw new PackageError('chart-invalid', `${where}Chart.yaml is missing (or ignored by .helmignore)`);
  if (chartYaml.data.length > MAX_CHART_YAML_BYTES) throw new PackageError('archive-too-large', `${where}Chart.yaml is over ${MAX_CHART_YAML_BYTES / 1048576} MiB`);
  const requirements = files.find((f) => f.name === 'requirements.yaml');
  const meta = parseChartYaml(text(chartYaml, where), {
    requirementsYaml: requirements ? text(requirements, where) : undefined,
    fileName: `${where}Chart.yaml`,
  });
  if (!meta.ok) throw new PackageError(meta.error.code as EngineErrorCode, meta.error.message);
  const v1 = meta.value.apiVersion === 'v1';
  const chart: LoadedChart = { meta: meta.value, templates: [], files: [], dependencies: [] };
  const subcharts = new Map<string, ArchiveFile[]>();
  for (const f of files) {
    if (f.name === 'Chart.yaml') continue;
    if (f.name === 'Chart.lock' || f.name === 'requirements.lock') {
      const lock = parseChartLock(text(f, where), `${where}${f.name}`);
      if (!lock.ok) throw new PackageError('chart-invalid', lock.error.message);
      chart.lock = lock.value;
      // Helm keeps the Helm 2 files of a v1 chart as they are.
      if (v1 && f.name === 'requirements.lock') chart.files.push(f);
    } else if (f.name === 'requirements.yaml') {
      if (v1) chart.files.push(f);
    } else if (f.name === 'values.yaml') {
      chart.values = f.data;
    } else if (f.name === 'values.schema.json') {
      try {
        JSON.parse(text(f, where));
      } catch {
        throw new PackageError('chart-invalid', `${where}values.schema.json is not valid JSON`);
      }
      chart.schema = f.data;
    } else if (f.name.startsWith('templates/')) {
      chart.templates.push(f);
    } else if (f.name.startsWith('charts/')) {
      if (f.name.endsWith('.prov')) {
        chart.files.push(f);
        continue;
      }
      const rest = f.name.slice('charts/'.length);
      const cname = rest.split('/')[0];
      const list = subcharts.get(cname) ?? [];
      list.push({ name: rest, data: f.data });
      subcharts.set(cname, list);
    } else {
      chart.files.push(f);
    }
  }
  const names = [...subcharts.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const cname of names) {
    // Helm skips charts/_* and charts/.* entries entirely.
    if (cname.startsWith('_') || cname.startsWith('.')) continue;
    const sub = subcharts.get(cname) as ArchiveFile[];
    const subWhere = `${where}charts/${cname}/`;
    if (depth + 1 > MAX_SUBCHART_DEPTH) throw new PackageError('archive-too-large', `${subWhere}: subcharts nest more than ${MAX_SUBCHART_DEPTH} deep`);
    if (cname.endsWith('.tgz')) {
      if (sub[0].name !== cname) throw new PackageError('chart-invalid', `${where}charts/${cname} should be a chart archive, but it is a directory`);
      const inner = readChartArchiveBytes(sub[0].data, `${where}charts/${cname}`, { uncompressedBytes: budget.bytes }, true);
      if (!inner.ok) throw new PackageError(inner.error.code as EngineErrorCode, inner.error.message);
      budget.bytes -= inner.value.uncompressedSize;
      chart.dependencies.push(loadChart(inner.value.files, subWhere, depth + 1, budget));
    } else {
      const inner = sub.filter((f) => f.name.includes('/')).map((f) => ({ name: f.name.slice(cname.length + 1), data: f.data }));
      chart.dependencies.push(loadChart(inner, subWhere, depth + 1, budget));
    }
  }
  return chart;
}

/** Helm's CheckDependencies: every dependency in Chart.yaml must be in charts/. */
function checkDependencies(chart: LoadedChart): void {
  const present = new Set(chart.dependencies.map((d) => d.meta.name));
  const missing = (chart.meta.dependencies ?? []).map((d) => d.name).filter((n) => !present.has(n));
  if (missing.length > 0) {
    throw new PackageError('chart-invalid', `found in Chart.yaml, but missing in charts/ directory: ${missing.join(', ')} (run helm dependency build)`);
  }
}

// ---- Writing: Go archive/tar headers, in Helm's order.

const NAME_SIZE = 100;
const PREFIX_SIZE = 155;

interface TarEntry { path: string; data: Buffer }

function collectEntries(chart: LoadedChart, prefix: string, out: PackagedFile[]): void {
  const base = prefix === '' ? chart.meta.name : `${prefix}/${chart.meta.name}`;
  out.push({ path: `${base}/Chart.yaml`, data: Buffer.from(archiveChartYaml(chart.meta), 'utf8'), rewritten: 'chart-yaml' });
  if (chart.meta.apiVersion === 'v2' && chart.lock) out.push({ path: `${base}/Chart.lock`, data: Buffer.from(archiveChartLock(chart.lock), 'utf8'), rewritten: 'chart-lock' });
  if (chart.values) out.push({ path: `${base}/values.yaml`, data: chart.values });
  if (chart.schema) out.push({ path: `${base}/values.schema.json`, data: chart.schema });
  for (const f of [...chart.templates, ...chart.files]) out.push({ path: `${base}/${f.name}`, data: f.data });
  for (const dep of chart.dependencies) collectEntries(dep, `${base}/charts`, out);
}

const isAscii = (s: string): boolean => /^[\x00-\x7f]*$/.test(s);

/** Go's splitUSTARPath: a long ASCII name split at a slash into prefix (≤155) and name (≤100). */
function splitUstarPath(name: string): [string, string] | undefined {
  if (name.length <= NAME_SIZE || !isAscii(name)) return undefined;
  let length = name.length;
  if (length > PREFIX_SIZE + 1) length = PREFIX_SIZE + 1;
  else if (name[length - 1] === '/') length--;
  const i = name.lastIndexOf('/', length - 1);
  const nlen = name.length - i - 1;
  if (i <= 0 || nlen > NAME_SIZE || nlen === 0 || i > PREFIX_SIZE) return undefined;
  return [name.slice(0, i), name.slice(i + 1)];
}

/** Go's formatString: copy, NUL-terminate when short, and never leave a trailing slash when truncated. */
function putString(block: Buffer, offset: number, size: number, value: Buffer): void {
  value.copy(block, offset, 0, Math.min(size, value.length));
  if (value.length < size) block[offset + value.length] = 0;
  if (value.length > size && block[offset + size - 1] === 0x2f) {
    let n = size - 1;
    while (n > 0 && block[offset + n - 1] === 0x2f) n--;
    block[offset + n] = 0;
  }
}

/** Go's formatOctal: zero-padded octal leaving room for a NUL. */
function putOctal(block: Buffer, offset: number, size: number, value: number): void {
  putString(block, offset, size, Buffer.from(value.toString(8).padStart(size - 1, '0'), 'latin1'));
}

/** Go's toASCII: non-ASCII runes dropped (for the legacy name field of a PAX entry). */
function toAscii(s: string): Buffer {
  return Buffer.from(s.replace(/[^\x00-\x7f]/gu, ''), 'latin1');
}

/**
 * One header block. `raw` is Go's writeRawFile (the PAX header itself): only the V7 numeric fields are
 * formatted; otherwise templateV7Plus, which also formats the device numbers.
 */
function header(name: Buffer, prefix: Buffer | undefined, typeflag: string, mode: number, size: number, mtime: number, raw = false): Buffer {
  const block = Buffer.alloc(512);
  putString(block, 0, 100, name);
  putOctal(block, 100, 8, mode);
  putOctal(block, 108, 8, 0);
  putOctal(block, 116, 8, 0);
  putOctal(block, 124, 12, size);
  putOctal(block, 136, 12, mtime);
  block[156] = typeflag.charCodeAt(0);
  if (!raw) {
    putOctal(block, 329, 8, 0);
    putOctal(block, 337, 8, 0);
  }
  if (prefix) putString(block, 345, 155, prefix);
  block.write('ustar\u000000', 257, 'latin1');
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
  putOctal(block, 148, 7, sum);
  block[155] = 0x20;
  return block;
}

function padded(data: Buffer): Buffer[] {
  const rest = data.length % 512;
  return rest === 0 ? [data] : [data, Buffer.alloc(512 - rest)];
}

/** One PAX record "len key=value\n" where len counts itself (Go's formatPAXRecord). */
function paxRecord(key: string, value: string): string {
  const kv = Buffer.byteLength(key) + Buffer.byteLength(value) + 3;
  let size = kv + String(kv).length;
  let record = `${size} ${key}=${value}\n`;
  if (Buffer.byteLength(record) !== size) {
    size = Buffer.byteLength(record);
    record = `${size} ${key}=${value}\n`;
  }
  return record;
}

/** Tar bytes exactly as Go's archive/tar writes Helm's headers (USTAR, or PAX for long/non-ASCII names). */
export function goTarBytes(entries: TarEntry[], mtime: number): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const ascii = isAscii(entry.path);
    const split = splitUstarPath(entry.path);
    if (ascii && (entry.path.length <= NAME_SIZE || split)) {
      const [prefix, name] = split ?? [undefined, entry.path];
      parts.push(header(Buffer.from(name, 'latin1'), prefix === undefined ? undefined : Buffer.from(prefix, 'latin1'), '0', 0o644, entry.data.length, mtime));
    } else {
      const records = Buffer.from(paxRecord('path', entry.path), 'utf8');
      const slash = entry.path.lastIndexOf('/');
      const paxName = toAscii(`${entry.path.slice(0, slash + 1)}PaxHeaders.0/${entry.path.slice(slash + 1)}`);
      const paxNameField = Buffer.from(paxName.subarray(0, NAME_SIZE).toString('latin1').replace(/\/+$/, ''), 'latin1');
      parts.push(header(paxNameField, undefined, 'x', 0, records.length, 0, true), ...padded(records));
      parts.push(header(toAscii(entry.path), undefined, '0', 0o644, entry.data.length, mtime));
    }
    parts.push(...padded(entry.data));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** gzip with no timestamp and OS byte 255 ("unknown"), so the bytes do not depend on the platform. */
function gzipDeterministic(data: Buffer): Buffer {
  const out = zlib.gzipSync(data, { level: zlib.constants.Z_BEST_COMPRESSION });
  out[9] = 0xff;
  return out;
}

// ---- The entry points.

function resolveMtime(sourceDateEpoch: number | undefined): Result<number> {
  let mtime = sourceDateEpoch;
  if (mtime === undefined) {
    const fromEnv = sourceDateEpochFromEnv();
    if (!fromEnv.ok) return fromEnv;
    mtime = fromEnv.value ?? DEFAULT_MTIME;
  }
  if (!Number.isInteger(mtime) || mtime < 0 || mtime > MAX_USTAR_TIME) {
    return fail('chart-invalid', `sourceDateEpoch ${mtime} is not a whole number of seconds between 0 and ${MAX_USTAR_TIME}`);
  }
  return ok(mtime);
}

export async function packageChart(chartDir: string, options: PackageOptions): Promise<Result<PackageResult>> {
  const mtime = resolveMtime(options.sourceDateEpoch);
  if (!mtime.ok) return mtime;
  const plan = await planPackage(chartDir, options.outDir);
  if (!plan.ok) return plan;
  return writePackage(plan.value, mtime.value);
}

/**
 * Everything packaging `chartDir` into `outDir` would write, read and checked as packaging does, but
 * nothing written (outDir need not exist). The archive at the plan's path and its .prov are left out
 * of the walk, as packaging over them leaves them out.
 */
export async function planPackage(chartDir: string, outDir: string): Promise<Result<PackagePlan>> {
  try {
    let root: string;
    try {
      root = await fs.realpath(chartDir);
    } catch (e) {
      return fail('io-error', `Cannot read the chart directory ${escapeUntrusted(chartDir)}: ${describeIoError(e)}`);
    }
    if (!(await fs.stat(root)).isDirectory()) return fail('chart-invalid', `${escapeUntrusted(chartDir)} is not a chart directory`);

    // Name and version first: they name the output file, which must not be packaged into itself.
    const chartYamlPath = path.join(root, 'Chart.yaml');
    const head = await readChartYamlForName(root, chartYamlPath);
    const archiveName = `${head.name}-${head.version}.tgz`;
    const archivePath = path.join(path.resolve(outDir), archiveName);
    const outReal = path.join(await fs.realpath(outDir).catch(() => path.resolve(outDir)), archiveName);

    const rules = await readHelmIgnore(root);
    const state: WalkState = { root, rules, files: [], bytes: 0, walked: 0, skip: new Set([outReal, `${outReal}.prov`]), warnings: [] };
    await walkDir(state, root, root, '', [root]);

    const chart = loadChart(state.files, '', 0, { bytes: MAX_UNCOMPRESSED_BYTES - state.bytes });
    checkDependencies(chart);
    const files: PackagedFile[] = [];
    collectEntries(chart, '', files);
    const seen = new Set<string>();
    for (const e of files) {
      if (seen.has(e.path)) throw new PackageError('chart-invalid', `${e.path} would be written twice (two subcharts with one name?)`);
      seen.add(e.path);
    }
    if (files.length > MAX_ENTRIES) throw new PackageError('archive-too-large', `the archive would hold more than ${MAX_ENTRIES} files`);
    return ok({ name: chart.meta.name, version: chart.meta.version, archivePath, files, warnings: state.warnings });
  } catch (e) {
    if (e instanceof PackageError) return fail(e.code, e.message);
    return fail('io-error', `Cannot package ${escapeUntrusted(chartDir)}: ${describeIoError(e)}`);
  }
}

/** Writes a plan's archive (atomically), every entry dated `sourceDateEpoch` (default as in packageChart). */
export async function writePackage(plan: PackagePlan, sourceDateEpoch?: number): Promise<Result<PackageResult>> {
  const mtime = resolveMtime(sourceDateEpoch);
  if (!mtime.ok) return mtime;
  const tar = goTarBytes(plan.files, mtime.value);
  if (tar.length > MAX_UNCOMPRESSED_BYTES) return fail('archive-too-large', `the archive would inflate to more than ${MAX_UNCOMPRESSED_BYTES / 1048576} MiB (Helm's limit)`);
  const gzipped = gzipDeterministic(tar);
  try {
    await fs.mkdir(path.dirname(plan.archivePath), { recursive: true });
  } catch (e) {
    return fail('io-error', `Cannot create ${path.dirname(plan.archivePath)}: ${describeIoError(e)}`);
  }
  const written = await writeFileAtomic(plan.archivePath, gzipped);
  if (!written.ok) return written;
  return ok({
    archivePath: plan.archivePath, name: plan.name, version: plan.version, entries: plan.files.map((e) => e.path),
    sha256: createHash('sha256').update(gzipped).digest('hex'), warnings: plan.warnings,
  });
}

async function readChartYamlForName(root: string, chartYamlPath: string): Promise<ChartMetadata> {
  let real: string;
  try {
    real = await fs.realpath(chartYamlPath);
  } catch (e) {
    throw new PackageError('chart-invalid', `${chartYamlPath} is missing (${describeIoError(e)})`);
  }
  if (!within(root, real)) throw new PackageError('chart-unsafe-path', `Chart.yaml is a symbolic link to ${real}, outside the chart directory`);
  const info = await fs.stat(real);
  if (!info.isFile()) throw new PackageError('chart-unsafe-path', 'Chart.yaml is not a regular file');
  if (info.size > MAX_CHART_YAML_BYTES) throw new PackageError('archive-too-large', `Chart.yaml is over ${MAX_CHART_YAML_BYTES / 1048576} MiB`);
  const meta = parseChartYaml(stripBom(await readRegular(real, 'Chart.yaml', info.size)));
  if (!meta.ok) throw new PackageError('chart-invalid', meta.error.message);
  return meta.value;
}

async function readHelmIgnore(root: string): Promise<HelmIgnore> {
  const file = path.join(root, HELMIGNORE_FILE);
  let real: string;
  try {
    real = await fs.realpath(file);
  } catch {
    return HelmIgnore.defaults();
  }
  if (!within(root, real)) throw new PackageError('chart-unsafe-path', `.helmignore is a symbolic link to ${real}, outside the chart directory`);
  const info = await fs.stat(real);
  if (!info.isFile()) throw new PackageError('chart-unsafe-path', '.helmignore is not a regular file');
  const parsed = HelmIgnore.parse(await readRegular(real, HELMIGNORE_FILE, info.size));
  if (!parsed.ok) throw new PackageError('chart-invalid', parsed.error.message);
  return parsed.value;
}
