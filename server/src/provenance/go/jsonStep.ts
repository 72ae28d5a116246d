// Step 2 of reading Chart.yaml as Helm does: the decoded YAML value → Helm's Go structs, through
// sigs.k8s.io/yaml's JSON step (keys and scalars turned into JSON) and encoding/json's rules (fields
// matched case-insensitively, null empties a list but leaves a string alone). Objects are built with
// Object.fromEntries/defineProperty so a `__proto__` key is only data.
import type { Field, JsonValue, Raw } from '../chartMetadata';
import { formatGoFloat } from './yamlScalars';
import type { GoNode, GoNodeBuilder } from './yamlDecode';

/** A map key as sigs.k8s.io/yaml turns it into a JSON object key. */
function keyString(key: GoNode, b: GoNodeBuilder): string {
  if (key.t === 'null') throw b.error('a null mapping key cannot be read by Helm', key.src);
  if (key.t !== 'scalar') throw b.error('a mapping key must be a scalar', key.src);
  switch (key.r.kind) {
    case 'int': return key.r.value.toString();
    case 'float': {
      const s = formatGoFloat(key.r.value, 32);
      return s === '+Inf' ? '.inf' : s === '-Inf' ? '-.inf' : s === 'NaN' ? '.nan' : s;
    }
    case 'bool': return key.r.value ? 'true' : 'false';
    case 'uint': throw b.error(`the mapping key ${key.text} is too large for Helm to read`, key.src);
    default: return key.text;
  }
}

const ASCII_ONLY = /^[\x00-\x7f]*$/;

/**
 * encoding/json matches object keys to struct fields case-insensitively (ASCII, plus ſ U+017F and
 * ı U+0131). Escaped: esbuild copies a regular expression's characters as they are, and one non-ASCII
 * byte makes the whole CLI bundle a two-byte string at every start (scripts/build.mjs checks).
 */
function foldKey(key: string): string {
  // An ASCII key (nearly all) folds exactly as toLowerCase lowers it, without a call per capital letter.
  if (ASCII_ONLY.test(key)) return key.toLowerCase();
  return key.replace(/[A-Z\u017F\u0131]/g, (c) => (c === '\u017F' ? 's' : c === '\u0131' ? 'i' : c.toLowerCase()));
}

/** Each struct's fields by folded name, made once per field table (they are constants). */
const foldedFields = new WeakMap<Field[], Map<string, Field>>();
function fieldsByFold(fields: Field[]): Map<string, Field> {
  let byFold = foldedFields.get(fields);
  if (!byFold) foldedFields.set(fields, byFold = new Map(fields.map((field) => [foldKey(field.json), field])));
  return byFold;
}

function kindName(node: GoNode): string {
  if (node.t === 'seq') return 'a list';
  if (node.t === 'map') return 'a mapping';
  if (node.t === 'null') return 'null';
  return node.r.kind === 'bool' ? 'a boolean' : node.r.kind === 'str' || node.r.kind === 'timestamp' ? 'a string' : 'a number';
}

/** How Helm turns a scalar into text for a string field (a float goes through float32). */
function scalarAsString(node: GoNode & { t: 'scalar' }): string {
  const r = node.r;
  switch (r.kind) {
    case 'bool': return r.value ? 'true' : 'false';
    case 'int': case 'uint': return r.value.toString();
    case 'float': return formatGoFloat(r.value, 32);
    default: return node.text;
  }
}

