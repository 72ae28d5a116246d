// The system calls the language server's archive facts cache and the bounded reader make per file,
// counted on node:fs (never timed): an archive seen for the first time is stat'ed once before it is
// opened (that stat is also the reader's look before opening) and once after its read, and read with
// one read; a settled one costs one stat. A file read to the size its handle had is not read again for
// a read of 0 bytes, and one that grew is still refused. An archive written while it is read is never
// answered or kept under the stamp it had before.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ArchiveFactsCache, fileStamp } from '../../server/src/lsp/caches';
import { readBoundedFile } from '../../server/src/provenance/boundedRead';
import { scratch, signedCases } from '../support/tools';

type Counted = 'statSync' | 'lstatSync' | 'openSync' | 'fstatSync' | 'readSync' | 'closeSync';
const COUNTED: Counted[] = ['statSync', 'lstatSync', 'openSync', 'fstatSync', 'readSync', 'closeSync'];

/**
 * Calls of node:fs's synchronous functions during `run` (the server's namespace imports read through to
 * node:fs); `afterRead` runs after each read of a descriptor (its own calls are not counted).
 */
async function counting<T>(run: () => T | Promise<T>, afterRead?: () => void): Promise<{ value: T; calls: Record<Counted, number> }> {
  const nodeFs = require('node:fs') as Record<Counted, (...args: unknown[]) => unknown>;
  const calls = Object.fromEntries(COUNTED.map((name) => [name, 0])) as Record<Counted, number>;
  const real = Object.fromEntries(COUNTED.map((name) => [name, nodeFs[name]])) as Record<Counted, (...args: unknown[]) => unknown>;
  let counted = true;
  for (const name of COUNTED) {
    nodeFs[name] = (...args: unknown[]) => {
      if (counted) calls[name]++;
      const answer = real[name](...args);
      if (name === 'readSync' && counted && afterRead) {
        // What afterRead does itself is not counted.
        counted = false;
        try { afterRead(); } finally { counted = true; }
      }
      return answer;
    };
  }
  try {
    return { value: await run(), calls };
  } finally {
    for (const name of COUNTED) nodeFs[name] = real[name];
  }
}

function copiedArchive(): string {
  const dir = scratch('facts-calls-');
  const archive = path.join(dir, 'devapp-1.2.3.tgz');
  fs.copyFileSync(path.join(signedCases, 'valid-rsa2048', 'devapp-1.2.3.tgz'), archive);
  return archive;
}

