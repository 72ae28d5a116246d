// Summaries of repeated measurements and the timing of whole processes. The machine is shared and
// noisy, so every figure is a median with its spread, and ours and the anchor are taken interleaved.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';

export interface Summary {
  n: number;
  median: number;
  p25: number;
  p75: number;
  p95: number;
  min: number;
  max: number;
}

/** Linear interpolation between closest ranks (the usual "type 7" quantile). */
function quantile(sorted: number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

export function summarize(samples: number[]): Summary {
  if (samples.length === 0) throw new Error('no samples to summarize');
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    p25: quantile(sorted, 0.25),
    p75: quantile(sorted, 0.75),
    p95: quantile(sorted, 0.95),
    min: sorted[0],
    max: sorted[sorted.length - 1],
  };
}

/**
 * Same summary with every value transformed (durations → throughputs). Ranges are re-sorted when the
 * transform reverses order; p95 stays the transform of the p95 (the slow tail).
 */
export function mapSummary(s: Summary, f: (x: number) => number): Summary {
  const pairs = [f(s.min), f(s.max)].sort((a, b) => a - b);
  const quartiles = [f(s.p25), f(s.p75)].sort((a, b) => a - b);
  return { n: s.n, median: f(s.median), p25: quartiles[0], p75: quartiles[1], p95: f(s.p95), min: pairs[0], max: pairs[1] };
}

export function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export interface TimedRun { ms: number; status: number | null; stdout: string; stderr: string }

/** Runs a whole process to its end and times it from spawn to exit. */
export function timeProcess(command: string, args: string[], options: SpawnSyncOptions = {}): TimedRun {
  const start = process.hrtime.bigint();
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  const ms = elapsedMs(start);
  if (r.error) throw r.error;
  return { ms, status: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

/** Like timeProcess, but a failed run is a broken benchmark, not a sample. */
export function timeOk(what: string, command: string, args: string[], options: SpawnSyncOptions = {}): number {
  const run = timeProcess(command, args, options);
  if (run.status !== 0) throw new Error(`${what} exited ${run.status}: ${(run.stderr || run.stdout).slice(-2000)}`);
  return run.ms;
}

/**
 * Runs each contender `rounds` times, interleaved (A B C A B C …), after `warmup` unrecorded rounds,
 * so load changes on the machine hit every contender alike.
 */
export function interleave<K extends string>(rounds: number, warmup: number, contenders: Record<K, () => number>): Record<K, number[]> {
  const names = Object.keys(contenders) as K[];
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round < warmup + rounds; round++) {
    // Rotate the order too: no contender always runs right after the same other one.
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length];
      const ms = contenders[name]();
      if (round >= warmup) samples[name].push(ms);
    }
  }
  return samples;
}
