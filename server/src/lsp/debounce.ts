// One pending run per key (a document, a chart): a newer call for the same key replaces the older one,
// so a burst of edits or file events costs one check once it settles.
export class KeyedDebounce {
  private readonly pending = new Map<string, () => void>();

  /** Runs `task` after `delay` ms unless `key` is scheduled again (or cancelled) first. */
  schedule(key: string, delay: number, task: () => void): void {
    this.cancel(key);
    const run = () => {
      this.pending.delete(key);
      task();
    };
    // No delay: on the next turn of the event loop. setTimeout(0) waits Node's minimum of 1 ms, with the
    // process asleep, and on a loaded machine waits for a core again when it wakes (an open's check).
    if (delay <= 0) {
      const immediate = setImmediate(run);
      this.pending.set(key, () => clearImmediate(immediate));
    } else {
      const timer = setTimeout(run, delay);
      this.pending.set(key, () => clearTimeout(timer));
    }
  }

  cancel(key: string): void {
    this.pending.get(key)?.();
    this.pending.delete(key);
  }

  dispose(): void {
    for (const cancel of this.pending.values()) cancel();
    this.pending.clear();
  }
}

/**
 * A function that runs `task` once `delay` ms after the last of a burst of calls. One timer, re-armed
 * (`refresh`) by each call: a workspace's index asks for a CodeLens refresh once per chart, and a new
 * timer each time (clearTimeout + setTimeout) cost more than the rest of what it does per chart.
 */
export function trailingRun(delay: number, task: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  return () => {
    if (timer) timer.refresh();
    else timer = setTimeout(() => { timer = undefined; task(); }, delay);
  };
}
