// The exact bytes go-yaml v2's emitter writes behind sigs.k8s.io/yaml.Marshal (sorted keys, its quoting
// rules, lines folded at 80 columns), so the metadata we put in a `.prov` and the Chart.yaml we put in
// an archive are byte-for-byte what `helm package --sign` writes (keys in yamlKeyOrder.ts's order).
import { formatGoFloat, resolvePlainScalar } from './yamlScalars';
import { sortedGoYamlKeys } from './yamlKeyOrder';

const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;

/** go-yaml writes a string unquoted only when it would read back as the same string. */
function canBePlain(s: string): boolean {
  return resolvePlainScalar(s).kind === 'str' && !BASE60_FLOAT.test(s);
}

/** A value as sigs.k8s.io/yaml hands it to go-yaml: JSON types, objects become sorted mappings. */
export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

const cp = (c: string): number => c.codePointAt(0) as number;

// ---- The emitter: a port of the parts of libyaml's emitter (go-yaml v2 emitterc.go) that JSON-shaped
// values reach. Widths count runes, as go-yaml does.

const BEST_INDENT = 2;
const BEST_WIDTH = 80;

type ScalarStyle = 'plain' | 'single' | 'double' | 'literal';

// Only block context is reached (flow collections are only ever empty: `[]`, `{}`), so the flow
// half of libyaml's analysis is left out.
interface Analysis {
  multiline: boolean;
  blockPlainAllowed: boolean;
  singleQuotedAllowed: boolean;
  blockAllowed: boolean;
}

interface NodeContext { mapping: boolean; simpleKey: boolean }

const isBreak = (c: string | undefined): boolean => c === '\r' || c === '\n' || c === '\u0085' || c === '\u2028' || c === '\u2029';
const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';
const isBlankZ = (c: string | undefined): boolean => isBlank(c) || isBreak(c) || c === '\0';

function isPrintable(c: string): boolean {
  const v = cp(c);
  return v === 0x0a || (v >= 0x20 && v <= 0x7e) || (v >= 0xa0 && v <= 0xd7ff) || (v >= 0xe000 && v <= 0xfffd && v !== 0xfeff);
}

function analyzeScalar(chars: string[]): Analysis {
  if (chars.length === 0) {
    return { multiline: false, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: false };
  }
  let blockIndicators = false, lineBreaks = false, special = false;
  let leadingSpace = false, leadingBreak = false, trailingSpace = false, trailingBreak = false;
  let breakSpace = false, spaceBreak = false, previousSpace = false, previousBreak = false;
  const head = chars.slice(0, 3).join('');
  if (head === '---' || head === '...') blockIndicators = true;
  let precededByWhitespace = true;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    const followedByWhitespace = i + 1 >= chars.length || isBlank(chars[i + 1]);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(c)) blockIndicators = true;
      else if ((c === '?' || c === ':' || c === '-') && followedByWhitespace) blockIndicators = true;
    } else if ((c === ':' && followedByWhitespace) || (c === '#' && precededByWhitespace)) {
      blockIndicators = true;
    }
    if (!isPrintable(c)) special = true;
    if (c === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true; previousBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false; previousBreak = true;
    } else {
      previousSpace = false; previousBreak = false;
    }
    precededByWhitespace = isBlankZ(c);
  }
  const a: Analysis = { multiline: lineBreaks, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: true };
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) a.blockPlainAllowed = false;
  if (trailingSpace) a.blockAllowed = false;
  if (breakSpace) { a.blockPlainAllowed = false; a.singleQuotedAllowed = false; }
  if (spaceBreak || special) {
    a.blockPlainAllowed = false; a.singleQuotedAllowed = false; a.blockAllowed = false;
  }
  if (lineBreaks || blockIndicators) a.blockPlainAllowed = false;
  return a;
}

class Emitter {
  private readonly out: string[] = [];
  private column = 0;
  private whitespace = true;
  private indention = true;
  private indent = -1;
  private readonly indents: number[] = [];

  result(): string {
    // Document end: an implicit end only finishes the current line.
    this.writeIndent();
    return this.out.join('');
  }

