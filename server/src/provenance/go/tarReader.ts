// The tar walk of a chart archive, read as Go's archive/tar (and so Helm) reads it, strict where tools
// disagree: a push parser over the inflated bytes that counts and refuses before bytes pile up.
//
// Why our own walk instead of the `tar` package's Parser: we must refuse at a header (a declared
// 200 MB entry is refused before its data arrives), know exactly which name wins when PAX and GNU
// headers stack up, and refuse a global PAX header that sets `path`, `linkpath` or `size`: Go's
// archive/tar hands a global header to its caller, which Helm skips, while node-tar 7 applies a global
// `size` (and mode, times) to every later entry, so the tools would see different files.
import { countWork } from '../work';
import { EngineError } from '../engineError';
import { mib, type ArchiveLimits } from '../archiveLimits';
import { checkPath, checkPathSize, isChartYaml } from '../archivePaths';
import { quotedUntrusted } from '../untrustedText';
import { strictUtf8 } from '../utf8';

/** Go's archive/tar refuses PAX and GNU long-name headers beyond 1 MiB (maxSpecialFileSize). */
const MAX_META_HEADER_BYTES = 1024 * 1024;
const BLOCK = 512;

const ZEROS = Buffer.alloc(64 * 1024);

/** memcmp against zeros, in slices: fast even across 100 MiB of padding. */
function isZeroBlock(b: Buffer): boolean {
  // A header starts with its name: most blocks answer at their first byte.
  if (b.length > 0 && b[0] !== 0) return false;
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
  if (block[start] & 0x80) {
    if (block[start] === 0xff) throw new EngineError('archive-invalid', `negative ${what} in a tar header`);
    let value = BigInt(block[start] & 0x7f);
    for (let i = start + 1; i < start + length; i++) value = (value << 8n) | BigInt(block[i]);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new EngineError('archive-too-large', `a tar header declares an absurd ${what}`);
    return Number(value);
  }
  // Octal digits between leading and trailing spaces and NULs, read from the bytes (a header has eight
  // such fields: no string or regular expression per field). At most 12 digits: exact in a double.
  let from = start;
  let to = start + length;
  while (from < to && (block[from] === 0x20 || block[from] === 0)) from++;
  while (to > from && (block[to - 1] === 0x20 || block[to - 1] === 0)) to--;
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = block[i] - 0x30;
    if (digit < 0 || digit > 7) throw new EngineError('archive-invalid', `damaged tar header (${what} field "${block.toString('latin1', from, to)}")`);
    value = value * 8 + digit;
  }
  return value;
}

/** The header's sum with its checksum field counted as eight spaces, as unsigned bytes (or, by old tools, signed). */
function checksumOk(block: Buffer): boolean {
  const stored = numeric(block, 148, 8, 'checksum');
  let unsigned = 8 * 0x20;
  let high = 0;
  for (let i = 0; i < 148; i++) { const b = block[i]; unsigned += b; if (b > 127) high++; }
  for (let i = 156; i < BLOCK; i++) { const b = block[i]; unsigned += b; if (b > 127) high++; }
  return stored === unsigned || stored === unsigned - 256 * high;
}

/** PAX records "len key=value\n", strictly. */
function parsePax(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let rest = data;
  while (rest.length > 0) {
    const space = rest.indexOf(0x20);
    const lenText = space > 0 ? rest.subarray(0, space).toString('latin1') : '';
    const len = /^[1-9][0-9]*$/.test(lenText) ? Number(lenText) : NaN;
    if (!(len <= rest.length) || rest[len - 1] !== 0x0a) throw new EngineError('archive-invalid', 'damaged PAX extended header');
    const record = rest.subarray(space + 1, len - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) throw new EngineError('archive-invalid', 'damaged PAX extended header');
    const key = strictUtf8(record.subarray(0, eq));
    const value = strictUtf8(record.subarray(eq + 1));
    if (key === undefined || value === undefined) throw new EngineError('archive-invalid', 'a PAX extended header is not UTF-8');
    if (records.has(key)) throw new EngineError('archive-invalid', `a PAX extended header repeats "${key}"`);
    records.set(key, value);
    rest = rest.subarray(len);
  }
  return records;
}

export interface RawEntry { name: string; type: 'file' | 'directory'; size: number }

/** What a chart archive's tar walker hands to its consumer. */
export interface EntrySink {
  /** Called at each real entry; returns whether its data should be delivered. */
  entry(e: RawEntry): boolean;
  data(chunk: Buffer): void;
  entryEnd(): void;
}

