// trailingRun (debounce.ts): a burst of calls runs the task once, after the last call; a later burst
// runs it again. Counted in runs, never timed (a timer of 5 ms fires before one of 50 ms set after it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trailingRun } from '../../server/src/lsp/debounce';

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a burst of calls runs the task once; a later burst once more', async () => {
  let runs = 0;
  const ask = trailingRun(5, () => { runs++; });
  for (let i = 0; i < 1000; i++) ask();
  assert.equal(runs, 0);
  await settle(50);
  assert.equal(runs, 1);
  ask();
  ask();
  await settle(50);
  assert.equal(runs, 2);
});

