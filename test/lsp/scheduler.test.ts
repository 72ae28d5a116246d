// The scheduler that keeps heavy work off the request path: bounded concurrency, interactive work ahead
// of background work, and a newer task for the same key cancelling the older one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CancellationTokenSource } from 'vscode-languageserver/node';
import { retrySuperseded, Scheduler } from '../../server/src/lsp/scheduler';

/** A latch: `released` settles when the test calls `release`, so a task (or the test) can wait for the other side. */
function gate() {
  let release!: () => void;
  const released = new Promise<void>((r) => { release = r; });
  return { release, released };
}

test('a newer task with the same key cancels the running one; its result is dropped', async () => {
  const scheduler = new Scheduler(2);
  const first = gate();
  const started = gate();
  let firstSawCancel = false;
  const older = scheduler.run('prov:a', 'interactive', async (token) => { started.release(); await first.released; firstSawCancel = token.isCancellationRequested; return 'old'; });
  await started.released;
  const newer = scheduler.run('prov:a', 'interactive', async () => 'new');
  first.release();
  assert.equal(await older, undefined);
  assert.equal(firstSawCancel, true);
  assert.equal(await newer, 'new');
});

test('a task superseded before it started never runs', async () => {
  const scheduler = new Scheduler(2);
  let ran = false;
  const older = scheduler.run('prov:a', 'interactive', async () => { ran = true; return 'old'; });
  const newer = scheduler.run('prov:a', 'interactive', async () => 'new');
  assert.equal(await older, undefined);
  assert.equal(ran, false);
  assert.equal(await newer, 'new');
});

test('at most `concurrency` tasks run; waiting interactive work starts before waiting background work', async () => {
  const scheduler = new Scheduler(1);
  const order: string[] = [];
  const blocker = gate();
  const running = scheduler.run('busy', 'background', async () => { order.push('busy'); await blocker.released; });
  const background = scheduler.run('bg', 'background', async () => { order.push('bg'); });
  const interactive = scheduler.run('ui', 'interactive', async () => { order.push('ui'); });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(order, ['busy']);
  blocker.release();
  await Promise.all([running, background, interactive]);
  assert.deepEqual(order, ['busy', 'ui', 'bg']);
});

test('a caller cancelling its request cancels the task; a task cancelled while queued never runs', async () => {
  const scheduler = new Scheduler(1);
  const blocker = gate();
  const running = scheduler.run('busy', 'background', async () => { await blocker.released; });
  const request = new CancellationTokenSource();
  let ran = false;
  const queued = scheduler.run('verify', 'interactive', async () => { ran = true; return 'done'; }, request.token);
  request.cancel();
  blocker.release();
  await running;
  assert.equal(await queued, undefined);
  assert.equal(ran, false);
});

test('a task whose caller cancelled before it was scheduled is dropped, even when its work needs no wait', async () => {
  const scheduler = new Scheduler(2);
  const request = new CancellationTokenSource();
  request.cancel();
  let ran = false;
  const result = await scheduler.run('verify', 'interactive', async () => { ran = true; return 'done'; }, request.token);
  assert.equal(result, undefined);
  assert.equal(ran, false);
});

test('retrySuperseded runs a superseded task again; only the caller\'s token stops it', async () => {
  const scheduler = new Scheduler(2);
  const started = gate();
  const first = gate();
  let attempts = 0;
  const caller = new CancellationTokenSource();
  const answer = retrySuperseded(() => scheduler.run('chart:a', 'interactive', async () => {
    if (++attempts === 1) { started.release(); await first.released; }
    return `attempt ${attempts}`;
  }), caller.token);
  await started.released;
  const newer = scheduler.run('chart:a', 'interactive', async () => 'file change');
  first.release();
  assert.equal(await newer, 'file change');
  assert.equal(await answer, 'attempt 2', 'the superseded first attempt was run again');

  caller.cancel();
  let ran = false;
  assert.equal(await retrySuperseded(() => scheduler.run('chart:a', 'interactive', async () => { ran = true; return 'x'; }, caller.token), caller.token), undefined);
  assert.equal(ran, false);
});
