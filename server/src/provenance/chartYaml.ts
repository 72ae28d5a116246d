// Chart.yaml (and Chart.lock) read the way Helm 4 reads them, validated the way Helm validates them,
// and written back byte-for-byte the way Helm writes them into archives and `.prov` files.
//
// Helm parses Chart.yaml with sigs.k8s.io/yaml: go-yaml v2 (YAML 1.1 scalars) into interface{}, then
// JSON into its `chart.Metadata` struct, so unquoted `on` is a bool and `1.10` a float. Where the target
// field is a string, the non-string is turned into text (`appVersion: 1.10` becomes "1.1", through a
// float32). We do the same for every field except apiVersion, name and version: for those we refuse a
// value Helm would read as different text than was written, because Helm would silently sign, name and
// index the chart under another version than its author wrote (`1.10` → `1.1`, `010` → `8`,
// `name: on` → `true`). An unquoted value that reads back unchanged (`version: 1`) is accepted.
//
// Beyond Helm, we refuse what makes a Chart.yaml ambiguous: several YAML documents (Helm reads only
// the first), duplicate keys (Helm keeps one of them, including `Version` vs `version`, since its JSON
// step matches keys case-insensitively), merge keys and explicit tags. Parsing is bounded: a size cap
// (the caller's), a nesting cap and a node budget that also stops alias bombs (billion laughs).
// Objects are built with Object.fromEntries/defineProperty so a `__proto__` key is only data.
import * as YAML from 'yaml';
import { fail, ok, type Range, type Result } from './codes';
import { escapeUntrusted } from './untrustedText';
import { formatGoFloat, marshalGoYaml, resolvePlainScalar, type GoScalar, type YamlValue } from './goYaml';
import { countWork } from './work';
import { tooManyNodes, yamlNodeEstimate } from './yamlBounds';
import { DUPLICATE_KEY_MESSAGE, duplicateKeys } from './yamlKeys';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface ChartMaintainer { name?: string; email?: string; url?: string }

export interface ChartDependency {
  name: string;
  version?: string;
  repository: string;
  condition?: string;
  tags?: string[];
  enabled?: boolean;
  /** `import-values` in YAML. */
  importValues?: JsonValue[];
  alias?: string;
}

/** Helm's chart.Metadata after loading and Validate() (strings sanitized like Helm does). */
export interface ChartMetadata {
  apiVersion: string;
  name: string;
  version: string;
  home?: string;
  sources?: string[];
  description?: string;
  keywords?: string[];
  maintainers?: ChartMaintainer[];
  icon?: string;
  condition?: string;
  tags?: string;
  appVersion?: string;
  deprecated?: boolean;
  annotations?: Record<string, string>;
  kubeVersion?: string;
  dependencies?: ChartDependency[];
  type?: string;
}

/** Helm's chart.Lock (Chart.lock). `generated` is RFC 3339 as Go prints it. */
export interface ChartLock {
  generated: string;
  digest: string;
  /** null when Chart.lock has no `dependencies` (Helm writes `dependencies: null`). */
  dependencies: ChartDependency[] | null;
}

export interface ChartYamlOptions {
  /** A chart's requirements.yaml: Helm decodes it into the same metadata (apiVersion v1 dependencies). */
  requirementsYaml?: string;
  /** Names the file in messages; "Chart.yaml" by default. */
  fileName?: string;
}

/** Nesting deeper than this is refused before parsing; real charts stay under 10. */
export const MAX_YAML_DEPTH = 100;
/** Nodes visited, aliases expanded: far above any real Chart.yaml, far below a billion laughs. */
export const MAX_YAML_NODES = 100_000;

// ---- Schema: the Go structs' JSON field names, omitempty, and which strings Validate() sanitizes.

type FieldType =
  | { kind: 'string'; sanitize?: boolean; mustBeYamlString?: boolean }
  | { kind: 'bool' }
  | { kind: 'strings'; sanitize?: boolean }
  | { kind: 'stringMap' }
  | { kind: 'structs'; fields: Field[]; what: string }
  | { kind: 'anyList' }
  | { kind: 'time' };