describe('system calls per file', () => {
  test('a file is read with one read: the read that reaches the size its handle had is the end', async () => {
    const file = path.join(scratch('facts-calls-'), 'Chart.yaml');
    fs.writeFileSync(file, 'name: a\nversion: 1.0.0\n');
    const { value, calls } = await counting(() => readBoundedFile(file, 1024));
    assert.equal(value.ok && value.bytes.toString(), 'name: a\nversion: 1.0.0\n');
    assert.deepEqual(calls, { statSync: 1, lstatSync: 0, openSync: 1, fstatSync: 1, readSync: 1, closeSync: 1 });
    const empty = path.join(path.dirname(file), 'empty');
    fs.writeFileSync(empty, '');
    const none = await counting(() => readBoundedFile(empty, 1024));
    assert.equal(none.value.ok && none.value.bytes.length, 0);
    assert.equal(none.calls.readSync, 1);
  });

  test('a file that grows after its handle was looked at is still refused, and one that grows past its limit too', async () => {
    const file = path.join(scratch('facts-calls-'), 'grows');
    fs.writeFileSync(file, 'abc');
    const nodeFs = require('node:fs') as { fstatSync: (...args: unknown[]) => unknown };
    const fstatSync = nodeFs.fstatSync;
    nodeFs.fstatSync = (...args: unknown[]) => { const stat = fstatSync(...args); fs.appendFileSync(file, 'more'); return stat; };
    try {
      const grown = readBoundedFile(file, 1024);
      assert.equal(!grown.ok && grown.reason, 'too-large');
      assert.match(!grown.ok ? grown.message : '', /grew while being read/);
    } finally {
      nodeFs.fstatSync = fstatSync;
    }
    fs.writeFileSync(file, 'x'.repeat(2048));
    const big = readBoundedFile(file, 1024);
    assert.equal(!big.ok && big.reason, 'too-large');
  });

  test('an archive seen for the first time: one stat before the open, one after the read, one read; settled: one stat', async () => {
    const archive = copiedArchive();
    const cache = new ArchiveFactsCache();
    const first = await counting(() => cache.get(archive));
    assert.ok(first.value?.facts.sha256);
    assert.equal(first.value.stamp, fileStamp(archive));
    assert.deepEqual(first.calls, { statSync: 2, lstatSync: 0, openSync: 1, fstatSync: 1, readSync: 1, closeSync: 1 });
    const again = await counting(() => cache.get(archive));
    assert.deepEqual(again.value, first.value);
    assert.deepEqual(again.calls, { statSync: 1, lstatSync: 0, openSync: 0, fstatSync: 0, readSync: 0, closeSync: 0 });
    // Nothing there: one stat, no open.
    const missing = await counting(() => cache.get(`${archive}.missing`));
    assert.equal(missing.value, undefined);
    assert.deepEqual(missing.calls, { statSync: 1, lstatSync: 0, openSync: 0, fstatSync: 0, readSync: 0, closeSync: 0 });
  });

  test('an archive written while it is read is read again: answered and kept for its new bytes and stamp only', async () => {
    const archive = copiedArchive();
    const other = fs.readFileSync(path.join(signedCases, 'tgz-replaced', 'devapp-1.2.3.tgz'));
    const cache = new ArchiveFactsCache();
    let writes = 0;
    // The first read of the archive is followed by a write in place (same inode), as a packager writing it would.
    const { value, calls } = await counting(() => cache.get(archive), () => { if (writes++ === 0) fs.writeFileSync(archive, other); });
    const expected = await new ArchiveFactsCache().get(archive);
    assert.ok(value && expected);
    assert.equal(value.stamp, fileStamp(archive));
    assert.deepEqual(value.facts, expected.facts);
    assert.equal(calls.openSync, 2, 'read again after the stamp changed');
    // What is kept is the new bytes' facts under the new stamp: the next get reads nothing.
    const kept = await counting(() => cache.get(archive));
    assert.deepEqual(kept.value, value);
    assert.equal(kept.calls.openSync, 0);
  });

  test('an archive replaced by a rename while it is read is read again: the new file is answered', async () => {
    const archive = copiedArchive();
    const replacement = `${archive}.new`;
    fs.copyFileSync(path.join(signedCases, 'tgz-replaced', 'devapp-1.2.3.tgz'), replacement);
    const cache = new ArchiveFactsCache();
    let renames = 0;
    const { value } = await counting(() => cache.get(archive), () => { if (renames++ === 0) fs.renameSync(replacement, archive); });
    const expected = await new ArchiveFactsCache().get(archive);
    assert.ok(value && expected);
    assert.equal(value.stamp, fileStamp(archive));
    assert.deepEqual(value.facts, expected.facts);
  });

  test('a folder on the way swapped between the look and the open, and back after the read: the bytes are not kept under the stamp', async () => {
    // The archive is a link into a folder; that folder is swapped for one holding another archive just
    // before the open and put back just after: no stamp of the path changes, only the file opened.
    const dir = scratch('facts-swap-');
    const [held, other] = [path.join(dir, 'target'), path.join(dir, 'other')];
    fs.mkdirSync(held);
    fs.mkdirSync(other);
    fs.copyFileSync(path.join(signedCases, 'valid-rsa2048', 'devapp-1.2.3.tgz'), path.join(held, 'x.tgz'));
    fs.copyFileSync(path.join(signedCases, 'tgz-replaced', 'devapp-1.2.3.tgz'), path.join(other, 'x.tgz'));
    const archive = path.join(dir, 'devapp-1.2.3.tgz');
    fs.symlinkSync(path.join(held, 'x.tgz'), archive);
    const expected = await new ArchiveFactsCache().get(archive);
    const nodeFs = require('node:fs') as { openSync: (...args: unknown[]) => number };
    const open = nodeFs.openSync;
    let swaps = 0;
    nodeFs.openSync = (...args: unknown[]) => {
      if (args[0] !== archive || swaps++ > 0) return open(...args);
      fs.renameSync(held, `${held}.away`);
      fs.renameSync(other, held);
      try {
        return open(...args);
      } finally {
        fs.renameSync(held, other);
        fs.renameSync(`${held}.away`, held);
      }
    };
    const cache = new ArchiveFactsCache();
    try {
      const value = await cache.get(archive);
      assert.equal(swaps, 2, 'opened again after the swap');
      assert.ok(value && expected);
      assert.deepEqual(value.facts, expected.facts, 'the facts of the file on disk, not of the one swapped in');
      assert.deepEqual((await cache.get(archive))?.facts, expected.facts);
    } finally {
      nodeFs.openSync = open;
    }
  });
});
