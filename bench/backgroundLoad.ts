// A loaded machine, made by the bench itself: CPU-bound Node processes that spin until stopped, and
// samples of the load while something is measured. Figures that must hold "on a loaded machine" are
// measured with these running; the report gives the load they actually had.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { summarize, type Summary } from './stats';

/** Load on the 2 cores the issue names (4): two runnable processes per core. */
export const LOAD_PER_CORE = 2;
/** The 1-minute load average rises with a time constant of a minute: wait at most this long for it. */
const RISE_LIMIT_MS = 120_000;
const SAMPLE_EVERY_MS = 200;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** /proc/loadavg: the 1-minute load average and the runnable tasks right now (Linux). */
function readLoad(): { average: number; runnable: number } {
  try {
    const fields = fs.readFileSync('/proc/loadavg', 'utf8').split(' ');
    return { average: Number(fields[0]), runnable: Number(fields[3].split('/')[0]) };
  } catch {
    return { average: os.loadavg()[0], runnable: NaN };
  }
}

/** The load while something ran: runnable tasks sampled every 200 ms, and the load average before and after. */
export interface LoadSamples { runnable?: Summary; averageBefore: number; averageAfter: number }

/** Samples the load until stopped. */
export class LoadSampler {
  private readonly runnable: number[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly averageBefore = readLoad().average;

  constructor() {
    this.timer = setInterval(() => {
      const { runnable } = readLoad();
      if (Number.isFinite(runnable)) this.runnable.push(runnable);
    }, SAMPLE_EVERY_MS);
  }

  stop(): LoadSamples {
    clearInterval(this.timer);
    return { runnable: this.runnable.length ? summarize(this.runnable) : undefined, averageBefore: this.averageBefore, averageAfter: readLoad().average };
  }
}

export function describeLoad(load: LoadSamples): string {
  const runnable = load.runnable ? `runnable tasks (bench, server and everything else on the machine) median ${load.runnable.median.toFixed(0)}, p25–p75 ${load.runnable.p25.toFixed(0)}–${load.runnable.p75.toFixed(0)}; ` : '';
  return `${runnable}1-minute load average ${load.averageBefore.toFixed(2)} before, ${load.averageAfter.toFixed(2)} after`;
}

/**
 * CPU-bound processes, one more than the target load, so the load stays above it with the measured
 * processes waiting for I/O. Stopped by `stop()`, and killed when the bench exits whatever happens.
 */
export class BackgroundLoad {
  private readonly spinners: ChildProcess[] = [];
  private readonly onExit = () => { for (const child of this.spinners) child.kill('SIGKILL'); };
  /** Whether the 1-minute load average reached the target before the measurement began. */
  reached = false;

  private constructor(readonly target: number) {
    process.on('exit', this.onExit);
    for (let i = 0; i <= target; i++) {
      this.spinners.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
    }
  }

  /** Starts the spinners and waits (at most two minutes) for the 1-minute load average to reach the target. */
  static async start(target = LOAD_PER_CORE * os.cpus().length): Promise<BackgroundLoad> {
    const load = new BackgroundLoad(target);
    const limit = Date.now() + RISE_LIMIT_MS;
    while (!(load.reached = readLoad().average >= target) && Date.now() < limit) await delay(1000);
    return load;
  }

  get processes(): number {
    return this.spinners.length;
  }

  /** Kills the spinners and waits until every one has exited. */
  async stop(): Promise<void> {
    await Promise.all(this.spinners.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    })));
    process.off('exit', this.onExit);
  }
}
