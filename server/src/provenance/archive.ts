// Reads a chart archive (`<name>-<version>.tgz`) the way a careful Helm would: gunzip and a tar walk
// of our own (node:zlib + a small header parser), streamed, with hard limits, and strict about
// everything tools disagree on.
//
// Why our own tar walk instead of the `tar` package's Parser: we must count and refuse before bytes
// pile up (a declared 200 MB entry is refused at its header), know exactly which name wins when PAX and
// GNU headers stack up, and refuse a global PAX header that renames entries (node-tar applies it, Go's
// archive/tar and so Helm ignore it — they would see different files). That is ~150 lines.
//
// Refused (archive-invalid): not gzip (plain tar), damaged or truncated data, bytes after the last gzip
// member (zero padding excepted, as gzip(1) allows), data after the tar end marker, absolute paths,
// `..`/`.`/empty path components, backslashes, control characters, non-UTF-8 names, paths over 4096
// bytes or 128 components (MAX_PATH_BYTES, MAX_PATH_DEPTH), links, devices,
// FIFOs, sparse and unknown entry types, PAX/GNU headers that stack or rename, entries outside one top
// directory, a top directory other than the chart name, duplicate paths, more than one Chart.yaml
// (also by case), and no Chart.yaml. Limits (archive-too-large) are below. Subchart archives in
// `charts/` are never inflated: only the top Chart.yaml decides a chart's name and version.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { fail, ok, type EngineErrorCode, type Problem, type Result } from './codes';
import { parseChartYaml } from './chartYaml';
import type { ChartMetadata } from './chartMetadata';
import { readBoundedFile } from './boundedRead';
import { describeIoError } from './hash';
import { escapeUntrusted } from './untrustedText';
import { ArchivePaths } from './archivePaths';
import { countWork } from './work';

/** Helm's own limit on a chart's decompressed size (archive.MaxDecompressedChartSize). */
export const MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024;
/** Compressed data cannot sensibly exceed what it inflates to. */
export const MAX_COMPRESSED_BYTES = 100 * 1024 * 1024;
/** Helm's limit on one file in a chart (archive.MaxDecompressedFileSize): bigger ones Helm cannot load. */
export const MAX_ENTRY_BYTES = 5 * 1024 * 1024;
/** Large real charts (with subcharts and dashboards) hold a few thousand files; 200 000 empty entries do not pass. */
export const MAX_ENTRIES = 20_000;
/** Real Chart.yaml files are a few KB; 1 MiB leaves room for long annotations and caps YAML parsing work. */
export const MAX_CHART_YAML_BYTES = 1024 * 1024;
/** Go's archive/tar refuses PAX and GNU long-name headers beyond 1 MiB (maxSpecialFileSize). */
const MAX_META_HEADER_BYTES = 1024 * 1024;
/**
 * Longest entry path, in UTF-8 bytes: Linux's PATH_MAX, so an archive Helm could not unpack under any
 * directory is refused before its path is split or recorded (a PAX header may carry 1 MiB of path).
 */
export const MAX_PATH_BYTES = 4096;
/** Deepest entry path, in components: real charts, subcharts included, stay within a few dozen. */
export const MAX_PATH_DEPTH = 128;

export interface ArchiveLimits {
  compressedBytes: number;
  uncompressedBytes: number;
  entryBytes: number;
  entries: number;
  chartYamlBytes: number;
}

export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  compressedBytes: MAX_COMPRESSED_BYTES,
  uncompressedBytes: MAX_UNCOMPRESSED_BYTES,
  entryBytes: MAX_ENTRY_BYTES,
  entries: MAX_ENTRIES,
  chartYamlBytes: MAX_CHART_YAML_BYTES,
});

export interface ArchiveEntry {
  /** Full path in the archive, `/`-separated, without a trailing slash for directories. */
  path: string;
  type: 'file' | 'directory';
  size: number;
}

export interface ArchiveFile {
  /** Path relative to the chart's top directory (`templates/x.yaml`), as Helm's loader names it. */
  name: string;
  /** Contents with a leading UTF-8 BOM removed, as Helm's loader does. */
  data: Buffer;
}

