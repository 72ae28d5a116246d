// Reading a chart directory as Helm's sympath.Walk + LoadDir do (the same files, in the same order,
// .helmignore applied), with our rules on top: symlinks are followed only inside the chart directory
// (Helm embeds whatever they point to: /etc/passwd, /dev/zero), loops are refused, and so are FIFOs,
// devices, sockets, names our archive reader would refuse (control characters, backslashes, non-UTF-8)
// and files over Helm's 5 MiB limit. Stale `*.tgz`/`*.prov` files are read as Helm does, with a warning,
// except the paths the caller skips (the archive being written and its .prov).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Problem } from './codes';
import { MAX_CHART_YAML_BYTES, MAX_ENTRIES, MAX_ENTRY_BYTES, MAX_UNCOMPRESSED_BYTES } from './archiveLimits';
import type { ArchiveFile } from './archiveContents';
import { parseChartYaml } from './chartYaml';
import type { ChartMetadata } from './chartMetadata';
import { EngineError } from './engineError';
import { readBoundedFile } from './boundedRead';
import { describeIoError } from './hash';
import { escapeUntrusted, quotedUntrusted } from './untrustedText';
import { strictUtf8, withoutBom } from './utf8';
import { HELMIGNORE_FILE, HelmIgnore } from './helmignore';

/** Directory entries looked at (ignored ones included), so a symlink fan-out cannot walk forever. */
export const MAX_WALKED_ENTRIES = 200_000;
/**
 * .helmignore matching (HelmIgnore.matchingSteps: rules tried plus pattern bytes compared). Every path
 * meets every rule, so this bounds rules × paths: Helm's default .helmignore against 20 000 paths
 * needs 11 million; 10 000 rules against 2 000 paths (a 100 KB file) would need 218 million.
 */
export const MAX_IGNORE_STEPS = 50_000_000;

interface WalkState {
  root: string;
  rules: HelmIgnore;
  files: ArchiveFile[];
  bytes: number;
  walked: number;
  /** `bytes` at the last yield to the event loop. */
  bytesAtYield: number;
  /** Real paths never to package: the archive being written and its .prov. */
  skip: Set<string>;
  warnings: Problem[];
  read: ReadAhead;
}

/**
 * Files read before the walk (Chart.yaml for the archive's name, .helmignore), by real path, as read:
 * the walk takes their bytes instead of reading them a second time.
 */
export type ReadAhead = Map<string, Buffer>;