interface Field { json: string; prop: string; omitempty: boolean; type: FieldType }

const f = (json: string, type: FieldType, omitempty = true, prop = json): Field => ({ json, prop, omitempty, type });
const sanitized: FieldType = { kind: 'string', sanitize: true };

const MAINTAINER_FIELDS: Field[] = [f('name', sanitized), f('email', sanitized), f('url', sanitized)];

const DEPENDENCY_FIELDS: Field[] = [
  f('name', sanitized, false),
  f('version', sanitized),
  f('repository', sanitized, false),
  f('condition', sanitized),
  f('tags', { kind: 'strings', sanitize: true }),
  f('enabled', { kind: 'bool' }),
  f('import-values', { kind: 'anyList' }, true, 'importValues'),
  f('alias', { kind: 'string' }),
];

const METADATA_FIELDS: Field[] = [
  f('name', { kind: 'string', sanitize: true, mustBeYamlString: true }),
  f('home', sanitized),
  f('sources', { kind: 'strings', sanitize: true }),
  f('version', { kind: 'string', mustBeYamlString: true }),
  f('description', sanitized),
  f('keywords', { kind: 'strings', sanitize: true }),
  f('maintainers', { kind: 'structs', fields: MAINTAINER_FIELDS, what: 'maintainers' }),
  f('icon', sanitized),
  f('apiVersion', { kind: 'string', mustBeYamlString: true }),
  f('condition', sanitized),
  f('tags', sanitized),
  f('appVersion', sanitized),
  f('deprecated', { kind: 'bool' }),
  f('annotations', { kind: 'stringMap' }),
  f('kubeVersion', sanitized),
  f('dependencies', { kind: 'structs', fields: DEPENDENCY_FIELDS, what: 'dependencies' }),
  f('type', { kind: 'string' }),
];

const LOCK_FIELDS: Field[] = [
  f('generated', { kind: 'time' }, false),
  f('digest', { kind: 'string' }, false),
  f('dependencies', { kind: 'structs', fields: DEPENDENCY_FIELDS, what: 'dependencies' }, false),
];

// ---- Errors carry a range into the source text so the editor can point at them.

class ChartYamlError extends Error {
  // Messages quote keys, values (a version with ESC]0;… in it) and file names: escaped whatever the message.
  constructor(message: string, readonly range?: Range) { super(escapeUntrusted(message, 2000)); }
}

class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  position(offset: number): { line: number; character: number } {
    let lo = 0, hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid; else hi = mid - 1;
    }
    return { line: lo, character: offset - this.starts[lo] };
  }
  range(start: number, end: number): Range { return { start: this.position(start), end: this.position(end) }; }
}

// ---- Step 1: YAML text → the value go-yaml v2 would decode into interface{}.

type GoNode =
  | { t: 'null'; src?: YAML.Node }
  | { t: 'scalar'; text: string; r: GoScalar; src?: YAML.Node }
  | { t: 'seq'; items: GoNode[]; src?: YAML.Node }
  | { t: 'map'; entries: Array<[GoNode, GoNode]>; src?: YAML.Node };

const STR_TAG = 'tag:yaml.org,2002:str';
const COLLECTION_TAGS = new Set(['tag:yaml.org,2002:map', 'tag:yaml.org,2002:seq']);

class GoNodeBuilder {
  private budget = MAX_YAML_NODES;
  /** Anchors seen so far in document order (YAML: an alias names the latest anchor before it). */
  private readonly anchors = new Map<string, YAML.Node>();
  /** > 0 while expanding an alias: anchors met again there must not replace later definitions. */
  private expanding = 0;
  constructor(private readonly lines: LineIndex, private readonly file: string) {}

  error(message: string, node?: YAML.Node | null): ChartYamlError {
    const range = node?.range ? this.lines.range(node.range[0], node.range[1]) : undefined;
    const where = range ? ` (line ${range.start.line + 1})` : '';
    return new ChartYamlError(`${this.file}${where}: ${message}`, range);
  }