export interface ChartArchive {
  /** The single top-level directory, equal to the chart name. */
  chartDir: string;
  /** `<chartDir>/Chart.yaml` as text (UTF-8 BOM removed). */
  chartYaml: string;
  metadata: ChartMetadata;
  entries: ArchiveEntry[];
  /** SHA-256 of the archive file, lowercase hex (readChartArchive only; the bytes' digest otherwise). */
  sha256: string;
  compressedSize: number;
  uncompressedSize: number;
  /** Findings that do not stop the archive being read (e.g. names differing only by case). */
  problems: Problem[];
}

class ArchiveError extends Error {
  // Messages quote entry names, PAX keys and header bytes: escaped whatever the message.
  constructor(readonly code: EngineErrorCode, message: string) { super(escapeUntrusted(message, 2000)); }
}

const BLOCK = 512;
const utf8 = new TextDecoder('utf-8', { fatal: true });

const ZEROS = Buffer.alloc(64 * 1024);

/** memcmp against zeros, in slices: fast even across 100 MiB of padding. */
function isZeroBlock(b: Buffer): boolean {
  for (let i = 0; i < b.length; i += ZEROS.length) {
    const part = b.subarray(i, i + ZEROS.length);
    if (!part.equals(ZEROS.subarray(0, part.length))) return false;
  }
  return true;
}

/** A NUL-terminated header string (raw bytes: decoded once the final name is known). */
function field(block: Buffer, start: number, length: number): Buffer {
  const raw = block.subarray(start, start + length);
  const nul = raw.indexOf(0);
  return nul < 0 ? raw : raw.subarray(0, nul);
}

