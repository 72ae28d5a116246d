// Child process: runs one hostile case's `run` on prepared inputs and prints what it observed, how long
// `run` took (CPU time of the whole process, all threads, and wall time) and the process's peak
// resident memory, as one JSON line on stdout.
import { performance } from 'node:perf_hooks';
import type { Measured } from './harness';
import { findCase } from './cases';

async function main(): Promise<void> {
  const [name, dir] = process.argv.slice(2);
  const c = findCase(name);
  if (!c) throw new Error(`no hostile case named ${name}`);
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
  // maxRSS is in kilobytes: the peak of the whole process, Node itself included.
  result.maxRssMegabytes = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

void main();
