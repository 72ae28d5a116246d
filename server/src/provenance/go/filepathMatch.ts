// Go's path/filepath.Match (Unix) and filepath.Base, on bytes like Go: literals compare bytes, `?` and
// classes runes, a malformed pattern is an answer of its own. Helm's .helmignore rules are these
// patterns (helmignore.ts).

const SLASH = 0x2f;
const STAR = 0x2a;
const BACKSLASH = 0x5c;
const RUNE_ERROR = 0xfffd;

class BadPattern extends Error {}

/** Pattern bytes examined by matchChunk, for a caller's matching budget. */
let compared = 0;

/** Pattern bytes examined by every match so far; a caller budgets the difference across its matches. */
export function patternBytesCompared(): number {
  return compared;
}

/** true / false, or undefined when the pattern is malformed (Go's ErrBadPattern). */
export function goMatch(pattern: Buffer, name: Buffer): boolean | undefined {
  try {
    return matchPattern(pattern, name);
  } catch (e) {
    if (e instanceof BadPattern) return undefined;
    throw e;
  }
}

/** Convenience for strings. */
export function goFilepathMatch(pattern: string, name: string): boolean | undefined {
  return goMatch(Buffer.from(pattern, 'utf8'), Buffer.from(name, 'utf8'));
}

// Offsets into the pattern and the name rather than sub-buffers: a view per byte made each step cost
// ~0.3 µs, and matching is done for every path against every rule.

function matchPattern(p: Buffer, n: Buffer): boolean {
  let pi = 0;
  let ni = 0;
  outer: while (pi < p.length) {
    const { star, start, end } = scanChunk(p, pi);
    pi = end;
    if (star && start === end) return n.indexOf(SLASH, ni) < 0;
    const here = matchChunk(p, start, end, n, ni);
    if (here >= 0 && (here === n.length || pi < p.length)) {
      ni = here;
      continue;
    }
    if (star) {
      for (let i = ni; i < n.length && n[i] !== SLASH; i++) {
        const t = matchChunk(p, start, end, n, i + 1);
        if (t >= 0) {
          if (pi >= p.length && t < n.length) continue;
          ni = t;
          continue outer;
        }
      }
    }
    // Go checks the rest of the pattern is well-formed before answering "no".
    while (pi < p.length) {
      const next = scanChunk(p, pi);
      pi = next.end;
      matchChunk(p, next.start, next.end, EMPTY, 0);
    }
    return false;
  }
  return ni === n.length;
}

const EMPTY = Buffer.alloc(0);

/** The chunk of `p` from `from`: leading stars skipped, up to the next star outside a class (`p[start..end)`). */
function scanChunk(p: Buffer, from: number): { star: boolean; start: number; end: number } {
  let i = from;
  let star = false;
  while (i < p.length && p[i] === STAR) {
    i++;
    star = true;
  }
  const start = i;
  let inRange = false;
  for (; i < p.length; i++) {
    const c = p[i];
    if (c === BACKSLASH) { if (i + 1 < p.length) i++; }
    else if (c === 0x5b) inRange = true;
    else if (c === 0x5d) inRange = false;
    else if (c === STAR && !inRange) break;
  }
  return { star, start, end: i };
}

/** Where in `s` the chunk `p[cs..ce)` matched from `si` ends, or -1; throws BadPattern. */
function matchChunk(p: Buffer, cs: number, ce: number, s: Buffer, siIn: number): number {
  compared += ce - cs + 1;
  let ci = cs;
  let si = siIn;
  let failed = false;
  while (ci < ce) {
    if (!failed && si >= s.length) failed = true;
    const c = p[ci];
    if (c === 0x5b) {
      let r = 0;
      if (!failed) {
        const [rune, width] = decodeRune(s, si, s.length);
        r = rune;
        si += width;
      }
      ci++;
      let negated = false;
      if (ci < ce && p[ci] === 0x5e) { negated = true; ci++; }
      let match = false;
      let nrange = 0;
      for (;;) {
        if (ci < ce && p[ci] === 0x5d && nrange > 0) { ci++; break; }
        const lo = getEsc(p, ci, ce);
        ci = lo.next;
        let hi = lo.rune;
        if (ci < ce && p[ci] === 0x2d) {
          const h = getEsc(p, ci + 1, ce);
          hi = h.rune;
          ci = h.next;
        }
        if (lo.rune <= r && r <= hi) match = true;
        nrange++;
      }
      if (match === negated) failed = true;
    } else if (c === 0x3f) {
      if (!failed) {
        if (s[si] === SLASH) failed = true;
        si += decodeRune(s, si, s.length)[1];
      }
      ci++;
    } else {
      if (c === BACKSLASH) {
        ci++;
        if (ci >= ce) throw new BadPattern();
      }
      if (!failed) {
        if (p[ci] !== s[si]) failed = true;
        si++;
      }
      ci++;
    }
  }
  return failed ? -1 : si;
}

function getEsc(p: Buffer, atIn: number, end: number): { rune: number; next: number } {
  let at = atIn;
  if (at >= end || p[at] === 0x2d || p[at] === 0x5d) throw new BadPattern();
  if (p[at] === BACKSLASH) {
    at++;
    if (at >= end) throw new BadPattern();
  }
  const [rune, n] = decodeRune(p, at, end);
  if (rune === RUNE_ERROR && n === 1) throw new BadPattern();
  const next = at + n;
  if (next >= end) throw new BadPattern();
  return { rune, next };
}

/** utf8.DecodeRune of `b[at..end)`: the rune and its width, (U+FFFD, 1) for an invalid or truncated sequence. */
function decodeRune(b: Buffer, at: number, end: number): [number, number] {
  if (at >= end) return [RUNE_ERROR, 0];
  const c0 = b[at];
  if (c0 < 0x80) return [c0, 1];
  const width = c0 >= 0xf0 && c0 <= 0xf4 ? 4 : c0 >= 0xe0 ? 3 : c0 >= 0xc2 && c0 <= 0xdf ? 2 : 0;
  if (width === 0 || (width === 4 && c0 > 0xf4) || end - at < width) return [RUNE_ERROR, 1];
  let rune = c0 & (width === 2 ? 0x1f : width === 3 ? 0x0f : 0x07);
  for (let k = 1; k < width; k++) {
    if ((b[at + k] & 0xc0) !== 0x80) return [RUNE_ERROR, 1];
    rune = (rune << 6) | (b[at + k] & 0x3f);
  }
  const min = width === 2 ? 0x80 : width === 3 ? 0x800 : 0x10000;
  if (rune < min || rune > 0x10ffff || (rune >= 0xd800 && rune <= 0xdfff)) return [RUNE_ERROR, 1];
  return [rune, width];
}

/** Go's filepath.Base on a `/` path: trailing slashes dropped, last element, "." for empty. */
export function goBase(p: Buffer): Buffer {
  let end = p.length;
  while (end > 0 && p[end - 1] === SLASH) end--;
  if (end === 0) return Buffer.from(p.length > 0 ? '/' : '.');
  const start = p.lastIndexOf(SLASH, end - 1) + 1;
  return p.subarray(start, end);
}