/** Go's parseNumeric: base-256 when the top bit is set, else octal with spaces/NULs trimmed. */
function numeric(block: Buffer, start: number, length: number, what: string): number {
  const raw = block.subarray(start, start + length);
  if (raw[0] & 0x80) {
    if (raw[0] === 0xff) throw new ArchiveError('archive-invalid', `negative ${what} in a tar header`);
    let value = BigInt(raw[0] & 0x7f);
    for (let i = 1; i < raw.length; i++) value = (value << 8n) | BigInt(raw[i]);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ArchiveError('archive-too-large', `a tar header declares an absurd ${what}`);
    return Number(value);
  }
  const text = raw.toString('latin1').replace(/^[ \0]+|[ \0]+$/g, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new ArchiveError('archive-invalid', `damaged tar header (${what} field "${text}")`);
  return parseInt(text, 8);
}

function checksumOk(block: Buffer): boolean {
  const stored = numeric(block, 148, 8, 'checksum');
  let unsigned = 0, signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

/** PAX records "len key=value\n", strictly. */
function parsePax(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let rest = data;
  while (rest.length > 0) {
    const space = rest.indexOf(0x20);
    const lenText = space > 0 ? rest.subarray(0, space).toString('latin1') : '';
    const len = /^[1-9][0-9]*$/.test(lenText) ? Number(lenText) : NaN;
    if (!(len <= rest.length) || rest[len - 1] !== 0x0a) throw new ArchiveError('archive-invalid', 'damaged PAX extended header');
    const record = rest.subarray(space + 1, len - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) throw new ArchiveError('archive-invalid', 'damaged PAX extended header');
    let key: string, value: string;
    try {
      key = utf8.decode(record.subarray(0, eq));
      value = utf8.decode(record.subarray(eq + 1));
    } catch {
      throw new ArchiveError('archive-invalid', 'a PAX extended header is not UTF-8');
    }
    if (records.has(key)) throw new ArchiveError('archive-invalid', `a PAX extended header repeats "${key}"`);
    records.set(key, value);
    rest = rest.subarray(len);
  }
  return records;
}

interface RawEntry { name: string; type: 'file' | 'directory'; size: number }

/** What a chart archive's tar walker hands to its consumer. */
interface EntrySink {
  /** Called at each real entry; returns whether its data should be delivered. */
  entry(e: RawEntry): boolean;
  data(chunk: Buffer): void;
  entryEnd(): void;
}

/** Push parser over the decompressed stream. Throws ArchiveError. */
class TarWalker {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private state: 'header' | 'meta' | 'body' | 'zero-seen' | 'ended' = 'header';
  private remaining = 0;
  private padding = 0;
  private deliver = false;
  private metaKind: 'x' | 'L' | 'g' | undefined;
  private metaData: Buffer[] = [];
  private pendingPax: Map<string, string> | undefined;
  private pendingLongName: Buffer | undefined;
  uncompressed = 0;

  constructor(private readonly sink: EntrySink, private readonly limits: ArchiveLimits) {}

  write(chunk: Buffer): void {
    this.uncompressed += chunk.length;
    countWork('bytes-inflated', chunk.length);
    if (this.uncompressed > this.limits.uncompressedBytes) {
      throw new ArchiveError('archive-too-large', `the archive inflates to more than ${mib(this.limits.uncompressedBytes)} (Helm's limit for a chart)`);
    }
    let rest = chunk;
    while (rest.length > 0) {
      if (this.state === 'body' || this.state === 'meta') {
        rest = this.consumeBody(rest);
      } else if (this.state === 'ended') {
        if (!isZeroBlock(rest)) throw new ArchiveError('archive-invalid', 'data follows the end of the tar archive');
        return;
      } else if (this.bufferedBytes === 0 && rest.length >= BLOCK) {
        // A whole header in this chunk (always, for an archive inflated at once): no copy.
        const block = rest.subarray(0, BLOCK);
        rest = rest.subarray(BLOCK);
        this.header(block);
      } else {
        const need = BLOCK - this.bufferedBytes;
        const take = rest.subarray(0, need);
        this.buffered.push(take);
        this.bufferedBytes += take.length;
        rest = rest.subarray(take.length);
        if (this.bufferedBytes === BLOCK) {
          const block = Buffer.concat(this.buffered, BLOCK);
          this.buffered = [];
          this.bufferedBytes = 0;
          this.header(block);
        }
      }
    }
  }

  end(): void {
    if (this.state === 'ended' || this.state === 'zero-seen') return;
    if (this.state === 'header' && this.bufferedBytes === 0 && !this.metaKind && !this.pendingPax && !this.pendingLongName) {
      // Go's archive/tar (and so Helm) accepts a stream that stops between entries without end marker.
      return;
    }
    throw new ArchiveError('archive-invalid', 'the archive is truncated (it ends inside an entry)');
  }

  private consumeBody(chunk: Buffer): Buffer {
    if (this.remaining > 0) {
      const take = chunk.subarray(0, this.remaining);
      this.remaining -= take.length;
      if (this.state === 'meta') this.metaData.push(take);
      else if (this.deliver) this.sink.data(take);
      chunk = chunk.subarray(take.length);
      if (this.remaining > 0) return chunk;
    }
    const skip = Math.min(this.padding, chunk.length);
    this.padding -= skip;
    chunk = chunk.subarray(skip);
    if (this.padding === 0) this.finishBody();
    return chunk;
  }

  private finishBody(): void {
    if (this.state === 'meta') {
      const data = Buffer.concat(this.metaData);
      this.metaData = [];
      const kind = this.metaKind;
      this.metaKind = undefined;
      if (kind === 'x') this.pendingPax = parsePax(data);
      else if (kind === 'L') this.pendingLongName = field(data, 0, data.length);
      else this.checkGlobal(parsePax(data));
    } else {
      this.sink.entryEnd();
    }
    this.state = 'header';
  }

  private checkGlobal(records: Map<string, string>): void {
    for (const key of ['path', 'linkpath', 'size']) {
      if (records.has(key)) {
        throw new ArchiveError('archive-invalid', `a global PAX header sets "${key}" for later entries; tar tools disagree on it (Helm ignores it), so the archive is ambiguous`);
      }
    }
  }

  private header(block: Buffer): void {
    countWork('tar-steps');
    if (this.state === 'zero-seen') {
      if (!isZeroBlock(block)) throw new ArchiveError('archive-invalid', 'damaged tar end marker (a zero block followed by data)');
      this.state = 'ended';
      return;
    }
    if (isZeroBlock(block)) {
      if (this.metaKind || this.pendingPax || this.pendingLongName) throw new ArchiveError('archive-invalid', 'an extended header is not followed by an entry');
      this.state = 'zero-seen';
      return;
    }
    if (!checksumOk(block)) throw new ArchiveError('archive-invalid', 'tar header checksum mismatch (damaged archive)');
    const typeflag = String.fromCharCode(block[156]);
    let size = numeric(block, 124, 12, 'size');

    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L') {
      // Go drops pending PAX records at a global header; other tools keep them: refuse either way.
      if (this.pendingPax || this.pendingLongName) {
        throw new ArchiveError('archive-invalid', 'two extended headers describe one entry; tar tools disagree on which name wins');
      }
      if (size > MAX_META_HEADER_BYTES) throw new ArchiveError('archive-invalid', 'an extended tar header is larger than 1 MiB');
      this.metaKind = typeflag;
      this.startBody('meta', size);
      return;
    }

    const magic = block.subarray(257, 263).toString('latin1');
    const ustar = magic === 'ustar\0';
    const star = ustar && block.subarray(508, 512).toString('latin1') === 'tar\0';
    let name = field(block, 0, 100);
    if (ustar) {
      const prefix = field(block, 345, star ? 131 : 155);
      if (prefix.length > 0) name = Buffer.concat([prefix, Buffer.from('/'), name]);
    }
    const legacyName = decodeName(name);
    let finalName = legacyName;
    const pax = this.pendingPax;
    const longName = this.pendingLongName;
    this.pendingPax = undefined;
    this.pendingLongName = undefined;
    if (pax) {
      for (const key of pax.keys()) {
        if (key.startsWith('GNU.sparse.')) throw new ArchiveError('archive-invalid', 'sparse files are not supported in chart archives');
      }
      const paxPath = pax.get('path');
      if (paxPath !== undefined) finalName = paxPath;
      const paxSize = pax.get('size');
      if (paxSize !== undefined) {
        if (!/^[0-9]+$/.test(paxSize) || Number(paxSize) > Number.MAX_SAFE_INTEGER) throw new ArchiveError('archive-invalid', 'damaged PAX size record');
        size = Number(paxSize);
      }
    }
    if (longName) finalName = decodeName(longName);
    if (finalName !== legacyName) checkRename(legacyName, finalName);

    const mode = numeric(block, 100, 8, 'mode');
    const modeType = mode & 0o170000;
    let type: RawEntry['type'];
    if (typeflag === '5') {
      if (modeType !== 0 && modeType !== 0o040000) throw new ArchiveError('archive-invalid', `${show(finalName)}: directory entry with a non-directory mode`);
      type = 'directory';
    } else if (typeflag === '0' || typeflag === '\0' || typeflag === '7') {
      if (modeType !== 0 && modeType !== 0o100000) throw new ArchiveError('archive-invalid', `${show(finalName)}: file entry whose mode says it is not a regular file`);
      if (finalName.endsWith('/')) {
        if (typeflag !== '\0') throw new ArchiveError('archive-invalid', `${show(finalName)}: a regular file whose name ends in /`);
        type = 'directory';
      } else {
        type = 'file';
      }
    } else {
      throw new ArchiveError('archive-invalid', `${show(finalName)}: ${describeType(typeflag)} entries are not allowed in a chart archive`);
    }
    if (type === 'directory') size = 0;
    const deliver = this.sink.entry({ name: finalName, type, size });
    this.deliver = deliver;
    this.startBody('body', size);
  }

  private startBody(state: 'meta' | 'body', size: number): void {
    this.state = state;
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) this.finishBody();
  }
}

