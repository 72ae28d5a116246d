// The language server's kept archive buffers (archiveBuffers.ts): a check inflates into the same memory
// every time, and whatever the kept inflate does not answer exactly as zlib.gunzipSync would (errors,
// padding, output that does not fit) goes through gunzipSync, so an archive's verdict never depends on
// which path inflated it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { examineChartArchive } from '../../server/src/provenance/archive';
import { ArchiveBuffers, KEPT_INFLATE_BYTES } from '../../server/src/provenance/archiveBuffers';
import { tar, tarEntry } from '../support/tar';
import { scratch } from '../support/tools';

const chartTar = (blob: Buffer): Buffer => tar([
  tarEntry({ name: 'c/Chart.yaml', data: 'apiVersion: v2\nname: c\nversion: 1.0.0\n' }),
  tarEntry({ name: 'c/files/blob.bin', data: blob }),
]);
/** Room for `data`'s tar and one byte, as archive.ts asks (the gzip trailer's size + 1). */
const room = (data: Buffer): number => data.readUInt32LE(data.length - 4) + 1;

describe('ArchiveBuffers', () => {
  const plain = chartTar(randomBytes(256 * 1024));
  const archive = zlib.gzipSync(plain);

  test('a complete inflate lands in the same kept memory each time, with the bytes gunzipSync gives', () => {
    const buffers = new ArchiveBuffers();
    const first = buffers.inflate(archive, room(archive));
    assert.ok(first, 'a valid archive that fits is inflated into the kept buffer');
    assert.ok(first.equals(zlib.gunzipSync(archive)));
    const other = zlib.gzipSync(chartTar(randomBytes(200 * 1024)));
    const second = buffers.inflate(other, room(other));
    assert.ok(second?.equals(zlib.gunzipSync(other)));
    assert.equal(second?.buffer, first.buffer, 'no new output buffer for the second archive');
  });

  test('anything but a complete inflate of all the input that fits is left to gunzipSync', () => {
    const buffers = new ArchiveBuffers();
    const cases: [string, Buffer, number][] = [
      ['truncated', archive.subarray(0, archive.length - 100), room(archive)],
      ['trailing garbage', Buffer.concat([archive, Buffer.from('garbage')]), room(archive)],
      ['zero padding after the member', Buffer.concat([archive, Buffer.alloc(512)]), plain.length + 1],
      ['not gzip', plain, plain.length + 1],
      ['output that fills the buffer', archive, plain.length],
      ['larger than the kept buffer may grow', archive, KEPT_INFLATE_BYTES + 2],
    ];
    for (const [what, data, size] of cases) assert.equal(buffers.inflate(data, size), undefined, what);
  });

  test('several gzip members are inflated whole, as gunzipSync does', () => {
    const buffers = new ArchiveBuffers();
    const two = Buffer.concat([zlib.gzipSync(plain.subarray(0, 10240)), zlib.gzipSync(plain.subarray(10240))]);
    assert.ok(buffers.inflate(two, plain.length + 1)?.equals(plain));
  });

  test('the kept tar is forgotten once the buffer is inflated into again', () => {
    const buffers = new ArchiveBuffers();
    const tarBytes = buffers.inflate(archive, room(archive))!;
    buffers.keep('a'.repeat(64), archive.length, tarBytes);
    assert.equal(buffers.kept('a'.repeat(64))?.bytes, tarBytes);
    assert.equal(buffers.kept('b'.repeat(64)), undefined);
    buffers.inflate(archive, room(archive));
    assert.equal(buffers.kept('a'.repeat(64)), undefined);
  });

  test('an archive examined with kept buffers gets the same answer as without, broken ones included', async () => {
    const dir = scratch('archive-buffers-');
    const files: Record<string, Buffer> = {
      good: archive,
      truncated: archive.subarray(0, archive.length - 100),
      garbage: Buffer.concat([archive, Buffer.from('garbage')]),
      padded: Buffer.concat([archive, Buffer.alloc(512)]),
      twoCharts: zlib.gzipSync(Buffer.concat([plain.subarray(0, plain.length - 1024), chartTar(Buffer.from('x'))])),
    };
    const buffers = new ArchiveBuffers();
    for (const [name, bytes] of Object.entries(files)) {
      const file = path.join(dir, `${name}.tgz`);
      fs.writeFileSync(file, bytes);
      const kept = await examineChartArchive(file, name, undefined, () => false, buffers);
      const own = await examineChartArchive(file, name);
      assert.deepEqual(kept, own, name);
    }
  });
});
