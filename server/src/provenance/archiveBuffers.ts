// Buffers that a long-lived caller (the language server's facts cache) lends the archive reader, kept
// from one check to the next: the file read whole, the tar inflated from it, and which archive's tar
// that is. Without them a changed 1 MiB archive left two megabytes of external memory per check, and
// V8 ran a full collection every few dozen checks (15–30 ms each on a loaded machine: bench/findings.md,
// "didOpen → diagnostics p95 (loaded)", round six). Used synchronously only: the next examination
// overwrites them.
import * as zlib from 'node:zlib';

/** The largest tar inflated into the kept buffer; a larger one gets its own buffer (zlib.gunzipSync). */
export const KEPT_INFLATE_BYTES = 4 * 1024 * 1024;

/** The part of Node's zlib stream that its own gunzipSync drives (lib/zlib.js processChunkSync). */
interface ZlibInternals {
  _handle?: { writeSync?: (flush: number, input: Buffer, inOff: number, inLen: number, out: Buffer, outOff: number, outLen: number) => void; onerror?: unknown };
  /** [output bytes left, input bytes left] after a write. */
  _writeState?: Uint32Array;
  close(): void;
}

/**
 * Gunzips `data` into `out` in one synchronous call, as zlib.gunzipSync does but without a new output
 * buffer; the tar's length, or undefined when anything differs from a complete inflate of all the input
 * that fits (an error, bytes left over such as zero padding, output that fills `out`, or a Node whose
 * zlib is built otherwise): the caller then runs zlib.gunzipSync, which answers those cases as before.
 */
function gunzipInto(data: Buffer, out: Buffer): number | undefined {
  const stream = zlib.createGunzip({ chunkSize: zlib.constants.Z_MIN_CHUNK }) as unknown as ZlibInternals;
  const handle = stream._handle;
  const state = stream._writeState;
  let failed = false;
  try {
    if (typeof handle?.writeSync !== 'function' || !(state instanceof Uint32Array) || state.length !== 2) return undefined;
    // zlib reports an error through this callback (Node's own throws it after the call).
    handle.onerror = () => { failed = true; };
    handle.writeSync(zlib.constants.Z_FINISH, data, 0, data.length, out, 0, out.length);
  } catch {
    return undefined;
  } finally {
    stream.close();
  }
  const [outLeft, inLeft] = state;
  return failed || inLeft !== 0 || outLeft === 0 ? undefined : out.length - outLeft;
}

export class ArchiveBuffers {
  private read?: Buffer;
  private out?: Buffer;
  /** The tar of the last archive examined whole with the default limits and found a valid chart, by the file's digest. */
  private tar?: { sha256: string; compressedSize: number; bytes: Buffer };

  /** The buffer a file of at most `bytes` bytes is read into (one byte more, to see a file that grew). */
  readBuffer(bytes: number): Buffer {
    if (!this.read || this.read.length < bytes + 1) this.read = Buffer.allocUnsafe(bytes + 1);
    return this.read;
  }

  /**
   * `data` gunzipped into the kept output buffer when its tar is at most `outputSize` - 1 bytes and
   * KEPT_INFLATE_BYTES; undefined otherwise (see gunzipInto). The tar kept before is forgotten: its
   * bytes may be overwritten.
   */
  inflate(data: Buffer, outputSize: number): Buffer | undefined {
    this.tar = undefined;
    if (outputSize > KEPT_INFLATE_BYTES + 1) return undefined;
    if (!this.out || this.out.length < outputSize) this.out = Buffer.allocUnsafe(outputSize);
    const length = gunzipInto(data, this.out.subarray(0, outputSize));
    return length === undefined ? undefined : this.out.subarray(0, length);
  }

  /** Keeps `bytes` (what inflate answered, or a tar of its own) as the tar of the archive whose digest is `sha256`. */
  keep(sha256: string, compressedSize: number, bytes: Buffer): void {
    this.tar = { sha256, compressedSize, bytes };
  }

  /** The tar kept for the archive whose digest is `sha256`, if it is the one kept. */
  kept(sha256: string): { compressedSize: number; bytes: Buffer } | undefined {
    return this.tar?.sha256 === sha256 ? this.tar : undefined;
  }
}
