// One pending run per key (a document, a chart): a newer call for the same key replaces the older one,
// so a burst of edits or file events costs one check once it settles.
export class KeyedDebounce {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  /** Runs `task` after `delay` ms unless `key` is scheduled again (or cancelled) first. */
  schedule(key: string, delay: number, task: () => void): void {
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      task();
    }, delay));
  }

  cancel(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
