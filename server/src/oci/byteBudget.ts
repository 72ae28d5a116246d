// Bytes of chart layers held in memory at once, across every pull of one run: `verify` pulls several
// charts at a time, and each may be as large as the layer limit, so without a shared budget eight
// hostile 100 MiB layers would be 800 MiB. A pull waits until its layer's declared size fits.
export class ByteBudget {
  private used = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {}

  /** Reserves `bytes` (at most the whole budget), waiting while others hold too much; returns the release. */
  async take(bytes: number): Promise<() => void> {
    const want = Math.min(bytes, this.limit);
    while (this.used > 0 && this.used + want > this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.used += want;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= want;
      for (const wake of this.waiting.splice(0)) wake();
    };
  }

  /** Bytes reserved now. */
  get inUse(): number {
    return this.used;
  }
}