function describeType(flag: string): string {
  const names: Record<string, string> = {
    '1': 'hard link', '2': 'symbolic link', '3': 'character device', '4': 'block device', '6': 'FIFO',
    K: 'GNU long link name', S: 'GNU sparse file', D: 'GNU directory dump', M: 'GNU multi-volume', N: 'GNU long name (old)', V: 'volume label',
  };
  return names[flag] ?? `unknown type (${show(flag)})`;
}

function decodeName(raw: Buffer): string {
  try {
    return utf8.decode(raw);
  } catch {
    throw new ArchiveError('archive-invalid', `an entry name is not valid UTF-8 (${show(raw.toString('latin1'))})`);
  }
}

/** Shows a hostile name safely in a message. */
function show(name: string): string {
  return `"${escapeUntrusted(name)}"`;
}

const isChartYaml = (rel: string): boolean => rel.toLowerCase() === 'chart.yaml';

/** The plain-header name Go's archive/tar (so Helm) writes next to a PAX path: ASCII only, 100 bytes. */
function goLegacyName(final: string): string {
  const ascii = final.replace(/[^\x01-\x7f]/gu, '');
  if (ascii.length <= 100) return ascii;
  const cut = ascii.slice(0, 100);
  return cut.endsWith('/') ? cut.replace(/\/+$/, '') : cut;
}

/**
 * A PAX or GNU name that differs from the header's own name. Normal for long or non-ASCII names; refused
 * when a tool reading only the plain header would see a different Chart.yaml or leave the directory.
 */
