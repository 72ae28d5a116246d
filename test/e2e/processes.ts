// Child processes with bounded lifetimes: every process the e2e harness starts runs in its own
// process group, so a timeout or a failure ends it together with everything it spawned.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';

export interface BoundedRun { code: number; stdout: string; stderr: string }

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs: number;
  /** Called with each chunk of stderr as it arrives (progress of long installs). */
  onStderr?: (chunk: string) => void;
}

/** Runs a command to completion; kills its whole process group and rejects when it overruns. */
export function runBounded(command: string, args: string[], options: RunOptions): Promise<BoundedRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd, env: options.env ?? process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; options.onStderr?.(d); });
    const timer = setTimeout(() => {
      void killProcessGroup(child).then(() => reject(new Error(
        `${command} ${args.join(' ')} did not finish within ${options.timeoutMs} ms\n${tail(stderr)}`)));
    }, options.timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/** Whether the child is still running (neither exited nor killed by a signal). */
export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * Ends a detached child's process group: SIGTERM, then SIGKILL after `graceMs`. Descendants that
 * moved to a group of their own are found through /proc beforehand and killed as well.
 */
export async function killProcessGroup(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.pid === undefined) return;
  const strays = descendantPids(child.pid);
  const exited = isRunning(child) ? new Promise<void>((r) => child.once('exit', () => r())) : Promise.resolve();
  signalGroup(child.pid, 'SIGTERM');
  const inTime = await Promise.race([exited.then(() => true), delay(graceMs).then(() => false)]);
  if (!inTime) signalGroup(child.pid, 'SIGKILL');
  // The group may outlive its leader (children still closing): make sure nothing is left.
  signalGroup(child.pid, 'SIGKILL');
  for (const pid of strays) signalPid(pid, 'SIGKILL');
  await exited;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  signalPid(-pgid, signal);
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** All live descendants of `root`, read from /proc (Linux). */
function descendantPids(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // Format: pid (comm) state ppid ...; comm may contain spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const pid of children.get(queue.shift()!) ?? []) {
      found.push(pid);
      queue.push(pid);
    }
  }
  return found;
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Rejects with a message naming `what` when `promise` does not settle within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The last lines of some output, for error messages. */
export function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n');
}