  node(value: YamlValue, ctx: NodeContext): void {
    if (value === null) this.scalar('null', 'plain', ctx);
    else if (typeof value === 'boolean') this.scalar(value ? 'true' : 'false', 'plain', ctx);
    else if (typeof value === 'number') this.scalar(Number.isSafeInteger(value) ? String(value) : formatGoFloat(value, 64), 'plain', ctx);
    else if (typeof value === 'string') this.scalar(value, value.includes('\n') ? 'literal' : canBePlain(value) ? 'plain' : 'double', ctx);
    else if (Array.isArray(value)) this.sequence(value, ctx);
    else this.mapping(value);
  }

  private put(s: string): void { this.out.push(s); this.column++; }
  private putBreak(): void { this.out.push('\n'); this.column = 0; }
  private write(c: string): void { this.out.push(c); this.column++; }
  private writeBreak(c: string): void {
    if (c === '\n') this.putBreak();
    else { this.out.push(c); this.column = 0; }
  }

  private writeIndent(): void {
    const indent = Math.max(this.indent, 0);
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.putBreak();
    while (this.column < indent) this.put(' ');
    this.whitespace = true;
    this.indention = true;
  }

  private writeIndicator(indicator: string, needWhitespace: boolean, isWhitespace: boolean, isIndention: boolean): void {
    if (needWhitespace && !this.whitespace) this.put(' ');
    for (const c of indicator) this.write(c);
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
  }

  private increaseIndent(flow: boolean, indentless: boolean): void {
    this.indents.push(this.indent);
    if (this.indent < 0) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }

  private popIndent(): void { this.indent = this.indents.pop() as number; }

  private emptyCollection(open: string, close: string): void {
    this.writeIndicator(open, true, true, false);
    this.increaseIndent(true, false);
    this.popIndent();
    this.writeIndicator(close, false, false, false);
  }

  private sequence(items: YamlValue[], ctx: NodeContext): void {
    if (items.length === 0) return this.emptyCollection('[', ']');
    this.increaseIndent(false, ctx.mapping && !this.indention);
    for (const item of items) {
      this.writeIndent();
      this.writeIndicator('-', true, false, true);
      this.node(item, { mapping: false, simpleKey: false });
    }
    this.popIndent();
  }

  private mapping(obj: { [key: string]: YamlValue }): void {
    const keys = sortedGoYamlKeys(obj);
    if (keys.length === 0) return this.emptyCollection('{', '}');
    this.increaseIndent(false, false);
    for (const key of keys) {
      this.writeIndent();
      const chars = Array.from(key);
      if (!analyzeScalar(chars).multiline && Buffer.byteLength(key, 'utf8') <= 128) {
        this.node(key, { mapping: true, simpleKey: true });
        this.writeIndicator(':', false, false, false);
      } else {
        this.writeIndicator('?', true, false, true);
        this.node(key, { mapping: true, simpleKey: false });
        this.writeIndent();
        this.writeIndicator(':', true, false, true);
      }
      this.node(obj[key], { mapping: true, simpleKey: false });
    }
    this.popIndent();
  }

  private scalar(value: string, requested: ScalarStyle, ctx: NodeContext): void {
    const chars = Array.from(value);
    const a = analyzeScalar(chars);
    let style = requested;
    if (ctx.simpleKey && a.multiline) style = 'double';
    if (style === 'plain') {
      if (!a.blockPlainAllowed) style = 'single';
      if (chars.length === 0 && ctx.simpleKey) style = 'single';
    }
    if (style === 'single' && !a.singleQuotedAllowed) style = 'double';
    if (style === 'literal' && (!a.blockAllowed || ctx.simpleKey)) style = 'double';
    this.increaseIndent(true, false);
    const allowBreaks = !ctx.simpleKey;
    if (style === 'plain') this.plain(chars, allowBreaks);
    else if (style === 'single') this.singleQuoted(chars, allowBreaks);
    else if (style === 'double') this.doubleQuoted(chars, allowBreaks);
    else this.literal(chars);
    this.popIndent();
  }

  private plain(chars: string[], allowBreaks: boolean): void {
    if (!this.whitespace) this.put(' ');
    this.foldedText(chars, allowBreaks, false);
    this.whitespace = false;
    this.indention = false;
  }