function checkRename(legacy: string, final: string): void {
  checkPathSize(final);
  if (legacy === '' || legacy === goLegacyName(final)) return;
  checkPath(legacy);
  const legacyParts = legacy.split('/');
  const finalParts = final.split('/');
  const topChartYaml = (parts: string[]): boolean => parts.length === 2 && isChartYaml(parts[1]);
  if (topChartYaml(legacyParts) || topChartYaml(finalParts)) {
    throw new ArchiveError('archive-invalid', `an extended header renames ${show(legacy)} to ${show(final)}; tools that read only the plain header would see a different Chart.yaml`);
  }
  if (legacyParts[0] !== finalParts[0]) {
    throw new ArchiveError('archive-invalid', `an extended header moves ${show(legacy)} to ${show(final)}, outside its directory`);
  }
}

/** The length and depth limits, checked before a path is split or looked at further. */
function checkPathSize(name: string): void {
  // A UTF-16 unit is at most 3 UTF-8 bytes: only long names need counting.
  if (name.length * 3 > MAX_PATH_BYTES && Buffer.byteLength(name, 'utf8') > MAX_PATH_BYTES) {
    throw new ArchiveError('archive-invalid', `${show(name)}: an entry path of ${Buffer.byteLength(name, 'utf8')} bytes is over the ${MAX_PATH_BYTES}-byte limit (no real chart needs one; it could not be unpacked)`);
  }
  let depth = 1;
  for (let at = name.indexOf('/'); at >= 0 && at < name.length - 1; at = name.indexOf('/', at + 1)) {
    if (++depth > MAX_PATH_DEPTH) {
      throw new ArchiveError('archive-invalid', `${show(name)}: an entry path more than ${MAX_PATH_DEPTH} directories deep is over the limit (real charts stay within a few dozen)`);
    }
  }
}

/** The path rules every entry name must pass. Returns the path without a trailing slash. */
function checkPath(name: string): string {
  checkPathSize(name);
  if (name === '') throw new ArchiveError('archive-invalid', 'an entry has an empty name');
  if (name.includes('\\')) throw new ArchiveError('archive-invalid', `${show(name)}: backslashes are not allowed in entry names (Windows paths are read differently by different tools)`);
  if (name.startsWith('/')) throw new ArchiveError('archive-invalid', `${show(name)}: absolute paths are not allowed`);
  if (/^[a-zA-Z]:/.test(name)) throw new ArchiveError('archive-invalid', `${show(name)}: drive-letter paths are not allowed`);
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new ArchiveError('archive-invalid', `${show(name)}: control characters are not allowed in entry names`);
  const trimmed = name.endsWith('/') ? name.slice(0, -1) : name;
  for (const part of trimmed.split('/')) {
    if (part === '..') throw new ArchiveError('archive-invalid', `${show(name)}: ".." would escape the chart directory`);
    if (part === '.' || part === '') throw new ArchiveError('archive-invalid', `${show(name)}: "." and empty path components are not allowed`);
  }
  return trimmed;
}

