// go-yaml v2's map key order (sorter.go), in which Helm writes Chart.yaml and `.prov` metadata: letters
// before other runes, digit runs compared as numbers. Go accumulates a run in an int64 that wraps
// (measured with helm package 4.1.4: `a18446744073709551617` = 2^64 + 1 sorts before `a2`), so we do too,
// which also keeps each step constant-time: accumulating a 500 000-digit run in a BigInt took minutes.
// Each key is split into runes once, and its digit runs' values are computed once, from the right, the
// first time a comparison needs them; a comparison then costs the length of the common prefix.
//
// It is not a total order for keys mixing digit runs and letters ("1e-07" < "3.1" < "123" < "1e-07"):
// Helm's output for such keys then changes from run to run (measured); ours is one fixed order.

import { countWork } from '../work';

const cp = (c: string): number => c.codePointAt(0) as number;
const isLetter = (c: string): boolean => /\p{L}/u.test(c);
const isDigit = (c: string): boolean => /\p{Nd}/u.test(c);

/** 10^k in Go's wrapping int64 arithmetic, grown as needed. */
let powersOf10 = BigInt64Array.of(1n);
function pow10(k: number): bigint {
  if (k >= powersOf10.length) {
    const grown = new BigInt64Array(Math.max(k + 1, powersOf10.length * 2));
    grown.set(powersOf10);
    for (let i = powersOf10.length; i < grown.length; i++) grown[i] = BigInt.asIntN(64, grown[i - 1] * 10n);
    powersOf10 = grown;
  }
  return powersOf10[k];
}

class SortKey {
  readonly runes: string[];
  /** From each position: the value of the digit run starting there (Go's wrapping `n = n*10 + d` from 0), and where it ends. */
  private runs?: { values: BigInt64Array; ends: Int32Array };

  constructor(readonly text: string) {
    this.runes = Array.from(text);
    countWork('yaml-steps', this.runes.length);
  }

  /** Go's accumulation from `from` to the end of the digit run there, starting at `start`; and the run's end. */
  run(from: number, start: bigint): [bigint, number] {
    const { values, ends } = this.runs ??= this.indexRuns();
    const end = ends[from];
    return [start === 0n ? values[from] : BigInt.asIntN(64, start * pow10(end - from) + values[from]), end];
  }

  private indexRuns(): { values: BigInt64Array; ends: Int32Array } {
    const n = this.runes.length;
    countWork('yaml-steps', n);
    const values = new BigInt64Array(n + 1);
    const ends = new Int32Array(n + 1);
    ends[n] = n;
    for (let p = n - 1; p >= 0; p--) {
      if (!isDigit(this.runes[p])) { ends[p] = p; continue; }
      const end = ends[p + 1] > p + 1 ? ends[p + 1] : p + 1;
      ends[p] = end;
      // The BigInt64Array store wraps to int64, as Go's arithmetic does.
      values[p] = BigInt(cp(this.runes[p]) - 48) * pow10(end - p - 1) + (end > p + 1 ? values[p + 1] : 0n);
    }
    return { values, ends };
  }
}

function keyLess(a: SortKey, b: SortKey): boolean {
  const ar = a.runes, br = b.runes;
  const common = Math.min(ar.length, br.length);
  let i = 0;
  while (i < common && ar[i] === br[i]) i++;
  countWork('yaml-steps', i + 1);
  if (i === common) return ar.length < br.length;
  const al = isLetter(ar[i]), bl = isLetter(br[i]);
  if (al && bl) return cp(ar[i]) < cp(br[i]);
  if (al || bl) return bl;
  let start = 0n;
  if (ar[i] === '0' || br[i] === '0') {
    for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
      if (ar[j] !== '0') { start = 1n; break; }
    }
  }
  const [an, ai] = a.run(i, start);
  const [bn, bi] = b.run(i, start);
  if (an !== bn) return an < bn;
  if (ai !== bi) return ai < bi;
  return cp(ar[i]) < cp(br[i]);
}

/** Whether go-yaml v2 writes key `a` before key `b`. */
export function goYamlKeyLess(a: string, b: string): boolean {
  return keyLess(new SortKey(a), new SortKey(b));
}

/** The object's keys in go-yaml v2's order. */
export function sortedGoYamlKeys(obj: object): string[] {
  return Object.keys(obj).map((k) => new SortKey(k))
    .sort((x, y) => (keyLess(x, y) ? -1 : keyLess(y, x) ? 1 : 0))
    .map((k) => k.text);
}
