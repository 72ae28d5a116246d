// Step 1 of reading Chart.yaml as Helm does: YAML text → the value go-yaml v2 decodes into interface{}
// (YAML 1.1 scalars, aliases expanded), with go-yaml's reader checks (no control characters) and our
// stricter ones (one document, no duplicate keys, no merge keys or explicit tags). Parsing is bounded:
// a nesting cap and a node budget that also stops alias bombs (billion laughs). Errors carry a range
// into the source text so the editor can point at them.
import type * as YAML from 'yaml';
import type { Range } from '../codes';
import { escapeUntrusted } from '../untrustedText';
import { countWork } from '../work';
import { deepestFlow, MAX_YAML_DEPTH, MAX_YAML_NODES, tooManyNodes, yamlNodeEstimate } from '../yamlBounds';
import { DUPLICATE_KEY_MESSAGE, duplicateKeys } from '../yamlKeys';
import { resolvePlainScalar, type GoScalar } from './yamlScalars';
import { readFlatMapping, type FlatScalar } from '../yamlFlat';
import { yamlLibrary } from '../yamlLibrary';
import { linePositions, type LinePositions } from '../yamlLines';

export class ChartYamlError extends Error {
  // Messages quote keys, values (a version with ESC]0;… in it) and file names: escaped whatever the message.
  constructor(message: string, readonly range?: Range) { super(escapeUntrusted(message, 2000)); }
}

/** Zero-based positions of two offsets (LinePositions count from 1). */
function rangeIn(lines: LinePositions, start: number, end: number): Range {
  const at = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return { line: line - 1, character: col - 1 };
  };
  return { start: at(start), end: at(end) };
}

export type GoNode =
  | { t: 'null'; src?: YAML.Node }
  | { t: 'scalar'; text: string; r: GoScalar; src?: YAML.Node }
  | { t: 'seq'; items: GoNode[]; src?: YAML.Node }
  | { t: 'map'; entries: Array<[GoNode, GoNode]>; src?: YAML.Node };

const STR_TAG = 'tag:yaml.org,2002:str';
const COLLECTION_TAGS = new Set(['tag:yaml.org,2002:map', 'tag:yaml.org,2002:seq']);

export class GoNodeBuilder {
  private budget = MAX_YAML_NODES;
  /** Anchors seen so far in document order (YAML: an alias names the latest anchor before it). */
  private readonly anchors = new Map<string, YAML.Node>();
  /** > 0 while expanding an alias: anchors met again there must not replace later definitions. */
  private expanding = 0;
  constructor(private readonly lines: LinePositions, private readonly file: string) {}

  error(message: string, node?: YAML.Node | null): ChartYamlError {
    const range = node?.range ? rangeIn(this.lines, node.range[0], node.range[1]) : undefined;
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
    if (yamlLibrary().isAlias(node)) {
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
    const { isMap, isScalar, isSeq } = yamlLibrary();
    if (isScalar(node)) return this.scalar(node);
    if (isSeq(node)) {
      this.checkCollectionTag(node);
      return { t: 'seq', items: node.items.map((item) => this.build(item, depth + 1)), src: node };
    }
    if (isMap(node)) {
      this.checkCollectionTag(node);
      const entries: Array<[GoNode, GoNode]> = [];
      for (const pair of node.items) {
        const key = this.build(pair.key, depth + 1);
        // go-yaml treats an untagged plain `<<` key as a merge, whatever resolve() says.
        if (isScalar(pair.key) && pair.key.type === 'PLAIN' && !pair.key.tag && pair.key.source === '<<') {
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

/** The one YAML document of `text`, as go-yaml would decode it; throws ChartYamlError. */
export function parseDocument(text: string, file: string): { builder: GoNodeBuilder; root: GoNode } {
  // Every line start up front: the character checks that run before parsing need positions too.
  const lines = linePositions(text);
  checkCharacters(text, lines, file);
  if (deepestFlow(text) > MAX_YAML_DEPTH) throw new ChartYamlError(`${file}: nested more than ${MAX_YAML_DEPTH} levels deep`);
  countWork('yaml-bytes', text.length);
  const nodes = yamlNodeEstimate(text);
  if (nodes > MAX_YAML_NODES) throw new ChartYamlError(`${file}: ${tooManyNodes(nodes, MAX_YAML_NODES)}`);
  // Duplicate keys are found below in one pass: the library's own check is quadratic.
  const docs = yamlLibrary().parseAllDocuments(text, { schema: 'failsafe', uniqueKeys: false, version: '1.1', prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [];
  if (list.length > 1) {
    const second = list[1].range ? rangeIn(lines, list[1].range[0], list[1].range[0]) : undefined;
    throw new ChartYamlError(`${file} holds ${list.length} YAML documents; Helm reads only the first, so it must hold exactly one`, second);
  }
  const doc = list[0];
  const problem = doc?.errors[0];
  if (problem) {
    const range = rangeIn(lines, problem.pos[0], problem.pos[1]);
    const reason = problem.code === 'RESOURCE_EXHAUSTION' ? 'nested too deeply to read safely' : problem.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new ChartYamlError(`${file} (line ${range.start.line + 1}): ${reason}`, range);
  }
  const duplicate = duplicateKeys(doc?.contents)[0];
  if (duplicate) {
    const range = rangeIn(lines, duplicate.range?.[0] ?? 0, duplicate.range?.[1] ?? 0);
    throw new ChartYamlError(`${file} (line ${range.start.line + 1}): ${DUPLICATE_KEY_MESSAGE}: "${String(duplicate.source ?? duplicate.value)}" appears more than once`, range);
  }
  const builder = new GoNodeBuilder(lines, file);
  return { builder, root: builder.build(doc?.contents, 0) };
}

/**
 * parseDocument for a flat mapping (yamlFlat.ts), without the YAML library; undefined for any other
 * text. Its nodes carry no source positions: a caller that meets an error in them reads the text again
 * with parseDocument, whose messages point at the place.
 */
export function parseFlatDocument(text: string, file: string): { builder: GoNodeBuilder; root: GoNode } | undefined {
  const entries = readFlatMapping(text);
  if (!entries) return undefined;
  const scalar = (text: string, r: GoScalar): GoNode => (r.kind === 'null' ? { t: 'null' } : { t: 'scalar', text, r });
  const value = (v: FlatScalar) => scalar(v.text, v.style === 'plain' ? resolvePlainScalar(v.text) : { kind: 'str' });
  const root: GoNode = { t: 'map', entries: entries.map((e) => [scalar(e.key, resolvePlainScalar(e.key)), value(e.value)]) };
  return { builder: new GoNodeBuilder(linePositions(''), file), root };
}

/** go-yaml refuses control characters anywhere in the stream (its reader's printable check). */
function checkCharacters(text: string, lines: LinePositions, file: string): void {
  const bad = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.exec(text);
  if (bad) {
    const range = rangeIn(lines, bad.index, bad.index + 1);
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new ChartYamlError(`${file} (line ${range.start.line + 1}): control character U+${code} is not allowed in YAML`, range);
  }
  // Raw NEL/LS/PS break lines for go-yaml (YAML 1.1) but not for YAML 1.2 readers: the two would differ.
  const separator = /[\u0085\u2028\u2029]/.exec(text);
  if (separator) {
    const range = rangeIn(lines, separator.index, separator.index + 1);
    const code = separator[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new ChartYamlError(`${file} (line ${range.start.line + 1}): U+${code} is a line break to Helm's YAML 1.1 parser but text to YAML 1.2; write it escaped ("\\u${code}") or remove it`, range);
  }
}