  build(node: unknown, depth: number): GoNode {
    countWork('yaml-steps');
    if (--this.budget < 0) {
      throw this.error(`more than ${MAX_YAML_NODES} YAML nodes after expanding aliases; refusing it (an alias bomb?)`);
    }
    if (depth > MAX_YAML_DEPTH) throw this.error(`nested more than ${MAX_YAML_DEPTH} levels deep`, node as YAML.Node);
    if (node === null || node === undefined) return { t: 'null' };
    if (YAML.isAlias(node)) {
      // Looked up in our own map: the yaml library's resolve() searches the whole document per alias.
      const target = this.anchors.get(node.source);
      if (!target) throw this.error(`alias *${node.source} has no anchor before it`, node);
      this.expanding++;
      try {
        return this.build(target, depth + 1);
      } finally {
        this.expanding--;
      }
    }
    const built = this.buildNode(node, depth);
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor && this.expanding === 0) this.anchors.set(anchor, node as YAML.Node);
    return built;
  }

  private buildNode(node: unknown, depth: number): GoNode {
    if (YAML.isScalar(node)) return this.scalar(node);
    if (YAML.isSeq(node)) {
      this.checkCollectionTag(node);
      return { t: 'seq', items: node.items.map((item) => this.build(item, depth + 1)), src: node };
    }
    if (YAML.isMap(node)) {
      this.checkCollectionTag(node);
      const entries: Array<[GoNode, GoNode]> = [];
      for (const pair of node.items) {
        const key = this.build(pair.key, depth + 1);
        // go-yaml treats an untagged plain `<<` key as a merge, whatever resolve() says.
        if (YAML.isScalar(pair.key) && pair.key.type === 'PLAIN' && !pair.key.tag && pair.key.source === '<<') {
          throw this.error('YAML merge keys (<<) are not supported in chart metadata; write the keys out', pair.key as YAML.Node);
        }
        if (key.t === 'seq' || key.t === 'map') throw this.error('a mapping key must be a scalar', pair.key as YAML.Node);
        entries.push([key, this.build(pair.value, depth + 1)]);
      }
      return { t: 'map', entries, src: node };
    }
    throw this.error('unsupported YAML node', node as YAML.Node);
  }

  private checkCollectionTag(node: YAML.YAMLMap | YAML.YAMLSeq): void {
    if (node.tag && !COLLECTION_TAGS.has(node.tag)) throw this.error(`explicit YAML tag ${node.tag} is not supported here`, node);
  }

  private scalar(node: YAML.Scalar): GoNode {
    const text = node.value === null || node.value === undefined ? '' : String(node.value);
    if (node.tag && node.tag !== STR_TAG && node.tag !== '!') {
      throw this.error(`explicit YAML tag ${node.tag} is not supported here; remove it or quote the value`, node);
    }
    // Only untagged plain scalars are typed by their text; quoted, block and !!str ones are strings.
    const r: GoScalar = node.type === 'PLAIN' && !node.tag ? resolvePlainScalar(text) : { kind: 'str' };
    return r.kind === 'null' ? { t: 'null', src: node } : { t: 'scalar', text, r, src: node };
  }
}

// ---- Step 2: the JSON step into the Go struct (sigs.k8s.io/yaml's conversions, encoding/json's rules).

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

