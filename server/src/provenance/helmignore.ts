// `.helmignore` with Helm's own semantics (pkg/ignore), which are not gitignore's:
// - a pattern is Go's filepath.Match (`*`, `?`, `[...]` with `^`, `\` escapes; `*` never crosses `/`);
//   `**` is refused outright, and a malformed pattern fails the whole file;
// - a pattern without `/` matches the basename, one with `/` the whole relative path, a leading `/`
//   anchors it at the chart root, a trailing `/` matches directories only;
// - rules are tried in order and the first positive match ignores the path. A `!` rule is odd: a path
//   that reaches it and does NOT match it is ignored (and so is every file reaching a `!dir/` rule);
//   a path that matches it goes on to the next rule. So `!` re-includes nothing that an earlier rule
//   ignored; it ignores everything else.
// - Helm appends `templates/.?*` (dotfiles directly under templates/) after the file's own rules.
//   `.helmignore` itself is packaged unless a rule ignores it.
import { fail, ok, rangeOf, type Result } from './codes';
import { escapeUntrusted } from './untrustedText';

export const HELMIGNORE_FILE = '.helmignore';
/** bufio.Scanner's default token limit: Helm fails on a longer line. */
const MAX_LINE_BYTES = 64 * 1024;

interface Rule {
  negate: boolean;
  dirOnly: boolean;
  /** The Go pattern, as UTF-8 bytes. */
  pattern: Buffer;
  /** root: whole path, leading / stripped; path: whole path; basename: last component only. */
  scope: 'root' | 'path' | 'basename';
}

export class HelmIgnore {
  private constructor(private readonly rules: Rule[]) {}

  /** Only Helm's default rule, as when a chart has no .helmignore. */
  static defaults(): HelmIgnore {
    return new HelmIgnore([parseRule('templates/.?*') as Rule]);
  }

  /** Parses a .helmignore (text or bytes) and appends Helm's default rule. */
  static parse(text: string | Uint8Array): Result<HelmIgnore> {
    const source = typeof text === 'string' ? text : Buffer.from(text).toString('utf8');
    const lines = source.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const rules: Rule[] = [];
    for (let i = 0; i < lines.length; i++) {
      let line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
      if (i === 0 && line.startsWith('\ufeff')) line = line.slice(1);
      if (Buffer.byteLength(line, 'utf8') > MAX_LINE_BYTES) {
        return fail('chart-invalid', `.helmignore line ${i + 1} is longer than ${MAX_LINE_BYTES} bytes; Helm cannot read it`, rangeOf(i, 0, 0));
      }
      const rule = parseRule(line);
      if (typeof rule === 'string') return fail('chart-invalid', `.helmignore line ${i + 1}: ${rule}`, rangeOf(i, 0, line.length));
      if (rule) rules.push(rule);
    }
    rules.push(parseRule('templates/.?*') as Rule);
    return ok(new HelmIgnore(rules));
  }

  /** Whether Helm leaves this chart-relative path (`/`-separated, no leading `./`) out of the package. */
  ignores(relPath: string, isDir: boolean): boolean {
    if (relPath === '' || relPath === '.' || relPath === './') return false;
    const full = Buffer.from(relPath, 'utf8');
    for (const rule of this.rules) {
      if (rule.negate) {
        if (rule.dirOnly && !isDir) return true;
        if (!matches(rule, full)) return true;
        continue;
      }
      if (rule.dirOnly && !isDir) continue;
      if (matches(rule, full)) return true;
    }
    return false;
  }
}

function matches(rule: Rule, full: Buffer): boolean {
  return goMatch(rule.pattern, rule.scope === 'basename' ? goBase(full) : full) === true;
}

/** Go's filepath.Base on a `/` path: trailing slashes dropped, last element, "." for empty. */
function goBase(p: Buffer): Buffer {
  let end = p.length;
  while (end > 0 && p[end - 1] === SLASH) end--;
  if (end === 0) return Buffer.from(p.length > 0 ? '/' : '.');
  const start = p.lastIndexOf(SLASH, end - 1) + 1;
  return p.subarray(start, end);
}

/** A rule, nothing for blank lines and comments, or an error message (Helm's parseRule). */
function parseRule(line: string): Rule | undefined | string {
  let rule = goTrimSpace(line);
  if (rule === '' || rule.startsWith('#')) return undefined;
  if (rule.includes('**')) return 'double-star (**) syntax is not supported';
  if (goMatch(Buffer.from(rule, 'utf8'), Buffer.from('abc')) === undefined) return `syntax error in pattern "${escapeUntrusted(rule)}"`;
  const negate = rule.startsWith('!');
  if (negate) rule = rule.slice(1);
  const dirOnly = rule.endsWith('/');
  if (dirOnly) rule = rule.slice(0, -1);
  let scope: Rule['scope'];
  if (rule.startsWith('/')) { scope = 'root'; rule = rule.slice(1); }
  else scope = rule.includes('/') ? 'path' : 'basename';
  return { negate, dirOnly, pattern: Buffer.from(rule, 'utf8'), scope };
}

/** strings.TrimSpace: Unicode white space at both ends. */
function goTrimSpace(s: string): string {
  return s.replace(/^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g, '');
}

// ---- Go's path/filepath.Match (Unix), on bytes like Go: literals compare bytes, `?` and classes runes.

const SLASH = 0x2f;
const STAR = 0x2a;
const BACKSLASH = 0x5c;
const RUNE_ERROR = 0xfffd;

class BadPattern extends Error {}

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