function mib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${+(bytes / (1024 * 1024)).toFixed(2)} MiB` : `${bytes} bytes`;
}

/** Collects the chart-level facts while the walker runs, and enforces the chart-level rules. */
class ChartCollector implements EntrySink {
  readonly entries: ArchiveEntry[] = [];
  readonly problems: Problem[] = [];
  readonly files: ArchiveFile[] = [];
  chartDir: string | undefined;
  chartYaml: Buffer | undefined;
  requirementsYaml: Buffer | undefined;
  private readonly paths = new ArchivePaths((first, path) => {
    this.problems.push({ code: 'archive-invalid', severity: 'warning', message: `${show(first)} and ${show(path)} differ only in case; they collide when unpacked on macOS or Windows` });
  });
  /** The first Chart.yaml-like name (any case) directly under the top directory. */
  private chartYamlName: string | undefined;
  private current: { parts: Buffer[]; keep: 'chart' | 'requirements' | 'file' | undefined; name: string } | undefined;

  constructor(private readonly limits: ArchiveLimits, private readonly keepFiles: boolean) {}

  entry(e: RawEntry): boolean {
    if (this.entries.length >= this.limits.entries) {
      throw new ArchiveError('archive-too-large', `the archive has more than ${this.limits.entries} entries`);
    }
    const path = checkPath(e.name);
    if (e.type === 'file' && e.size > this.limits.entryBytes) {
      throw new ArchiveError('archive-too-large', `${show(path)} is ${mib(e.size)}; Helm refuses files over ${mib(this.limits.entryBytes)}`);
    }
    const slash = path.indexOf('/');
    const top = slash < 0 ? path : path.slice(0, slash);
    if (this.chartDir === undefined) this.chartDir = top;
    else if (top !== this.chartDir) {
      throw new ArchiveError('archive-invalid', `the archive has more than one top-level directory (${show(this.chartDir)} and ${show(top)}); a chart archive holds exactly one`);
    }
    if (slash < 0 && e.type === 'file') {
      throw new ArchiveError('archive-invalid', `${show(path)} lies outside the chart's top directory`);
    }
    this.recordPath(path, e.type);
    this.entries.push({ path, type: e.type, size: e.size });
    if (e.type === 'directory') {
      this.current = undefined;
      return false;
    }
    const rel = path.slice(slash + 1);
    let keep: 'chart' | 'requirements' | 'file' | undefined;
    if (isChartYaml(rel)) {
      if (this.chartYamlName !== undefined) {
        throw new ArchiveError('archive-invalid', `the archive holds both ${show(this.chartYamlName)} and ${show(rel)}; with more than one Chart.yaml (names differing only in case count too) which one counts depends on the tool and file system`);
      }
      this.chartYamlName = rel;
      if (rel === 'Chart.yaml') {
        if (e.size > this.limits.chartYamlBytes) throw new ArchiveError('archive-too-large', `Chart.yaml is ${mib(e.size)}, over the ${mib(this.limits.chartYamlBytes)} limit`);
        keep = 'chart';
      }
    } else if (rel === 'requirements.yaml' && e.size <= this.limits.chartYamlBytes) {
      keep = 'requirements';
    }
    if (this.keepFiles) keep = keep ?? 'file';
    this.current = { parts: [], keep, name: rel };
    return keep !== undefined;
  }

  private recordPath(path: string, type: 'file' | 'directory'): void {
    const conflict = this.paths.add(path, type);
    if (conflict) {
      throw new ArchiveError('archive-invalid', conflict.kind === 'twice'
        ? `${show(conflict.path)} appears twice in the archive; which copy counts would depend on the tool`
        : `${show(conflict.path)} is both a file and a directory`);
    }
  }

  data(chunk: Buffer): void {
    this.current?.parts.push(chunk);
  }

  entryEnd(): void {
    const cur = this.current;
    this.current = undefined;
    if (!cur || cur.keep === undefined) return;
    const data = stripBom(Buffer.concat(cur.parts));
    if (cur.keep === 'chart') this.chartYaml = data;
    if (cur.keep === 'requirements') this.requirementsYaml = data;
    if (this.keepFiles) this.files.push({ name: cur.name, data });
  }

  finish(sha256: string, compressedSize: number, uncompressedSize: number): ChartArchive {
    if (this.chartDir === undefined) throw new ArchiveError('archive-invalid', 'the archive is empty');
    if (this.chartYaml === undefined) {
      const near = this.chartYamlName;
      throw new ArchiveError('archive-invalid', `the archive has no ${this.chartDir}/Chart.yaml${near ? ` (it has ${show(near)}; the name is case-sensitive)` : ''}`);
    }
    let text: string;
    try {
      text = utf8.decode(this.chartYaml);
    } catch {
      throw new ArchiveError('chart-invalid', 'Chart.yaml in the archive is not valid UTF-8');
    }
    let requirements: string | undefined;
    if (this.requirementsYaml) {
      try {
        requirements = utf8.decode(this.requirementsYaml);
      } catch {
        throw new ArchiveError('chart-invalid', 'requirements.yaml in the archive is not valid UTF-8');
      }
    }
    const meta = parseChartYaml(text, { requirementsYaml: requirements });
    if (!meta.ok) throw new ArchiveError('chart-invalid', `in the archive: ${meta.error.message}`);
    if (meta.value.name !== this.chartDir) {
      throw new ArchiveError('archive-invalid', `the archive's top directory ${show(this.chartDir)} is not the chart name ${show(meta.value.name)} from its Chart.yaml`);
    }
    return {
      chartDir: this.chartDir, chartYaml: text, metadata: meta.value, entries: this.entries,
      sha256, compressedSize, uncompressedSize, problems: this.problems,
    };
  }
}

function stripBom(b: Buffer): Buffer {
  return b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? b.subarray(3) : b;
}

