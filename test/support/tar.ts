// The tests' one tar writer. It can write what no well-behaved tool would: any name bytes, any type
// flag or magic, a size that lies, a wrong checksum, PAX and GNU headers stacked in any order. Hostile
// archives (test/hostile/vectors/) and the archive reader's unit tests are built with it.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import * as zlib from 'node:zlib';

const BLOCK = 512;

export interface TarEntry {
  /** Header name (up to 100 bytes; longer names go into `prefix` or a PAX/GNU header of the caller's choosing). */
  name: string | Buffer;
  /** Type flag character: '0' file (default), '5' directory, '1' hard link, '2' symlink, '3'/'4' devices, '6' FIFO, 'x' PAX, 'g' global PAX, 'L' GNU long name. */
  type?: string;
  data?: Buffer | string;
  /** Size written in the header when it must differ from the data's length. */
  declaredSize?: number;
  mode?: number;
  linkname?: string;
  prefix?: string;
  mtime?: number;
  /** `ustar` (POSIX, the default) or `gnu` (GNU tar's "ustar  "). */
  magic?: 'ustar' | 'gnu';
  /** Write a checksum one off from the right one. */
  badChecksum?: boolean;
}

function writeString(block: Buffer, offset: number, length: number, value: string | Buffer): void {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  bytes.copy(block, offset, 0, Math.min(bytes.length, length));
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  if (value >= 8 ** (length - 1)) {
    // base-256 for values octal cannot hold (GNU extension, also read by Go)
    block[offset] = 0x80;
    let v = BigInt(value);
    for (let i = length - 1; i > 0; i--) { block[offset + i] = Number(v & 0xffn); v >>= 8n; }
    return;
  }
  writeString(block, offset, length, value.toString(8).padStart(length - 1, '0') + '\0');
}

/** One 512-byte header: USTAR unless `magic` says otherwise, its checksum right unless `badChecksum`. */
export function tarHeader(entry: TarEntry, size: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  writeString(block, 0, 100, entry.name);
  const type = entry.type ?? '0';
  writeOctal(block, 100, 8, entry.mode ?? (type === '5' ? 0o755 : 0o644));
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, entry.mtime ?? 0);
  block.write(type, 156, 'latin1');
  if (entry.linkname) writeString(block, 157, 100, entry.linkname);
  block.write(entry.magic === 'gnu' ? 'ustar  \0' : 'ustar\u000000', 257, 'latin1');
  if (entry.prefix) writeString(block, 345, 155, entry.prefix);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  if (entry.badChecksum) sum++;
  writeString(block, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return block;
}

function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** Header, data and padding of one entry. */
export function tarEntry(entry: TarEntry): Buffer {
  const data = typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : entry.data ?? Buffer.alloc(0);
  return Buffer.concat([tarHeader(entry, entry.declaredSize ?? data.length), data, padding(data.length)]);
}

/** A PAX extended header (type 'x', or 'g' for global) carrying `records`. */
export function paxEntry(records: Record<string, string>, global = false): Buffer {
  let body = '';
  for (const [key, value] of Object.entries(records)) {
    const rest = ` ${key}=${value}\n`;
    let length = Buffer.byteLength(rest) + 1;
    while (String(length).length + Buffer.byteLength(rest) !== length) length++;
    body += `${length}${rest}`;
  }
  return tarEntry({ name: global ? 'pax_global_header' : 'PaxHeader', type: global ? 'g' : 'x', data: body });
}

export const TAR_END = Buffer.alloc(BLOCK * 2);

/** A whole tar stream: entries then the end marker. */
export function tar(entries: (TarEntry | Buffer)[]): Buffer {
  return Buffer.concat([...entries.map((e) => (Buffer.isBuffer(e) ? e : tarEntry(e))), TAR_END]);
}

export function gzip(data: Buffer, level = 9): Buffer {
  return zlib.gzipSync(data, { level });
}

/** Directory entries for a minimal valid chart, then Chart.yaml and a template. */
export function chartEntries(name = 'devapp', version = '1.2.3', chartYaml?: string): TarEntry[] {
  return [
    { name: `${name}/Chart.yaml`, data: chartYaml ?? `apiVersion: v2\nname: ${name}\nversion: ${version}\n` },
    { name: `${name}/values.yaml`, data: 'replicaCount: 1\n' },
    { name: `${name}/templates/cm.yaml`, data: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n' },
  ];
}

/**
 * Streams a gzip-compressed tar of generated entries to `file`, so archives that inflate to gigabytes
 * are built without holding them in memory. `produce` pushes raw tar bytes through `write`.
 */
export async function writeTarGz(file: string, produce: (write: (chunk: Buffer) => Promise<void>) => Promise<void>, level = 9): Promise<void> {
  const gz = zlib.createGzip({ level });
  const out = createWriteStream(file);
  gz.pipe(out);
  const write = async (chunk: Buffer): Promise<void> => {
    if (!gz.write(chunk)) await once(gz, 'drain');
  };
  await produce(write);
  gz.end();
  await once(out, 'close');
}

/** Writes `size` zero bytes in 1 MiB chunks. */
export async function writeZeros(write: (chunk: Buffer) => Promise<void>, size: number): Promise<void> {
  const chunk = Buffer.alloc(1024 * 1024);
  for (let left = size; left > 0; left -= chunk.length) await write(left >= chunk.length ? chunk : chunk.subarray(0, left));
  await write(padding(size));
}
