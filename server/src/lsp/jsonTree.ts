// JSON with the offset of every value and key, for diagnostics and hovers at exact ranges in Sigstore
// files (bundles, trusted roots). Strict JSON (RFC 8259), nesting bounded: a hostile file is an error
// value, never a stack overflow. String values are decoded by JSON.parse on their own slice.

export type JsonPath = (string | number)[];

interface Span { offset: number; length: number }
export type JsonNode = Span & (
  | { type: 'object'; properties: JsonProperty[] }
  | { type: 'array'; items: JsonNode[] }
  | { type: 'string'; value: string }
  | { type: 'number'; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'null'; value: null });

export interface JsonProperty { key: string; keySpan: Span; value: JsonNode }

export type JsonTree = { ok: true; root: JsonNode } | { ok: false; offset: number; message: string };

/** Real bundles nest 6 deep; trusted roots 5. */
export const MAX_JSON_DEPTH = 64;

const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const SPACE = /[ \t\n\r]*/y;

class JsonError extends Error {
  constructor(readonly offset: number, message: string) { super(message); }
}

export function parseJsonTree(text: string): JsonTree {
  let i = 0;
  const skip = () => { SPACE.lastIndex = i; SPACE.exec(text); i = SPACE.lastIndex; };
  const expect = (c: string) => {
    if (text[i] !== c) throw new JsonError(i, `expected "${c}"${i < text.length ? '' : ' before the end'}`);
    i++;
  };
  const token = (re: RegExp, what: string): string => {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) throw new JsonError(i, `expected ${what}`);
    i = re.lastIndex;
    return m[0];
  };
  const value = (depth: number): JsonNode => {
    if (depth > MAX_JSON_DEPTH) throw new JsonError(i, `nested deeper than ${MAX_JSON_DEPTH} levels`);
    skip();
    const offset = i;
    const c = text[i];
    if (c === '{') {
      i++;
      const properties: JsonProperty[] = [];
      skip();
      if (text[i] === '}') { i++; return { type: 'object', properties, offset, length: i - offset }; }
      for (;;) {
        skip();
        const keyOffset = i;
        const key = JSON.parse(token(STRING, 'a property name in double quotes')) as string;
        const keySpan = { offset: keyOffset, length: i - keyOffset };
        skip();
        expect(':');
        properties.push({ key, keySpan, value: value(depth + 1) });
        skip();
        if (text[i] === ',') { i++; continue; }
        expect('}');
        return { type: 'object', properties, offset, length: i - offset };
      }
    }
    if (c === '[') {
      i++;
      const items: JsonNode[] = [];
      skip();
      if (text[i] === ']') { i++; return { type: 'array', items, offset, length: i - offset }; }
      for (;;) {
        items.push(value(depth + 1));
        skip();
        if (text[i] === ',') { i++; continue; }
        expect(']');
        return { type: 'array', items, offset, length: i - offset };
      }
    }
    if (c === '"') return { type: 'string', value: JSON.parse(token(STRING, 'a string')) as string, offset, length: i - offset };
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v === null ? { type: 'null', value: null, offset, length: word.length } : { type: 'boolean', value: v, offset, length: word.length };
      }
    }
    return { type: 'number', value: Number(token(NUMBER, 'a value')), offset, length: i - offset };
  };
  try {
    const root = value(0);
    skip();
    if (i < text.length) throw new JsonError(i, 'unexpected text after the JSON value');
    return { ok: true, root };
  } catch (e) {
    if (e instanceof JsonError) return { ok: false, offset: e.offset, message: e.message };
    throw e;
  }
}

/** The node at `path` (property names and array indexes), if there is one. */
export function nodeAt(root: JsonNode, path: JsonPath): JsonNode | undefined {
  let node: JsonNode | undefined = root;
  for (const step of path) {
    if (!node) return undefined;
    if (typeof step === 'number') node = node.type === 'array' ? node.items[step] : undefined;
    else node = node.type === 'object' ? node.properties.find((p) => p.key === step)?.value : undefined;
  }
  return node;
}

/** The path of the innermost value (or key) that holds `offset`. */
export function pathAt(root: JsonNode, offset: number): JsonPath {
  const path: JsonPath = [];
  let node = root;
  for (;;) {
    const inside = (s: Span) => offset >= s.offset && offset <= s.offset + s.length;
    let next: JsonNode | undefined;
    if (node.type === 'object') {
      const p = node.properties.find((q) => inside(q.keySpan) || inside(q.value));
      if (p) { path.push(p.key); next = p.value; }
    } else if (node.type === 'array') {
      const index = node.items.findIndex(inside);
      if (index >= 0) { path.push(index); next = node.items[index]; }
    }
    if (!next) return path;
    node = next;
  }
}
