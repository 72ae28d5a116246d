// Small inputs that may be pipes (a passphrase file): regular files and pipes are read to their end,
// never past the limit and never waiting forever; devices are refused before they are opened.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readBoundedFile, readBoundedInput } from '../../server/src/provenance/boundedRead';
import { scratch } from '../support/tools';

const LIMIT = 64 * 1024;
/** Short waits: what is asserted is that the read gives up with `timed-out`, never how long it took. */
const WAIT = { writerMs: 300, totalMs: 1500 };

function fifo(): string {
  const file = path.join(scratch('bounded-input-'), 'pipe');
  execFileSync('mkfifo', [file]);
  return file;
}

/** A writer process for `file`: opens it after `delayMs`, writes `data` and closes it. */
function writer(file: string, data: string, delayMs: number): ChildProcess {
  const script = `setTimeout(() => { const fs = require('fs'); const fd = fs.openSync(process.argv[1], 'w'); fs.writeSync(fd, process.argv[2]); fs.closeSync(fd); }, Number(process.argv[3]));`;
  return spawn(process.execPath, ['-e', script, file, data, String(delayMs)], { stdio: 'ignore' });
}

const children: ChildProcess[] = [];
after(() => { for (const c of children) if (c.exitCode === null) c.kill(); });

describe('readBoundedInput', () => {
  test('a regular file is read whole; one over the limit is refused from its size', async () => {
    const dir = scratch('bounded-input-');
    fs.writeFileSync(path.join(dir, 'ok'), 'secret\n');
    fs.writeFileSync(path.join(dir, 'big'), Buffer.alloc(LIMIT + 1));
    const read = await readBoundedInput(path.join(dir, 'ok'), LIMIT, WAIT);
    assert.equal(read.ok && read.bytes.toString(), 'secret\n');
    const big = await readBoundedInput(path.join(dir, 'big'), LIMIT, WAIT);
    assert.equal(!big.ok && big.reason, 'too-large');
  });

  test('devices are refused before they are read: /dev/zero, /dev/urandom, /dev/null', async () => {
    for (const device of ['/dev/zero', '/dev/urandom', '/dev/null']) {
      const read = await readBoundedInput(device, LIMIT, WAIT);
      assert.equal(!read.ok && read.reason, 'not-a-file', device);
      assert.match(!read.ok ? read.message : '', /not a regular file or a pipe/);
    }
  });

  // Generous waits where a writer process must start first: a loaded machine starts Node slowly.
  const PATIENT = { writerMs: 60_000, totalMs: 120_000 };

  test('a named pipe whose writer comes later is read to its end', async () => {
    const file = fifo();
    children.push(writer(file, 'from a pipe\n', 100));
    const read = await readBoundedInput(file, LIMIT, PATIENT);
    assert.equal(read.ok && read.bytes.toString(), 'from a pipe\n');
  });

  test('a named pipe nobody writes to is given up on (it used to block forever)', async () => {
    const read = await readBoundedInput(fifo(), LIMIT, WAIT);
    assert.equal(!read.ok && read.reason, 'timed-out');
    assert.match(!read.ok ? read.message : '', /a pipe nobody wrote to within 0\.3 s/);
  });

  test('a pipe whose writer never closes it is given up on', async () => {
    const file = fifo();
    // This process holds the pipe open for writing (read-write never blocks on Linux) and never closes it.
    const held = fs.openSync(file, 'r+');
    try {
      fs.writeSync(held, 'no end');
      const read = await readBoundedInput(file, LIMIT, WAIT);
      assert.equal(!read.ok && read.reason, 'timed-out');
      assert.match(!read.ok ? read.message : '', /did not reach its end within 1\.5 s/);
    } finally {
      fs.closeSync(held);
    }
  });

  test('a pipe written and closed while it is read gives exactly what was written', async () => {
    const file = fifo();
    const held = fs.openSync(file, 'r+');
    fs.writeSync(held, 'written before the read\n');
    const reading = readBoundedInput(file, LIMIT, WAIT);
    fs.closeSync(held);
    const read = await reading;
    assert.equal(read.ok && read.bytes.toString(), 'written before the read\n');
  });

  test('a pipe carrying more than the limit is refused after limit + 1 bytes', async () => {
    const file = fifo();
    const child = spawn(process.execPath, ['-e', `const fs = require('fs'); const fd = fs.openSync(process.argv[1], 'w'); try { for (;;) fs.writeSync(fd, Buffer.alloc(65536)); } catch {}`, file], { stdio: 'ignore' });
    children.push(child);
    const read = await readBoundedInput(file, LIMIT, PATIENT);
    assert.equal(!read.ok && read.reason, 'too-large');
    await once(child, 'exit');
  });
});

describe('readBoundedFile with noFollow (a chart\'s files when packaging)', () => {
  test('a symlink at the path is refused, not followed, even to a file beside it; without noFollow it is followed', () => {
    const dir = scratch('bounded-nofollow-');
    fs.writeFileSync(path.join(dir, 'target'), 'inside\n');
    fs.symlinkSync(path.join(dir, 'target'), path.join(dir, 'link'));
    const refused = readBoundedFile(path.join(dir, 'link'), LIMIT, { noFollow: true });
    assert.equal(!refused.ok && refused.reason, 'not-a-file');
    const followed = readBoundedFile(path.join(dir, 'link'), LIMIT);
    assert.equal(followed.ok && followed.bytes.toString(), 'inside\n');
    assert.equal(readBoundedFile(path.join(dir, 'target'), LIMIT, { noFollow: true }).ok, true);
  });

  test('a file over the limit is refused from its size, which the failure carries', () => {
    const file = path.join(scratch('bounded-size-'), 'big');
    fs.writeFileSync(file, Buffer.alloc(LIMIT + 10));
    const read = readBoundedFile(file, LIMIT, { noFollow: true });
    assert.equal(!read.ok && read.reason, 'too-large');
    assert.equal(!read.ok && read.size, LIMIT + 10);
  });
});