function within(root: string, target: string): boolean {
  return target === root || target.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

function decodeName(raw: Buffer, rel: string): string {
  const name = strictUtf8(raw);
  if (name === undefined) throw new EngineError('chart-invalid', `${quotedUntrusted(path.posix.join(rel, raw.toString('latin1')))}: file names must be UTF-8`);
  return name;
}

/** Names our archive reader (and so our verify) would refuse are refused here, not packaged. */
function checkPortable(childRel: string): void {
  const shown = quotedUntrusted(childRel);
  if (/[\u0000-\u001f\u007f]/.test(childRel)) throw new EngineError('chart-invalid', `${shown}: a file name with a control character (such as a newline) is refused; rename it or list it in .helmignore`);
  if (childRel.includes('\\')) throw new EngineError('chart-invalid', `${shown}: a file name with a backslash is refused (Windows tools read it as a directory separator)`);
}

/**
 * Entries walked between yields to the event loop: the walk is synchronous (a promise per `lstat` cost
 * more than the call, and waited on the thread pool), and a chart of thousands of files must not hold
 * an editor's requests for its whole walk; 200 entries read take a few milliseconds.
 */
const ENTRIES_PER_YIELD = 200;
/** Bytes read between yields, too: 200 files of up to 5 MiB each would hold requests for 100 MiB of reads. */
const BYTES_PER_YIELD = 4 * 1024 * 1024;

async function walkDir(state: WalkState, dirReal: string, dirLexical: string, rel: string, ancestors: string[]): Promise<void> {
  let entries: fs.Dirent<Buffer>[];
  try {
    entries = fs.readdirSync(dirLexical, { encoding: 'buffer', withFileTypes: true });
  } catch (e) {
    throw new EngineError('io-error', `Cannot read the directory ${dirLexical}: ${describeIoError(e)}`);
  }
  entries.sort((a, b) => Buffer.compare(a.name, b.name));
  for (const entry of entries) {
    if (++state.walked > MAX_WALKED_ENTRIES) throw new EngineError('archive-too-large', `the chart directory has more than ${MAX_WALKED_ENTRIES} entries`);
    if (state.walked % ENTRIES_PER_YIELD === 0 || state.bytes - state.bytesAtYield >= BYTES_PER_YIELD) {
      state.bytesAtYield = state.bytes;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const name = decodeName(entry.name, rel);
    const childRel = rel === '' ? name : `${rel}/${name}`;
    const lexical = path.join(dirLexical, name);
    let real = path.join(dirReal, name);
    // The entry's type as listed (Node looks at an entry whose type the file system does not give);
    // only a symbolic link needs a look at what it leads to.
    let info: Pick<fs.Stats, 'isDirectory' | 'isFile'> = entry;
    if (entry.isSymbolicLink()) {
      try {
        real = fs.realpathSync.native(lexical);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ELOOP') throw new EngineError('chart-unsafe-path', `${childRel}: symbolic link loop`);
        throw new EngineError('chart-unsafe-path', `${childRel}: broken symbolic link (${describeIoError(e)})`);
      }
      info = lstat(real);
    }
    const isDir = info.isDirectory();
    const ignored = state.rules.ignores(childRel, isDir);
    if (state.rules.matchingSteps > MAX_IGNORE_STEPS) {
      throw new EngineError('archive-too-large', `.helmignore: matching its rules against the chart's files needs more than ${MAX_IGNORE_STEPS} steps (rules × files); real .helmignore files hold a few dozen rules`);
    }
    if (ignored) continue;
    checkPortable(childRel);
    if (!within(state.root, real)) {
      throw new EngineError('chart-unsafe-path', `${childRel} is a symbolic link to ${real}, outside the chart directory; its target is never packaged (copy the file into the chart instead)`);
    }
    if (isDir) {
      if (ancestors.includes(real)) throw new EngineError('chart-unsafe-path', `${childRel}: symbolic link loop (it leads back to ${real})`);
      await walkDir(state, real, lexical, childRel, [...ancestors, real]);
      continue;
    }
    if (!info.isFile()) {
      throw new EngineError('chart-unsafe-path', `${childRel} is not a regular file (a FIFO, socket or device); Helm refuses irregular files too`);
    }
    if (state.skip.has(real)) {
      state.warnings.push(warning(`${childRel} is the archive being written (or its .prov); left out so packaging twice gives the same archive`));
      continue;
    }
    if (rel === '' && /\.(tgz|prov)$/.test(name)) {
      state.warnings.push(warning(`${childRel} looks like a stale package; it is packaged (as Helm does) — add *.tgz and *.prov to .helmignore to leave it out`));
    }
    const data = state.read.get(real) ?? readChartFile(real, childRel);
    state.bytes += data.length;
    if (state.bytes > MAX_UNCOMPRESSED_BYTES) throw new EngineError('archive-too-large', `the chart's files add up to more than ${MAX_UNCOMPRESSED_BYTES / 1048576} MiB (Helm's limit for a chart)`);
    if (state.files.length >= MAX_ENTRIES) throw new EngineError('archive-too-large', `the chart has more than ${MAX_ENTRIES} files`);
    state.files.push({ name: childRel, data: withoutBom(data) });
  }
}

function lstat(p: string): fs.Stats {
  try {
    return fs.lstatSync(p);
  } catch (e) {
    throw new EngineError('io-error', `Cannot read ${p}: ${describeIoError(e)}`);
  }
}

/**
 * A file of the chart at its real path, never through a symlink swapped in after the walk looked, and
 * never more than Helm's limit for one file.
 */
function readChartFile(real: string, rel: string): Buffer {
  const read = readBoundedFile(real, MAX_ENTRY_BYTES, { noFollow: true });
  if (read.ok) return read.bytes;
  switch (read.reason) {
    case 'too-large':
      throw new EngineError('archive-too-large', read.size === undefined
        ? `${rel} grew while being read`
        : `${rel} is ${(read.size / 1048576).toFixed(1)} MiB; Helm refuses files over ${MAX_ENTRY_BYTES / 1048576} MiB`);
    case 'not-a-file': throw new EngineError('chart-unsafe-path', `${rel} changed into a non-regular file while packaging`);
    default: throw new EngineError('io-error', `Cannot read ${rel}: ${read.detail}`);
  }
}

function warning(message: string): Problem {
  return { code: 'chart-invalid', severity: 'warning', message: escapeUntrusted(message, 2000) };
}

/** What a chart directory holds for packaging: its files (BOM removed), their total size, and warnings. */
export interface ChartDirectoryFiles { files: ArchiveFile[]; bytes: number; warnings: Problem[] }

/**
 * Walks the chart directory `root` (a real path), leaving out the real paths in `skip`; files in `read`
 * are not read again. Throws EngineError.
 */
export async function readChartDirectory(root: string, skip: Set<string>, read: ReadAhead): Promise<ChartDirectoryFiles> {
  const rules = readHelmIgnore(root, read);
  const state: WalkState = { root, rules, files: [], bytes: 0, walked: 0, bytesAtYield: 0, skip, warnings: [], read };
  await walkDir(state, root, root, '', [root]);
  return { files: state.files, bytes: state.bytes, warnings: state.warnings };
}

/**
 * The real path of `file`, a name in the chart's real directory: the path itself, with what it is,
 * unless it is a symbolic link (one look, where resolving the whole path reads every component).
 * Throws as realpath does (missing, a broken link, a loop).
 */
function realPathInRoot(file: string): { real: string; info?: fs.Stats } {
  const info = fs.lstatSync(file);
  return info.isSymbolicLink() ? { real: fs.realpathSync.native(file) } : { real: file, info };
}

/** Chart.yaml of the chart directory `root`, read before the walk (kept in `read`): its name and version name the archive. */
export function readChartYamlForName(root: string, read: ReadAhead): ChartMetadata {
  const chartYamlPath = path.join(root, 'Chart.yaml');
  let found: { real: string; info?: fs.Stats };
  try {
    found = realPathInRoot(chartYamlPath);
  } catch (e) {
    throw new EngineError('chart-invalid', `${chartYamlPath} is missing (${describeIoError(e)})`);
  }
  const real = found.real;
  if (!within(root, real)) throw new EngineError('chart-unsafe-path', `Chart.yaml is a symbolic link to ${real}, outside the chart directory`);
  const info = found.info ?? fs.statSync(real);
  if (!info.isFile()) throw new EngineError('chart-unsafe-path', 'Chart.yaml is not a regular file');
  if (info.size > MAX_CHART_YAML_BYTES) throw new EngineError('archive-too-large', `Chart.yaml is over ${MAX_CHART_YAML_BYTES / 1048576} MiB`);
  const bytes = readChartFile(real, 'Chart.yaml');
  read.set(real, bytes);
  const meta = parseChartYaml(withoutBom(bytes));
  if (!meta.ok) throw new EngineError('chart-invalid', meta.error.message);
  return meta.value;
}

function readHelmIgnore(root: string, read: ReadAhead): HelmIgnore {
  let found: { real: string; info?: fs.Stats };
  try {
    found = realPathInRoot(path.join(root, HELMIGNORE_FILE));
  } catch {
    return HelmIgnore.defaults();
  }
  const real = found.real;
  if (!within(root, real)) throw new EngineError('chart-unsafe-path', `.helmignore is a symbolic link to ${real}, outside the chart directory`);
  const info = found.info ?? fs.statSync(real);
  if (!info.isFile()) throw new EngineError('chart-unsafe-path', '.helmignore is not a regular file');
  const bytes = read.get(real) ?? readChartFile(real, HELMIGNORE_FILE);
  read.set(real, bytes);
  const parsed = HelmIgnore.parse(bytes);
  if (!parsed.ok) throw new EngineError('chart-invalid', parsed.error.message);
  return parsed.value;
}