/** Push parser over the decompressed stream. Throws EngineError. */
export class TarWalker {
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
    if (this.uncompressed > this.limits.uncompressedBytes) {
      throw new EngineError('archive-too-large', `the archive inflates to more than ${mib(this.limits.uncompressedBytes)} (Helm's limit for a chart)`);
    }
    let rest = chunk;
    while (rest.length > 0) {
      if (this.state === 'body' || this.state === 'meta') {
        rest = this.consumeBody(rest);
      } else if (this.state === 'ended') {
        if (!isZeroBlock(rest)) throw new EngineError('archive-invalid', 'data follows the end of the tar archive');
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
    throw new EngineError('archive-invalid', 'the archive is truncated (it ends inside an entry)');
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
        throw new EngineError('archive-invalid', `a global PAX header sets "${key}" for later entries; tar tools disagree on it (Helm ignores it), so the archive is ambiguous`);
      }
    }
  }

  private header(block: Buffer): void {
    countWork('tar-steps');
    if (this.state === 'zero-seen') {
      if (!isZeroBlock(block)) throw new EngineError('archive-invalid', 'damaged tar end marker (a zero block followed by data)');
      this.state = 'ended';
      return;
    }
    if (isZeroBlock(block)) {
      if (this.metaKind || this.pendingPax || this.pendingLongName) throw new EngineError('archive-invalid', 'an extended header is not followed by an entry');
      this.state = 'zero-seen';
      return;
    }
    if (!checksumOk(block)) throw new EngineError('archive-invalid', 'tar header checksum mismatch (damaged archive)');
    const typeflag = String.fromCharCode(block[156]);
    let size = numeric(block, 124, 12, 'size');

    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L') {
      // Go drops pending PAX records at a global header; other tools keep them: refuse either way.
      if (this.pendingPax || this.pendingLongName) {
        throw new EngineError('archive-invalid', 'two extended headers describe one entry; tar tools disagree on which name wins');
      }
      if (size > MAX_META_HEADER_BYTES) throw new EngineError('archive-invalid', 'an extended tar header is larger than 1 MiB');
      this.metaKind = typeflag;
      this.startBody('meta', size);
      return;
    }

    const ustar = block.toString('latin1', 257, 263) === 'ustar\0';
    const star = ustar && block.toString('latin1', 508, 512) === 'tar\0';
    let name = field(block, 0, 100);
    // An empty prefix (nearly always) needs no look for its end.
    if (ustar && block[345] !== 0) {
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
        if (key.startsWith('GNU.sparse.')) throw new EngineError('archive-invalid', 'sparse files are not supported in chart archives');
      }
      const paxPath = pax.get('path');
      if (paxPath !== undefined) finalName = paxPath;
      const paxSize = pax.get('size');
      if (paxSize !== undefined) {
        if (!/^[0-9]+$/.test(paxSize) || Number(paxSize) > Number.MAX_SAFE_INTEGER) throw new EngineError('archive-invalid', 'damaged PAX size record');
        size = Number(paxSize);
      }
    }
    if (longName) finalName = decodeName(longName);
    if (finalName !== legacyName) checkRename(legacyName, finalName);

    const mode = numeric(block, 100, 8, 'mode');
    const modeType = mode & 0o170000;
    let type: RawEntry['type'];
    if (typeflag === '5') {
      if (modeType !== 0 && modeType !== 0o040000) throw new EngineError('archive-invalid', `${quotedUntrusted(finalName)}: directory entry with a non-directory mode`);
      type = 'directory';
    } else if (typeflag === '0' || typeflag === '\0' || typeflag === '7') {
      if (modeType !== 0 && modeType !== 0o100000) throw new EngineError('archive-invalid', `${quotedUntrusted(finalName)}: file entry whose mode says it is not a regular file`);
      if (finalName.endsWith('/')) {
        if (typeflag !== '\0') throw new EngineError('archive-invalid', `${quotedUntrusted(finalName)}: a regular file whose name ends in /`);
        type = 'directory';
      } else {
        type = 'file';
      }
    } else {
      throw new EngineError('archive-invalid', `${quotedUntrusted(finalName)}: ${describeType(typeflag)} entries are not allowed in a chart archive`);
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
  return names[flag] ?? `unknown type (${quotedUntrusted(flag)})`;
}

function isAscii(raw: Buffer): boolean {
  for (let i = 0; i < raw.length; i++) if (raw[i] > 0x7f) return false;
  return true;
}

function decodeName(raw: Buffer): string {
  // ASCII (nearly every name) is UTF-8 as it is: no decoder needed.
  if (isAscii(raw)) return raw.toString('latin1');
  const name = strictUtf8(raw);
  if (name === undefined) throw new EngineError('archive-invalid', `an entry name is not valid UTF-8 (${quotedUntrusted(raw.toString('latin1'))})`);
  return name;
}

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
    throw new EngineError('archive-invalid', `an extended header renames ${quotedUntrusted(legacy)} to ${quotedUntrusted(final)}; tools that read only the plain header would see a different Chart.yaml`);
  }
  if (legacyParts[0] !== finalParts[0]) {
    throw new EngineError('archive-invalid', `an extended header moves ${quotedUntrusted(legacy)} to ${quotedUntrusted(final)}, outside its directory`);
  }
}

