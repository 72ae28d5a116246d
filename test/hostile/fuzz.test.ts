// The fuzz targets of test/hostile/fuzz/targets.ts, a few seconds each inside `npm test` (a new random
// seed every run, printed with any failure so it can be replayed). The long run is `npm run fuzz`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzz, fuzzTargets } from './fuzz/targets';

const SECONDS = 3;

for (const target of fuzzTargets) {
  test(`fuzz: ${target.name}`, async (t) => {
    const figures = await fuzz(target, SECONDS);
    t.diagnostic(`${figures.executions} executions in ${figures.seconds.toFixed(1)} s, seed ${figures.seed}`);
    assert.equal(figures.failures, 0, figures.report);
    assert.ok(figures.executions > 0, 'the target ran');
  });
}
