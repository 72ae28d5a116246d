// The flat YAML mapping that nearly every Chart.yaml and every Helm-written `.prov` is: `key: scalar`
// lines at one indentation, comments and blank lines, printable ASCII. Recognised in one pass over the
// lines, without the YAML library (about a quarter of a repository verify's time went to its lexer and
// composer; bench/findings.md). Anything else (nesting, flow collections, block scalars, escapes,
// tags, anchors, multi-line scalars, duplicate keys, keys a schema reads as null or bool, non-ASCII
// text) answers undefined, and the caller reads the text the full way: this reader only takes
// over inputs whose meaning no YAML reader disputes, and says the same as the full one about them
// (test/unit/yamlFlat.test.ts compares the two).
import { countWork } from './work';

/** Off: every text goes to the full reader (the tests compare what the two say). */
export const flatReader = { enabled: true };

export interface FlatScalar {
  /** The scalar's value: a plain scalar's text, or a quoted one's content (no escapes are accepted). */
  text: string;
  /** How it was written: plain scalars alone are typed by their text (`1.10`, `on`). */
  style: 'plain' | 'single' | 'double';
  /** Offsets of the scalar in the text: from its first character (a quote included) to after its last. */
  start: number;
  end: number;
}

export interface FlatEntry {
  key: string;
  keyStart: number;
  value: FlatScalar;
}

/**
 * Longer texts go to the full reader. A Chart.yaml is a few hundred bytes; under this size no flat text
 * comes near the YAML node limit (yamlBounds.ts), which the full reader checks before parsing, and a
 * text the flat reader gives up on has cost a bounded scan.
 */
export const MAX_FLAT_BYTES = 64 * 1024;
/** Only printable ASCII and line feeds: no control characters, no line separators, no tabs, no BOM. */
const PRINTABLE_ASCII = /^[\x20-\x7e\n]*$/;
const SPACE = 0x20;
const HASH = 0x23;
/** A key every YAML schema (1.1 and 1.2, go-yaml's too) reads as a string. */
const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/** Words a schema reads as null or bool (YAML 1.1's full list, which covers 1.2's). */
const NOT_A_STRING = new Set([
  'y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE',
  'on', 'On', 'ON', 'off', 'Off', 'OFF', 'null', 'Null', 'NULL',
]);
/** A one-line plain scalar: no indicator first, no `#`, no quotes, brackets or backslashes; `: ` is checked apart. */
const PLAIN = /^[A-Za-z0-9][A-Za-z0-9 ._/+=~^(),;:@!?*&%$-]*$/;
const DOUBLE = /^"[\x20-\x7e]*"$/;
const SINGLE = /^'[\x20-\x7e]*'$/;

/** True when `word` is a key or an unquoted value that every schema reads as a string. */
export function plainlyAString(word: string): boolean {
  return /^[A-Za-z]/.test(word) && !NOT_A_STRING.has(word);
}

function scalarAt(text: string, start: number): FlatScalar | undefined {
  const end = start + text.length;
  const first = text.charAt(0);
  if (first === '"') {
    if (!DOUBLE.test(text) || /["\\]/.test(text.slice(1, -1))) return undefined;
    return { text: text.slice(1, -1), style: 'double', start, end };
  }
  if (first === "'") {
    if (!SINGLE.test(text) || text.slice(1, -1).includes("'")) return undefined;
    return { text: text.slice(1, -1), style: 'single', start, end };
  }
  // `: ` or a final `:` would start a mapping inside the value.
  if (!PLAIN.test(text) || text.includes(': ') || text.endsWith(':')) return undefined;
  return { text, style: 'plain', start, end };
}

/**
 * The entries of `text` (from offset `from`, a line's start) when it is a flat mapping whose keys stand at
 * exactly `indent` spaces, in order; undefined for any other text (the caller then parses it the full way).
 */
export function readFlatMapping(text: string, indent = 0, from = 0): FlatEntry[] | undefined {
  if (!flatReader.enabled || text.length > MAX_FLAT_BYTES || !PRINTABLE_ASCII.test(text)) return undefined;
  const entries: FlatEntry[] = [];
  const keys = new Set<string>();
  let at = from;
  let lines = 0;
  while (at < text.length) {
    const newline = text.indexOf('\n', at);
    const lineEnd = newline < 0 ? text.length : newline;
    lines++;
    // The text is printable ASCII: the only blank before a line's content is a space. Blank and comment
    // lines (most of `helm create`'s Chart.yaml) are passed over without copying them.
    let first = at;
    while (first < lineEnd && text.charCodeAt(first) === SPACE) first++;
    if (first < lineEnd && text.charCodeAt(first) !== HASH) {
      if (first - at !== indent) return undefined;
      const content = text.slice(first, lineEnd);
      const colon = content.indexOf(': ');
      const key = content.slice(0, colon);
      if (colon < 0 || !KEY.test(key) || !plainlyAString(key) || keys.has(key)) return undefined;
      keys.add(key);
      const rest = content.slice(colon + 2);
      const valueText = rest.trim();
      if (valueText === '') return undefined;
      const valueStart = at + indent + colon + 2 + (rest.length - rest.trimStart().length);
      const value = scalarAt(valueText, valueStart);
      if (!value) return undefined;
      entries.push({ key, keyStart: at + indent, value });
    }
    at = lineEnd + 1;
  }
  if (entries.length === 0) return undefined;
  countWork('yaml-steps', lines);
  return entries;
}