function notGzip(head: Buffer): ArchiveError {
  if (head.length >= 263 && head.subarray(257, 262).toString('latin1') === 'ustar') {
    return new ArchiveError('archive-invalid', 'this is a plain (uncompressed) tar file; a chart archive must be gzip-compressed');
  }
  return new ArchiveError('archive-invalid', head.length === 0 ? 'the archive is empty' : 'this is not a gzip-compressed chart archive');
}

function zlibError(e: unknown): ArchiveError | undefined {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'Z_BUF_ERROR') return new ArchiveError('archive-invalid', 'the archive is truncated (the gzip stream ends early)');
  if (err?.code === 'Z_DATA_ERROR') {
    return new ArchiveError('archive-invalid', /header|compression method/.test(err.message)
      ? 'unexpected bytes after the compressed data (trailing garbage or a damaged gzip member)'
      : `damaged gzip data (${err.message})`);
  }
  if (err?.code === 'ERR_BUFFER_TOO_LARGE') return new ArchiveError('archive-too-large', 'the archive inflates beyond the size limit');
  return undefined;
}

function limitsOf(partial?: Partial<ArchiveLimits>): ArchiveLimits {
  return { ...DEFAULT_ARCHIVE_LIMITS, ...partial };
}

function asFailure(e: unknown, file: string): { ok: false; error: Problem & { code: EngineErrorCode } } {
  if (e instanceof ArchiveError) return fail(e.code, `${escapeUntrusted(file)}: ${e.message}`);
  const z = zlibError(e);
  if (z) return fail(z.code, `${escapeUntrusted(file)}: ${z.message}`);
  return fail('io-error', `Cannot read ${escapeUntrusted(file)}: ${describeIoError(e)}`);
}

/**
 * Archives up to this size (nearly every chart) are read whole and inflated in one call: a stream costs
 * a thread-pool round trip per chunk, about 4x the work for a 50 KiB chart (bench/findings.md).
 */
export const WHOLE_READ_BYTES = 2 * 1024 * 1024;
/**
 * At most this much is inflated in one call; a small archive that inflates further goes through the
 * streamed walk, which refuses at a header instead of after inflating everything (a gzip bomb).
 */
export const WHOLE_INFLATE_BYTES = 16 * 1024 * 1024;

/** What reading an archive file gave: the chart, and the file's digest whenever it could be read whole. */
export interface ArchiveExamination {
  chart: Result<ChartArchive>;
  sha256?: string;
  /** False when the file was refused before reading: missing, unreadable, not a regular file or over the size limit. */
  readable: boolean;
}

/** Reads and checks a chart archive on disk; the file is read once (digest included). */
export async function readChartArchive(path: string, limits?: Partial<ArchiveLimits>): Promise<Result<ChartArchive>> {
  return (await examineChartArchive(path, path, limits)).chart;
}

/** readChartArchive, naming the file `label` in messages and keeping the digest of an archive that is not a valid chart. */
export async function examineChartArchive(path: string, label: string, limits?: Partial<ArchiveLimits>): Promise<ArchiveExamination> {
  const l = limitsOf(limits);
  const read = readBoundedFile(path, Math.min(l.compressedBytes, WHOLE_READ_BYTES));
  if (read.ok) {
    const sha256 = createHash('sha256').update(read.bytes).digest('hex');
    const chart = walkArchiveBytes(read.bytes, label, l, sha256, false, WHOLE_INFLATE_BYTES)
      ?? await walkStream(Readable.from([read.bytes]), label, l, () => sha256);
    return { sha256, chart, readable: true };
  }
  switch (read.reason) {
    case 'not-a-file': return { chart: fail('archive-invalid', `${escapeUntrusted(label)} is not a regular file`), readable: false };
    case 'too-large': return streamChartArchive(path, label, l);
    default: return { chart: fail('io-error', `Cannot read ${escapeUntrusted(label)}: ${read.detail}`), readable: false };
  }
}

/** The streamed walk, for archives too large to read whole. */
async function streamChartArchive(path: string, label: string, l: ArchiveLimits): Promise<ArchiveExamination> {
  const refused = (chart: Result<ChartArchive>): ArchiveExamination => ({ chart, readable: false });
  try {
    const stat = await fsp.stat(path);
    if (!stat.isFile()) return refused(fail('archive-invalid', `${escapeUntrusted(label)} is not a regular file`));
    if (stat.size > l.compressedBytes) return refused(fail('archive-too-large', `${escapeUntrusted(label)} is ${mib(stat.size)}, over the ${mib(l.compressedBytes)} limit for a chart archive`));
  } catch (e) {
    return refused(fail('io-error', `Cannot read ${escapeUntrusted(label)}: ${describeIoError(e)}`));
  }
  const hash = createHash('sha256');
  const chart = await walkStream(createReadStream(path, { highWaterMark: 1024 * 1024 }), label, l, () => hash.digest('hex'), (chunk) => hash.update(chunk));
  return { chart, readable: true };
}

