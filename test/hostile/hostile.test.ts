// Runs every hostile case (test/hostile/cases/<name>/) through the real engine, each in its own child
// process so its work and peak memory are its own. Per case: the code its README promises, never
// `verified` for a case that must fail, no exception, counted work within the case's budgets
// (budgets.ts) and ≤ 256 MB of memory. Nothing here asserts time: a loaded machine makes time flaky,
// while counted work is the same on any machine. CPU and wall time are printed as diagnostics and
// written, with the work, to out/hostile-figures.json (docs/security.md quotes them).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, tempDir } from '../support/tools';
import { budgetsOf, KILL_AFTER_MILLISECONDS, MEMORY_LIMIT_MEGABYTES, overBudget } from './budgets';
import { allCases, findCase } from './cases';
import { casesDir, expectedCode, isRefusal, type Measured } from './harness';

const runner = path.join(__dirname, 'runCase.js');
const figures: Record<string, { code: string; cpuMilliseconds: number; milliseconds: number; maxRssMegabytes: number; work: Measured['work'] }> = {};
const folders = fs.readdirSync(casesDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

/** Runs `run` of a case in a fresh Node process; a hang is killed (KILL_AFTER_MILLISECONDS, a safety net) and reported. */
function measure(name: string, dir: string): Measured {
  const child = spawnSync(process.execPath, [runner, name, dir], { encoding: 'utf8', timeout: KILL_AFTER_MILLISECONDS, maxBuffer: 16 * 1024 * 1024 });
  assert.equal(child.signal, null, `${name}: the child was killed (${child.signal}): a hang or a crash\n${child.stderr}`);
  assert.equal(child.status, 0, `${name}: the child exited with ${child.status}\n${child.stderr}`);
  const line = child.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as Measured;
}

test('every case folder has a definition and every definition a folder', () => {
  assert.deepEqual(allCases.map((c) => c.name).sort(), folders);
});

test('a case folder holds only its README: inputs are made by the case definitions, never committed', () => {
  const extra = folders.flatMap((name) => fs.readdirSync(path.join(casesDir, name)).filter((f) => f !== 'README.md').map((f) => `${name}/${f}`));
  assert.deepEqual(extra, []);
});

test('work over a budget fails a case; work within it, or a kind the case did not use, does not', () => {
  const budgets = budgetsOf({ 'signature-units': 400 });
  assert.deepEqual(overBudget({ 'signature-units': 401, 'bytes-read': 10 }, budgets), ['signature-units: 401, over its budget of 400']);
  assert.deepEqual(overBudget({ 'signature-units': 400 }, budgets), []);
});

for (const name of folders) {
  test(name, async (t) => {
    const expected = expectedCode(name);
    assert.ok(expected, `${name}/README.md has no "Expected: \`code\`" line`);
    assert.equal(name.endsWith('_fail'), isRefusal(expected), `${name}: a case ends in _fail exactly when it must be refused (expected ${expected})`);
    const c = findCase(name);
    assert.ok(c, `no definition for ${name}`);
    const work = tempDir(`hostile-${name}-`);
    try {
      await c.setup?.(work);
      const measured = measure(name, work);
      assert.equal(measured.threw, undefined, `${name} threw:\n${measured.threw}`);
      const seen = measured.observation!;
      figures[name] = { code: seen.code, cpuMilliseconds: Math.round(measured.cpuMilliseconds), milliseconds: Math.round(measured.milliseconds), maxRssMegabytes: Math.round(measured.maxRssMegabytes), work: measured.work };
      t.diagnostic(`${seen.code}: peak ${measured.maxRssMegabytes.toFixed(0)} MB, work ${JSON.stringify(measured.work)}; not asserted: ${measured.cpuMilliseconds.toFixed(0)} ms CPU, ${measured.milliseconds.toFixed(0)} ms wall`);
      assert.equal(seen.code, expected, `${name}: ${seen.message ?? ''}`);
      if (isRefusal(expected)) assert.notEqual(seen.verdict, 'verified', `${name} must never be verified`);
      c.check?.(seen, work);
      assert.deepEqual(overBudget(measured.work, budgetsOf(c.budgets)), [], `${name} did more work than its budgets allow`);
      assert.ok(measured.maxRssMegabytes <= MEMORY_LIMIT_MEGABYTES, `${name} peaked at ${measured.maxRssMegabytes.toFixed(0)} MB (limit ${MEMORY_LIMIT_MEGABYTES})`);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
}

after(() => {
  fs.writeFileSync(path.join(repoRoot, 'out', 'hostile-figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
});
