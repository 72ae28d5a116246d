// Runs heavy work (hashing archives, checking signatures, indexing) off the request path: a few tasks at
// a time, interactive ones first, and a newer task for the same key cancels the older one.
import { CancellationTokenSource, type CancellationToken } from 'vscode-languageserver/node';

export type Priority = 'interactive' | 'background';

export class Scheduler {
  private running = 0;
  private readonly waiting: { priority: Priority; start: () => void }[] = [];
  private readonly current = new Map<string, CancellationTokenSource>();

  constructor(private readonly concurrency: number) {}

  /**
   * Runs `task` when a slot is free. Resolves `undefined` when the task was superseded (same key) or
   * cancelled through `outer` before or while it ran.
   */
  async run<T>(key: string, priority: Priority, task: (token: CancellationToken) => Promise<T>, outer?: CancellationToken): Promise<T | undefined> {
    this.current.get(key)?.cancel();
    const source = new CancellationTokenSource();
    this.current.set(key, source);
    // A token cancelled already tells its listeners only on a later turn of the event loop: too late for a task that needs none.
    if (outer?.isCancellationRequested) source.cancel();
    const link = outer?.onCancellationRequested(() => source.cancel());
    await this.slot(priority);
    try {
      if (source.token.isCancellationRequested) return undefined;
      const result = await task(source.token);
      return source.token.isCancellationRequested || outer?.isCancellationRequested ? undefined : result;
    } finally {
      this.release();
      link?.dispose();
      if (this.current.get(key) === source) this.current.delete(key);
      source.dispose();
    }
  }

  cancelAll(): void {
    for (const source of this.current.values()) source.cancel();
  }

  private slot(priority: Priority): Promise<void> {
    if (this.running < this.concurrency) { this.running++; return Promise.resolve(); }
    return new Promise((resolve) => {
      const entry = { priority, start: () => { this.running++; resolve(); } };
      if (priority === 'interactive') {
        const firstBackground = this.waiting.findIndex((w) => w.priority === 'background');
        this.waiting.splice(firstBackground < 0 ? this.waiting.length : firstBackground, 0, entry);
      } else {
        this.waiting.push(entry);
      }
    });
  }

  private release(): void {
    this.running--;
    this.waiting.shift()?.start();
  }
}

/** How often a check superseded by a newer one is run again for a caller that needs its answer. */
const SUPERSEDED_RETRIES = 3;

/**
 * Runs `attempt` (a scheduler task) again while a newer task for the same key superseded it (a file
 * change arriving meanwhile), a few times at most: a caller waiting for an answer is cancelled only
 * by its own `token`. Undefined when cancelled.
 */
export async function retrySuperseded<T>(attempt: () => Promise<T | undefined>, token: CancellationToken): Promise<T | undefined> {
  for (let tries = 0; tries < SUPERSEDED_RETRIES && !token.isCancellationRequested; tries++) {
    const result = await attempt();
    if (result !== undefined) return result;
  }
  return undefined;
}