async function walkStream(source: Readable, label: string, l: ArchiveLimits, digest: () => string, seen?: (chunk: Buffer) => void): Promise<Result<ChartArchive>> {
  const collector = new ChartCollector(l, false);
  try {
    const { compressed, uncompressed } = await inflateAndWalk(source, collector, l, seen);
    return ok(collector.finish(digest(), compressed, uncompressed));
  } catch (e) {
    return asFailure(e, label);
  }
}

/** Gunzips `source` through the tar walk into `collector`; every compressed chunk is shown to `seen`. */
async function inflateAndWalk(source: Readable, collector: ChartCollector, l: ArchiveLimits, seen?: (chunk: Buffer) => void): Promise<{ compressed: number; uncompressed: number }> {
  const walker = new TarWalker(collector, l);
  let compressed = 0;
  let head: Buffer | undefined;
  await pipeline(
    source,
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        if (head === undefined) {
          head = chunk;
          if (chunk.length < 2 || chunk[0] !== 0x1f || chunk[1] !== 0x8b) return done(notGzip(chunk));
        }
        compressed += chunk.length;
        if (compressed > l.compressedBytes) return done(new ArchiveError('archive-too-large', `the archive grew past ${mib(l.compressedBytes)} while being read`));
        seen?.(chunk);
        done(null, chunk);
      },
      flush(done) { done(head === undefined ? notGzip(Buffer.alloc(0)) : null); },
    }),
    zlib.createGunzip(),
    new Writable({
      write(chunk: Buffer, _enc, done) {
        countWork('bytes-inflated', chunk.length);
        try { walker.write(chunk); done(); } catch (e) { done(e as Error); }
      },
      final(done) {
        try { walker.end(); done(); } catch (e) { done(e as Error); }
      },
    }),
  );
  return { compressed, uncompressed: walker.uncompressed };
}

/**
 * The same checks on archive bytes in memory (a subchart archive while packaging), optionally keeping
 * every file's contents. The inflated size never exceeds `limits.uncompressedBytes`.
 */
export function readChartArchiveBytes(bytes: Uint8Array, label: string, limits?: Partial<ArchiveLimits>, keepFiles = false): Result<ChartArchive & { files: ArchiveFile[] }> {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const l = limitsOf(limits);
  // With the cap at the limit, the walk always answers.
  return walkArchiveBytes(data, label, l, createHash('sha256').update(data).digest('hex'), keepFiles, l.uncompressedBytes)!;
}

/** The checks on bytes in memory; undefined when they inflate past `inflateCap` (below the limit) and must be streamed. */
function walkArchiveBytes(data: Buffer, label: string, l: ArchiveLimits, sha256: string, keepFiles: boolean, inflateCap: number): Result<ChartArchive & { files: ArchiveFile[] }> | undefined {
  const collector = new ChartCollector(l, keepFiles);
  try {
    if (data.length < 2 || data[0] !== 0x1f || data[1] !== 0x8b) throw notGzip(data);
    if (data.length > l.compressedBytes) throw new ArchiveError('archive-too-large', `${mib(data.length)} is over the ${mib(l.compressedBytes)} limit for a chart archive`);
    const cap = Math.min(inflateCap, l.uncompressedBytes);
    let inflated: Buffer;
    try {
      // One byte over the limit, so the walk (not zlib) reports an archive that inflates too far.
      inflated = zlib.gunzipSync(data, { maxOutputLength: cap + 1 });
      countWork('bytes-inflated', inflated.length);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') countWork('bytes-inflated', cap + 1); // inflated, then refused by zlib
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' && cap < l.uncompressedBytes) return undefined;
      throw e;
    }
    const walker = new TarWalker(collector, l);
    walker.write(inflated);
    walker.end();
    return ok({ ...collector.finish(sha256, data.length, walker.uncompressed), files: collector.files });
  } catch (e) {
    return asFailure(e, label);
  }
}