export function defineEntry<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export class StructDecoder {
  constructor(private readonly b: GoNodeBuilder) {}

  /** `what` names the mapping in messages; `prefix` is prepended to field names ("" at top level). */
  decodeStruct(node: GoNode, fields: Field[], into: Raw, what: string, prefix = ''): void {
    if (node.t === 'null') return;
    if (node.t !== 'map') throw this.b.error(`${what} must be a mapping, not ${kindName(node)}`, node.src);
    const byFold = fieldsByFold(fields);
    const seen = new Map<string, string>();
    for (const [keyNode, value] of node.entries) {
      const key = keyString(keyNode, this.b);
      const field = byFold.get(foldKey(key));
      const identity = field ? `field:${field.json}` : `key:${key}`;
      const earlier = seen.get(identity);
      if (earlier !== undefined) {
        const same = earlier === key ? `"${key}" appears twice` : `"${earlier}" and "${key}" name the same field`;
        throw this.b.error(`duplicate key in ${what}: ${same}; Helm would keep only one of them`, keyNode.src);
      }
      seen.set(identity, key);
      if (!field) {
        this.checkJsonable(value);
        continue;
      }
      const decoded = this.decodeField(value, field, `${prefix}${field.json}`);
      // encoding/json: null leaves a string, bool or time alone but empties a list or map.
      const scalarKind = field.type.kind === 'string' || field.type.kind === 'bool' || field.type.kind === 'time';
      if (decoded !== undefined || !scalarKind) into[field.prop] = decoded;
    }
  }

  private decodeField(node: GoNode, field: Field, label: string): unknown {
    const type = field.type;
    switch (type.kind) {
      case 'string': return this.decodeString(node, label, type.mustBeYamlString === true, type.sanitize === true);
      case 'bool':
        if (node.t === 'null') return undefined;
        if (node.t === 'scalar' && node.r.kind === 'bool') return node.r.value;
        throw this.b.error(`${label} must be true or false, not ${kindName(node)}`, node.src);
      case 'strings':
        return this.decodeList(node, label, (item) => (item.t === 'null' ? '' : this.decodeString(item, `${label} item`, false, type.sanitize === true)));
      case 'stringMap': {
        if (node.t === 'null') return undefined;
        if (node.t !== 'map') throw this.b.error(`${label} must be a mapping of strings, not ${kindName(node)}`, node.src);
        const out: Record<string, string> = {};
        for (const [keyNode, value] of node.entries) {
          const key = this.writableKey(keyNode);
          if (Object.prototype.hasOwnProperty.call(out, key)) {
            throw this.b.error(`duplicate key "${key}" in ${label}; Helm would keep only one of them`, keyNode.src);
          }
          defineEntry(out, key, value.t === 'null' ? '' : (this.decodeString(value, `${label}.${key}`, false, false) as string));
        }
        return out;
      }
      case 'structs':
        return this.decodeList(node, label, (item) => {
          if (item.t === 'null') return null;
          const raw: Raw = {};
          this.decodeStruct(item, type.fields, raw, type.what, `${label}[].`);
          return raw;
        });
      case 'anyList': return this.decodeList(node, label, (item) => this.toJson(item, true));
      case 'time': {
        if (node.t === 'null') return undefined;
        if (node.t !== 'scalar' || (node.r.kind !== 'str' && node.r.kind !== 'timestamp')) {
          throw this.b.error(`${label} must be an RFC 3339 time, not ${kindName(node)}`, node.src);
        }
        const time = goRfc3339(node.text);
        if (time === undefined) throw this.b.error(`${label} "${node.text}" is not an RFC 3339 time`, node.src);
        return time;
      }
    }
  }

  /** `sanitized`: Helm's Validate() turns the string's line separators into spaces, so they are harmless. */
  private decodeString(node: GoNode, label: string, mustBeYamlString: boolean, sanitized: boolean): string | undefined {
    if (node.t === 'null') return undefined;
    if (node.t !== 'scalar') throw this.b.error(`${label} must be a string, not ${kindName(node)}`, node.src);
    if (node.r.kind === 'float' && !Number.isFinite(node.r.value)) {
      // Measured: Helm's YAML → JSON step fails on .inf and .nan even for string fields.
      throw this.b.error(`${label}: ${node.text} cannot be carried through JSON, so Helm cannot read it; quote it`, node.src);
    }
    const text = scalarAsString(node);
    if (!sanitized) this.checkWritable(text, label, node);
    if (mustBeYamlString && text !== node.text) {
      throw this.b.error(
        `${label}: ${node.text} is read by Helm (YAML 1.1) as ${kindName(node)} and becomes "${text}"; quote it to keep it: ${label}: "${node.text}"`,
        node.src);
    }
    return text;
  }

  private decodeList(node: GoNode, label: string, item: (n: GoNode) => unknown): unknown[] | undefined {
    if (node.t === 'null') return undefined;
    if (node.t !== 'seq') throw this.b.error(`${label} must be a list, not ${kindName(node)}`, node.src);
    return node.items.map(item);
  }

  /** `written`: the value goes into the archive's Chart.yaml (import-values), not just through Helm's JSON step. */
  private toJson(node: GoNode, written: boolean): JsonValue {
    switch (node.t) {
      case 'null': return null;
      case 'seq': return node.items.map((item) => this.toJson(item, written));
      case 'map': {
        const entries: Array<[string, JsonValue]> = [];
        const keys = new Set<string>();
        for (const [keyNode, value] of node.entries) {
          const key = written ? this.writableKey(keyNode) : keyString(keyNode, this.b);
          if (keys.has(key)) throw this.b.error(`duplicate key "${key}"; Helm would keep only one of them`, keyNode.src);
          keys.add(key);
          entries.push([key, this.toJson(value, written)]);
        }
        return Object.fromEntries(entries);
      }
      case 'scalar': {
        const r = node.r;
        if (r.kind === 'bool') return r.value;
        if (r.kind === 'int' || r.kind === 'uint') return Number(r.value);
        if (r.kind === 'float') {
          if (!Number.isFinite(r.value)) throw this.b.error(`${node.text} cannot be carried through JSON, so Helm cannot read it`, node.src);
          return r.value;
        }
        if (written) this.checkWritable(node.text, 'a value', node);
        return node.text;
      }
    }
  }

  /** A map key Helm writes back into the archive's Chart.yaml. */
  private writableKey(keyNode: GoNode): string {
    const key = keyString(keyNode, this.b);
    this.checkWritable(key, 'a key', keyNode);
    return key;
  }

  /**
   * NEL, LS and PS are line breaks to Helm's YAML 1.1 writer and reader but text to YAML 1.2: Helm
   * rewrites such a string (or fails on such a key) when it packages the chart, so refuse it up front.
   */
  private checkWritable(value: string, label: string, node: GoNode): void {
    const found = /[\u0085\u2028\u2029]/.exec(value);
    if (found) {
      const code = found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
      throw this.b.error(`${label} holds U+${code}, a line break to Helm's YAML 1.1 that Helm does not write back as it was`, node.src);
    }
  }

  /** Keys and values Helm ignores must still survive its JSON step, or Helm fails to load the chart. */
  private checkJsonable(node: GoNode): void {
    this.toJson(node, false);
  }
}

/** Go's strict RFC 3339 parse + RFC3339Nano format (fraction without trailing zeros, Z for UTC). */
function goRfc3339(text: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[-+]\d{2}:\d{2})$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', zone] = m;
  const daysInMonth = new Date(Date.UTC(Number(y), Number(mo), 0)).getUTCDate();
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > daysInMonth) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  const nanos = frac.slice(0, 9).replace(/0+$/, '');
  const utc = zone === 'Z' || zone === '+00:00' || zone === '-00:00';
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${nanos ? `.${nanos}` : ''}${utc ? 'Z' : zone}`;
}
