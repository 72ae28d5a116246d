// Runs every hostile case (test/hostile/cases/<name>/) through the real engine, each in its own child
// process so its time and peak memory are its own. Per case: the code its README promises, never
// `verified` for a case that must fail, no exception, and the safety limits of issue 5 (≤ 1 s, ≤ 256 MB;
// see LIMITS for how time is counted).
// The measured figures are written to out/hostile-figures.json (docs/security.md quotes them).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, tempDir } from '../support/tools';
import { allCases, findCase } from './cases';
import { casesDir, expectedCode, isRefusal, LIMITS, type Measured } from './harness';

const runner = path.join(__dirname, 'runCase.js');
const figures: Record<string, { code: string; cpuMilliseconds: number; milliseconds: number; maxRssMegabytes: number }> = {};
const folders = fs.readdirSync(casesDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

/** Runs `run` of a case in a fresh Node process; a hang is killed and reported, never waited out. */
function measure(name: string, dir: string): Measured {
  const child = spawnSync(process.execPath, [runner, name, dir], { encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  assert.equal(child.signal, null, `${name}: the child was killed (${child.signal}): a hang or a crash\n${child.stderr}`);
  assert.equal(child.status, 0, `${name}: the child exited with ${child.status}\n${child.stderr}`);
  const line = child.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as Measured;
}

/** Copies a case folder's committed inputs (everything but its README) into the work folder. */
function copyInputs(name: string, work: string): void {
  for (const entry of fs.readdirSync(path.join(casesDir, name))) {
    if (entry !== 'README.md') fs.cpSync(path.join(casesDir, name, entry), path.join(work, entry), { recursive: true });
  }
}

test('every case folder has a definition and every definition a folder', () => {
  assert.deepEqual(allCases.map((c) => c.name).sort(), folders);
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
      copyInputs(name, work);
      await c.setup?.(work);
      const measured = measure(name, work);
      assert.equal(measured.threw, undefined, `${name} threw:\n${measured.threw}`);
      const seen = measured.observation!;
      figures[name] = { code: seen.code, cpuMilliseconds: Math.round(measured.cpuMilliseconds), milliseconds: Math.round(measured.milliseconds), maxRssMegabytes: Math.round(measured.maxRssMegabytes) };
      t.diagnostic(`${seen.code}: ${measured.cpuMilliseconds.toFixed(0)} ms CPU, ${measured.milliseconds.toFixed(0)} ms wall, peak ${measured.maxRssMegabytes.toFixed(0)} MB`);
      assert.equal(seen.code, expected, `${name}: ${seen.message ?? ''}`);
      if (isRefusal(expected)) assert.notEqual(seen.verdict, 'verified', `${name} must never be verified`);
      c.check?.(seen, work);
      assert.ok(measured.cpuMilliseconds <= LIMITS.cpuMilliseconds, `${name} took ${measured.cpuMilliseconds.toFixed(0)} ms of CPU (limit ${LIMITS.cpuMilliseconds})`);
      assert.ok(measured.milliseconds <= LIMITS.wallMilliseconds, `${name} took ${measured.milliseconds.toFixed(0)} ms (limit ${LIMITS.wallMilliseconds})`);
      assert.ok(measured.maxRssMegabytes <= LIMITS.megabytes, `${name} peaked at ${measured.maxRssMegabytes.toFixed(0)} MB (limit ${LIMITS.megabytes})`);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
}

after(() => {
  fs.writeFileSync(path.join(repoRoot, 'out', 'hostile-figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
});
