// The fuzz targets of test/hostile/fuzz/registryTargets.ts with a fixed seed and a fixed number of runs,
// so CI runs the same inputs every time (the long random run is `npm run fuzz`, which includes them; they
// are not in fuzz.test.ts's random-seed list).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { registryTargets } from './fuzz/registryTargets';

const SEED = 20_261_207;
const RUNS = 300;

for (const target of registryTargets) {
  test(`fuzz (seed ${SEED}, ${RUNS} runs): ${target.name}`, async () => {
    const property = await target.property();
    const details = await fc.check(property as fc.IAsyncPropertyWithHooks<unknown[]>, { seed: SEED, numRuns: RUNS });
    assert.equal(details.failed, false, fc.defaultReportMessage(details) ?? String(details.errorInstance));
    assert.equal(details.numRuns, RUNS);
  });
}
