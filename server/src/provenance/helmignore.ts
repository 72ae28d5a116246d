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
import { countWork } from './work';
import { lenientUtf8, withoutBomText } from './utf8';
import { goBase, goMatch, patternBytesCompared } from './go/filepathMatch';
import { goTrimSpace } from './go/unicodeSpace';

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
  /**
   * Matching work spent so far: rules tried plus pattern bytes compared. Every path is tried against
   * every rule (Helm's semantics), and a star pattern costs up to its length times the name's, so the
   * caller budgets it: 10 000 rules against 2 000 paths took 46 s.
   */
  matchingSteps = 0;

  private constructor(private readonly rules: Rule[]) {}

  /** Only Helm's default rule, as when a chart has no .helmignore. */
  static defaults(): HelmIgnore {
    return new HelmIgnore([parseRule('templates/.?*') as Rule]);
  }

  /** Parses a .helmignore (text or bytes) and appends Helm's default rule. */
  static parse(text: string | Uint8Array): Result<HelmIgnore> {
    const source = typeof text === 'string' ? withoutBomText(text) : lenientUtf8(text);
    const lines = source.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const rules: Rule[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
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
    const base = goBase(full);
    const before = patternBytesCompared();
    let tried = 0;
    try {
      for (const rule of this.rules) {
        tried++;
        const name = rule.scope === 'basename' ? base : full;
        if (rule.negate) {
          if (rule.dirOnly && !isDir) return true;
          if (goMatch(rule.pattern, name) !== true) return true;
          continue;
        }
        if (rule.dirOnly && !isDir) continue;
        if (goMatch(rule.pattern, name) === true) return true;
      }
      return false;
    } finally {
      const steps = tried + patternBytesCompared() - before;
      this.matchingSteps += steps;
      countWork('ignore-steps', steps);
    }
  }
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