function matchPattern(patternIn: Buffer, nameIn: Buffer): boolean {
  let pattern = patternIn;
  let name = nameIn;
  outer: while (pattern.length > 0) {
    const scanned = scanChunk(pattern);
    pattern = scanned.rest;
    const chunk = scanned.chunk;
    if (scanned.star && chunk.length === 0) return !name.includes(SLASH);
    const here = matchChunk(chunk, name);
    if (here !== undefined && (here.length === 0 || pattern.length > 0)) {
      name = here;
      continue;
    }
    if (scanned.star) {
      for (let i = 0; i < name.length && name[i] !== SLASH; i++) {
        const t = matchChunk(chunk, name.subarray(i + 1));
        if (t !== undefined) {
          if (pattern.length === 0 && t.length > 0) continue;
          name = t;
          continue outer;
        }
      }
    }
    // Go checks the rest of the pattern is well-formed before answering "no".
    while (pattern.length > 0) {
      const next = scanChunk(pattern);
      pattern = next.rest;
      matchChunk(next.chunk, Buffer.alloc(0));
    }
    return false;
  }
  return name.length === 0;
}

function scanChunk(patternIn: Buffer): { star: boolean; chunk: Buffer; rest: Buffer } {
  let pattern = patternIn;
  let star = false;
  while (pattern.length > 0 && pattern[0] === STAR) {
    pattern = pattern.subarray(1);
    star = true;
  }
  let inRange = false;
  let i = 0;
  for (; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === BACKSLASH) { if (i + 1 < pattern.length) i++; }
    else if (c === 0x5b) inRange = true;
    else if (c === 0x5d) inRange = false;
    else if (c === STAR && !inRange) break;
  }
  return { star, chunk: pattern.subarray(0, i), rest: pattern.subarray(i) };
}

/** The rest of `s` after `chunk` matched its start, or undefined; throws BadPattern. */
function matchChunk(chunkIn: Buffer, sIn: Buffer): Buffer | undefined {
  let chunk = chunkIn;
  let s = sIn;
  let failed = false;
  while (chunk.length > 0) {
    if (!failed && s.length === 0) failed = true;
    const c = chunk[0];
    if (c === 0x5b) {
      let r = 0;
      if (!failed) {
        const [rune, n] = decodeRune(s);
        r = rune;
        s = s.subarray(n);
      }
      chunk = chunk.subarray(1);
      let negated = false;
      if (chunk.length > 0 && chunk[0] === 0x5e) { negated = true; chunk = chunk.subarray(1); }
      let match = false;
      let nrange = 0;
      for (;;) {
        if (chunk.length > 0 && chunk[0] === 0x5d && nrange > 0) { chunk = chunk.subarray(1); break; }
        const lo = getEsc(chunk);
        chunk = lo.rest;
        let hi = lo.rune;
        if (chunk[0] === 0x2d) {
          const h = getEsc(chunk.subarray(1));
          hi = h.rune;
          chunk = h.rest;
        }
        if (lo.rune <= r && r <= hi) match = true;
        nrange++;
      }
      if (match === negated) failed = true;
    } else if (c === 0x3f) {
      if (!failed) {
        if (s[0] === SLASH) failed = true;
        s = s.subarray(decodeRune(s)[1]);
      }
      chunk = chunk.subarray(1);
    } else {
      if (c === BACKSLASH) {
        chunk = chunk.subarray(1);
        if (chunk.length === 0) throw new BadPattern();
      }
      if (!failed) {
        if (chunk[0] !== s[0]) failed = true;
        s = s.subarray(1);
      }
      chunk = chunk.subarray(1);
    }
  }
  return failed ? undefined : s;
}

function getEsc(chunkIn: Buffer): { rune: number; rest: Buffer } {
  let chunk = chunkIn;
  if (chunk.length === 0 || chunk[0] === 0x2d || chunk[0] === 0x5d) throw new BadPattern();
  if (chunk[0] === BACKSLASH) {
    chunk = chunk.subarray(1);
    if (chunk.length === 0) throw new BadPattern();
  }
  const [rune, n] = decodeRune(chunk);
  if (rune === RUNE_ERROR && n === 1) throw new BadPattern();
  const rest = chunk.subarray(n);
  if (rest.length === 0) throw new BadPattern();
  return { rune, rest };
}

/** utf8.DecodeRune: the rune and its width, (U+FFFD, 1) for an invalid or truncated sequence. */
function decodeRune(b: Buffer): [number, number] {
  if (b.length === 0) return [RUNE_ERROR, 0];
  const c0 = b[0];
  if (c0 < 0x80) return [c0, 1];
  const width = c0 >= 0xf0 && c0 <= 0xf4 ? 4 : c0 >= 0xe0 ? 3 : c0 >= 0xc2 && c0 <= 0xdf ? 2 : 0;
  if (width === 0 || (width === 4 && c0 > 0xf4) || b.length < width) return [RUNE_ERROR, 1];
  let rune = c0 & (width === 2 ? 0x1f : width === 3 ? 0x0f : 0x07);
  for (let k = 1; k < width; k++) {
    if ((b[k] & 0xc0) !== 0x80) return [RUNE_ERROR, 1];
    rune = (rune << 6) | (b[k] & 0x3f);
  }
  const min = width === 2 ? 0x80 : width === 3 ? 0x800 : 0x10000;
  if (rune < min || rune > 0x10ffff || (rune >= 0xd800 && rune <= 0xdfff)) return [RUNE_ERROR, 1];
  return [rune, width];
}