  private singleQuoted(chars: string[], allowBreaks: boolean): void {
    this.writeIndicator("'", true, false, false);
    this.foldedText(chars, allowBreaks, true);
    this.writeIndicator("'", false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  /**
   * The text of a plain or single-quoted scalar (libyaml's write_plain and write_single_quoted differ
   * only here): a space past the width becomes a line break, except at the ends of a quoted scalar;
   * the first `\n` of a run of breaks is written twice (folding reads one break as a space); a quote
   * inside quotes is doubled.
   */
  private foldedText(chars: string[], allowBreaks: boolean, quoted: boolean): void {
    let spaces = false, breaks = false;
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i];
      if (c === ' ') {
        const inside = !quoted || (i > 0 && i < chars.length - 1);
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && inside && chars[i + 1] !== ' ') this.writeIndent();
        else this.write(c);
        spaces = true;
      } else if (isBreak(c)) {
        if (!breaks && c === '\n') this.putBreak();
        this.writeBreak(c);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        if (quoted && c === "'") this.put("'");
        this.write(c);
        this.indention = false;
        spaces = false; breaks = false;
      }
    }
  }

  private doubleQuoted(chars: string[], allowBreaks: boolean): void {
    const escapes: Record<number, string> = {
      0x00: '0', 0x07: 'a', 0x08: 'b', 0x09: 't', 0x0a: 'n', 0x0b: 'v', 0x0c: 'f', 0x0d: 'r', 0x1b: 'e',
      0x22: '"', 0x5c: '\\', 0x85: 'N', 0xa0: '_', 0x2028: 'L', 0x2029: 'P',
    };
    let spaces = false;
    this.writeIndicator('"', true, false, false);
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i];
      const v = cp(c);
      if (!isPrintable(c) || v === 0xfeff || isBreak(c) || c === '"' || c === '\\') {
        this.put('\\');
        const short = escapes[v];
        if (short !== undefined) this.put(short);
        else {
          const [letter, width] = v <= 0xff ? ['x', 2] : v <= 0xffff ? ['u', 4] : ['U', 8];
          this.put(letter);
          for (const d of v.toString(16).toUpperCase().padStart(width, '0')) this.put(d);
        }
        spaces = false;
      } else if (c === ' ') {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && i > 0 && i < chars.length - 1) {
          this.writeIndent();
          if (chars[i + 1] === ' ') this.put('\\');
        } else {
          this.write(c);
        }
        spaces = true;
      } else {
        this.write(c);
        spaces = false;
      }
    }
    this.writeIndicator('"', false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private literal(chars: string[]): void {
    this.writeIndicator('|', true, false, false);
    if (chars[0] === ' ' || isBreak(chars[0])) this.writeIndicator(String(BEST_INDENT), false, false, false);
    const last = chars.length - 1;
    let chomp = '';
    if (!isBreak(chars[last])) chomp = '-';
    else if (last === 0 || isBreak(chars[last - 1])) chomp = '+';
    if (chomp) this.writeIndicator(chomp, false, false, false);
    this.putBreak();
    this.indention = true;
    this.whitespace = true;
    let breaks = true;
    for (const c of chars) {
      if (isBreak(c)) {
        this.writeBreak(c);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.write(c);
        this.indention = false;
        breaks = false;
      }
    }
  }
}

/**
 * sigs.k8s.io/yaml.Marshal goes struct → JSON → go-yaml Unmarshal → Marshal. JSON escapes every line
 * break but NEL (U+0085), and go-yaml folds a raw NEL inside a double-quoted scalar like a line break:
 * blanks around it vanish, one break becomes a space, n breaks become n-1 newlines.
 */
function throughJson(s: string): string {
  if (!s.includes('\u0085')) return s;
  return s.replace(/ *\u0085[ \u0085]*/g, (run) => {
    const breaks = (run.match(/\u0085/g) as string[]).length;
    return breaks === 1 ? ' ' : '\n'.repeat(breaks - 1);
  });
}

function throughJsonDeep(value: YamlValue): YamlValue {
  if (typeof value === 'string') return throughJson(value);
  if (Array.isArray(value)) return value.map(throughJsonDeep);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).map((k) => [throughJson(k), throughJsonDeep(value[k])]));
}

/** `sigs.k8s.io/yaml.Marshal` (go-yaml v2 underneath) of a JSON-shaped mapping. */
export function marshalGoYaml(root: { [key: string]: YamlValue }): string {
  const emitter = new Emitter();
  emitter.node(throughJsonDeep(root), { mapping: false, simpleKey: false });
  return emitter.result();
}
