// Child process: runs one hostile case's `run` on prepared inputs and prints what it observed, the work
// the engine counted during `run` (the meter is reset just before it), the process's peak resident
// memory, and how long `run` took (CPU time of the whole process and wall time, for the report only), as
// one JSON line on stdout.
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { resetWork, workDone } from '../../server/src/provenance/work';
import type { Measured } from './harness';
import { findCase } from './cases';

/**
 * Peak resident memory of this process, Node itself included, in kB. On Linux from VmHWM: getrusage's
 * maxRSS keeps the forking parent's peak across exec, so it would charge a case with the memory of the
 * test process that started it.
 */
function peakRssKilobytes(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}

async function main(): Promise<void> {
  const [name, dir] = process.argv.slice(2);
  const c = findCase(name);
  if (!c) throw new Error(`no hostile case named ${name}`);
  resetWork();
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const result: Partial<Measured> = {};
  try {
    result.observation = await c.run(dir);
  } catch (e) {
    result.threw = e instanceof Error ? e.stack ?? e.message : String(e);
  }
  result.milliseconds = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  result.cpuMilliseconds = (cpu.user + cpu.system) / 1000;
  result.maxRssMegabytes = peakRssKilobytes() / 1024;
  result.work = workDone();
  if (result.observation && c.explain) {
    try {
      result.observation = await c.explain(dir, result.observation);
    } catch (e) {
      result.threw = e instanceof Error ? e.stack ?? e.message : String(e);
    }
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

void main();
