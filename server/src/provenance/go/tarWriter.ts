// Tar bytes exactly as Go's archive/tar writes Helm's headers (tar.Writer behind chartutil.Save): USTAR,
// or a PAX header for long or non-ASCII names, with Go's field formatting, so `helm package` and our
// packaging write the same bytes for the same files and times.

/** The largest mtime a plain USTAR header holds (11 octal digits), as Helm's writer needs. */
export const MAX_USTAR_TIME = 8 ** 11 - 1;
const NAME_SIZE = 100;
const PREFIX_SIZE = 155;

/** One regular file of the archive: its full path and contents. */
export interface TarEntry { path: string; data: Buffer }

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