/** encoding/json matches object keys to struct fields case-insensitively (ASCII, plus ſ and ı). */
function foldKey(key: string): string {
  return key.replace(/[A-Zſı]/g, (c) => (c === 'ſ' ? 's' : c === 'ı' ? 'i' : c.toLowerCase()));
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

function defineEntry<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

type Raw = Record<string, unknown>;

class StructDecoder {
  constructor(private readonly b: GoNodeBuilder) {}

  /** `what` names the mapping in messages; `prefix` is prepended to field names ("" at top level). */
  decodeStruct(node: GoNode, fields: Field[], into: Raw, what: string, prefix = ''): void {
    if (node.t === 'null') return;
    if (node.t !== 'map') throw this.b.error(`${what} must be a mapping, not ${kindName(node)}`, node.src);
    const byFold = new Map(fields.map((field) => [foldKey(field.json), field]));
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

const ZERO_TIME = '0001-01-01T00:00:00Z';

// ---- Parsing entry points.

function parseDocument(text: string, file: string): { builder: GoNodeBuilder; root: GoNode } {
  const lines = new LineIndex(text);
  checkCharacters(text, lines, file);
  checkFlowDepth(text, file);
  countWork('yaml-bytes', text.length);
  const nodes = yamlNodeEstimate(text);
  if (nodes > MAX_YAML_NODES) throw new ChartYamlError(`${file}: ${tooManyNodes(nodes, MAX_YAML_NODES)}`);
  // Duplicate keys are found below in one pass: the library's own check is quadratic.
  const docs = YAML.parseAllDocuments(text, { schema: 'failsafe', uniqueKeys: false, version: '1.1', prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [];
  if (list.length > 1) {
    const second = list[1].range ? lines.range(list[1].range[0], list[1].range[0]) : undefined;
    throw new ChartYamlError(`${file} holds ${list.length} YAML documents; Helm reads only the first, so it must hold exactly one`, second);
  }
  const doc = list[0];
  const problem = doc?.errors[0];
  if (problem) {
    const range = lines.range(problem.pos[0], problem.pos[1]);
    const reason = problem.code === 'RESOURCE_EXHAUSTION' ? 'nested too deeply to read safely' : problem.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new ChartYamlError(`${file} (line ${range.start.line + 1}): ${reason}`, range);
  }
  const duplicate = duplicateKeys(doc?.contents)[0];
  if (duplicate) {
    const range = lines.range(duplicate.range?.[0] ?? 0, duplicate.range?.[1] ?? 0);
    throw new ChartYamlError(`${file} (line ${range.start.line + 1}): ${DUPLICATE_KEY_MESSAGE}: "${String(duplicate.source ?? duplicate.value)}" appears more than once`, range);
  }
  const builder = new GoNodeBuilder(lines, file);
  return { builder, root: builder.build(doc?.contents, 0) };
}

/** go-yaml refuses control characters anywhere in the stream (its reader's printable check). */
function checkCharacters(text: string, lines: LineIndex, file: string): void {
  const bad = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.exec(text);
  if (bad) {
    const range = lines.range(bad.index, bad.index + 1);
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new ChartYamlError(`${file} (line ${range.start.line + 1}): control character U+${code} is not allowed in YAML`, range);
  }
  // Raw NEL/LS/PS break lines for go-yaml (YAML 1.1) but not for YAML 1.2 readers: the two would differ.
  const separator = /[\u0085\u2028\u2029]/.exec(text);
  if (separator) {
    const range = lines.range(separator.index, separator.index + 1);
    const code = separator[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new ChartYamlError(`${file} (line ${range.start.line + 1}): U+${code} is a line break to Helm's YAML 1.1 parser but text to YAML 1.2; write it escaped ("\\u${code}") or remove it`, range);
  }
}

/** A cheap over-count of flow nesting ([ and {), so a 50 000-deep bomb never reaches the parser. */
function checkFlowDepth(text: string, file: string): void {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_YAML_DEPTH) throw new ChartYamlError(`${file}: nested more than ${MAX_YAML_DEPTH} levels deep`);
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) {
      depth--;
    }
  }
}

function decodeText(input: string | Uint8Array, file: string): string {
  if (typeof input === 'string') return input;
  try {
    // fatal: go-yaml refuses invalid UTF-8 instead of guessing.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(input);
  } catch {
    throw new ChartYamlError(`${file} is not valid UTF-8`);
  }
}

function asResult<T>(work: () => T): Result<T> {
  try {
    return ok(work());
  } catch (e) {
    if (e instanceof ChartYamlError) return fail('chart-invalid', e.message, e.range);
    throw e;
  }
}

/** Parses and validates Chart.yaml as Helm's loader does, with the stricter rules above. */
export function parseChartYaml(input: string | Uint8Array, options: ChartYamlOptions = {}): Result<ChartMetadata> {
  const file = options.fileName ?? 'Chart.yaml';
  return asResult(() => {
    const raw: Raw = {};
    const chart = parseDocument(decodeText(input, file), file);
    new StructDecoder(chart.builder).decodeStruct(chart.root, METADATA_FIELDS, raw, 'Chart.yaml');
    if (options.requirementsYaml !== undefined) {
      const req = parseDocument(options.requirementsYaml, 'requirements.yaml');
      new StructDecoder(req.builder).decodeStruct(req.root, METADATA_FIELDS, raw, 'requirements.yaml');
    }
    return validateMetadata(raw, file);
  });
}

export function parseChartLock(input: string | Uint8Array, fileName = 'Chart.lock'): Result<ChartLock> {
  return asResult(() => {
    const raw: Raw = {};
    const lock = parseDocument(decodeText(input, fileName), fileName);
    new StructDecoder(lock.builder).decodeStruct(lock.root, LOCK_FIELDS, raw, fileName);
    const deps = raw.dependencies as Array<Raw | null> | undefined;
    return {
      generated: (raw.generated as string | undefined) ?? ZERO_TIME,
      digest: (raw.digest as string | undefined) ?? '',
      dependencies: deps === undefined ? null : deps.map((d, i) => validateDependency(d, i, fileName)),
    };
  });
}

// ---- Validate(), as in Helm's pkg/chart/v2/metadata.go, plus our stricter checks.

/** Go's unicode.IsSpace → ' ', and only unicode.IsPrint runes kept (sanitizeString). */
export function sanitizeString(s: string): string {
  return s.replace(/[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/g, ' ')
    .replace(/[^\p{L}\p{M}\p{N}\p{P}\p{S} ]/gu, '');
}

/** Masterminds/semver v3 NewVersion, which Helm uses: SemVer 2 plus an optional `v` and short forms. */
export function isHelmSemver(version: string): boolean {
  const m = /^v?(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/.exec(version);
  if (!m) return false;
  const UINT64_MAX = 2n ** 64n - 1n;
  return [m[1], m[2], m[3]].every((part) => part === undefined || BigInt(part) <= UINT64_MAX);
}

const ALIAS_FORMAT = /^[a-zA-Z0-9_-]+$/;

function sanitizeFields(raw: Raw, fields: Field[]): void {
  for (const field of fields) {
    const value = raw[field.prop];
    if (field.type.kind === 'string' && field.type.sanitize && typeof value === 'string') raw[field.prop] = sanitizeString(value);
    if (field.type.kind === 'strings' && field.type.sanitize && Array.isArray(value)) raw[field.prop] = value.map((v: string) => sanitizeString(v));
  }
}

/** Drops the values Go's omitempty would drop, so the object has exactly what Helm would write. */
function compact(raw: Raw, fields: Field[]): Raw {
  const out: Raw = {};
  for (const field of fields) {
    const value = raw[field.prop];
    if (field.omitempty && isEmpty(value)) continue;
    out[field.prop] = value;
  }
  return out;
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === '' || value === false || (Array.isArray(value) && value.length === 0)
    || (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0);
}

function validateDependency(dep: Raw | null, index: number, file: string): ChartDependency {
  if (dep === null) throw new ChartYamlError(`${file}: dependencies must not contain empty or null entries (entry ${index + 1})`);
  sanitizeFields(dep, DEPENDENCY_FIELDS);
  if (typeof dep.alias === 'string' && dep.alias !== '' && !ALIAS_FORMAT.test(dep.alias)) {
    throw new ChartYamlError(`${file}: dependency "${dep.name ?? ''}" has disallowed characters in its alias "${dep.alias}" (letters, digits, _ and - only)`);
  }
  const out = compact(dep, DEPENDENCY_FIELDS);
  out.name = dep.name ?? '';
  out.repository = dep.repository ?? '';
  return out as unknown as ChartDependency;
}

function validateMetadata(raw: Raw, file: string): ChartMetadata {
  // Helm's loader assumes apiVersion v1 when Chart.yaml has none (Helm 2 charts).
  if (raw.apiVersion === undefined || raw.apiVersion === '') raw.apiVersion = 'v1';
  if (raw.apiVersion !== 'v1' && raw.apiVersion !== 'v2') {
    throw new ChartYamlError(`${file}: apiVersion "${String(raw.apiVersion)}" is not supported; use v2 (or v1 for Helm 2 charts)`);
  }
  sanitizeFields(raw, METADATA_FIELDS);
  const name = raw.name as string | undefined;
  if (!name) throw new ChartYamlError(`${file}: name is required`);
  if (name === '.' || name === '..') throw new ChartYamlError(`${file}: name "${name}" is not allowed`);
  if (/[/\\]/.test(name)) throw new ChartYamlError(`${file}: name "${name}" must not contain / or \\ (it names the archive's top directory)`);
  const version = raw.version as string | undefined;
  if (!version) throw new ChartYamlError(`${file}: version is required`);
  if (!isHelmSemver(version)) throw new ChartYamlError(`${file}: version "${version}" is not a semantic version (like 1.2.3)`);
  if (raw.type !== undefined && raw.type !== '' && raw.type !== 'application' && raw.type !== 'library') {
    throw new ChartYamlError(`${file}: type must be application or library, not "${String(raw.type)}"`);
  }
  const maintainers = raw.maintainers as Array<Raw | null> | undefined;
  if (maintainers) {
    raw.maintainers = maintainers.map((m, i) => {
      if (m === null) throw new ChartYamlError(`${file}: maintainers must not contain empty or null entries (entry ${i + 1})`);
      sanitizeFields(m, MAINTAINER_FIELDS);
      return compact(m, MAINTAINER_FIELDS);
    });
  }
  const deps = raw.dependencies as Array<Raw | null> | undefined;
  if (deps) {
    const seen = new Set<string>();
    raw.dependencies = deps.map((d, i) => {
      const dep = validateDependency(d, i, file);
      const key = dep.alias || dep.name;
      if (seen.has(key)) throw new ChartYamlError(`${file}: more than one dependency with name or alias "${key}"`);
      seen.add(key);
      return dep;
    });
  }
  return compact(raw, METADATA_FIELDS) as unknown as ChartMetadata;
}

// ---- Writing, as sigs.k8s.io/yaml.Marshal(struct) does: JSON field names, omitempty, sorted keys.

function toYamlValue(raw: Raw, fields: Field[]): { [key: string]: YamlValue } {
  const out: { [key: string]: YamlValue } = {};
  for (const field of fields) {
    const value = raw[field.prop];
    if (field.omitempty && isEmpty(value)) continue;
    let yamlValue: YamlValue;
    if (field.type.kind === 'structs') {
      const nested = field.type.fields;
      yamlValue = Array.isArray(value) ? value.map((item: Raw) => toYamlValue(item, nested)) : null;
    } else if (value === undefined) {
      yamlValue = field.type.kind === 'string' ? '' : field.type.kind === 'time' ? ZERO_TIME : null;
    } else {
      yamlValue = value as YamlValue;
    }
    defineEntry(out, field.json, yamlValue);
  }
  return out;
}

/**
 * The Chart metadata exactly as Helm 4 writes it at the top of a `.prov` (yaml.Marshal of
 * chart.Metadata). The signer appends "\n...\n" and the `files:` document after it.
 */
export function provenanceMetadataYaml(meta: ChartMetadata): string {
  return marshalGoYaml(toYamlValue(meta as unknown as Raw, METADATA_FIELDS));
}

/** Chart.yaml as `helm package` writes it into the archive (v1 charts keep dependencies in requirements.yaml). */
export function archiveChartYaml(meta: ChartMetadata): string {
  return provenanceMetadataYaml(meta.apiVersion === 'v1' ? { ...meta, dependencies: undefined } : meta);
}

/** Chart.lock as `helm package` writes it into the archive. */
export function archiveChartLock(lock: ChartLock): string {
  return marshalGoYaml(toYamlValue(lock as unknown as Raw, LOCK_FIELDS));
}
