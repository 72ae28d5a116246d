// A policy.json or registries.d text parsed into yaml nodes that keep their offsets, so every finding
// has an exact range. JSON is checked by a strict scanner first (Go's encoding/json is as strict: no comments,
// no trailing commas, no byte order mark), then read by the yaml library, which parses JSON as YAML 1.2
// and keeps ranges. Both are bounded before parsing as every YAML text of the engine is.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import type { Problem, Range } from '../provenance/codes';
import { deepestFlow, MAX_YAML_DEPTH, MAX_YAML_NODES, nestingBound, tooManyNodes, yamlNodeEstimate } from '../provenance/yamlBounds';
import { duplicateKeys } from '../provenance/yamlKeys';
import { countWork } from '../provenance/work';
import { escapeUntrusted } from '../provenance/untrustedText';
import type { PolicyLintCode } from './codes';
import { jsonSyntaxError } from './jsonSyntax';

/** policy.json and registries.d files are a few KiB; far larger is no configuration. */
export const MAX_POLICY_BYTES = 1024 * 1024;

export interface SourceText {
  text: string;
  root?: Node;
  problems: Problem[];
  rangeOf(node: Node | undefined | null): Range;
  rangeAt(start: number, end: number): Range;
}

export function problem(code: PolicyLintCode, severity: Problem['severity'], message: string, range: Range): Problem {
  return { code, severity, message, range };
}

function sourceOf(text: string, counter: LineCounter): Omit<SourceText, 'root' | 'problems'> {
  const pos = (offset: number) => {
    const p = counter.linePos(Math.max(0, Math.min(offset, text.length)));
    return { line: p.line - 1, character: p.col - 1 };
  };
  const rangeAt = (start: number, end: number): Range => ({ start: pos(start), end: pos(end) });
  return {
    text,
    rangeAt,
    rangeOf: (node) => (node?.range ? rangeAt(node.range[0], node.range[1]) : rangeAt(0, 0)),
  };
}

function lineCounterOf(text: string): LineCounter {
  const counter = new LineCounter();
  counter.addNewLine(0);
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) counter.addNewLine(i + 1);
  return counter;
}

/** The bounds every text must pass before the parser sees it; a problem when it does not. */
function boundsProblem(text: string, depth: number, code: PolicyLintCode, source: Omit<SourceText, 'root' | 'problems'>): Problem | undefined {
  const estimate = yamlNodeEstimate(text);
  if (estimate > MAX_YAML_NODES) return problem(code, 'error', `The file holds ${tooManyNodes(estimate, MAX_YAML_NODES)}.`, source.rangeAt(0, 0));
  if (depth > MAX_YAML_DEPTH) return problem(code, 'error', `The file nests ${depth} levels deep, over the limit of ${MAX_YAML_DEPTH}; no policy needs more than 6.`, source.rangeAt(0, 0));
  return undefined;
}

function duplicateProblems(root: Node, source: Omit<SourceText, 'root' | 'problems'>, code: PolicyLintCode, severity: Problem['severity']): Problem[] {
  return duplicateKeys(root).map((key) => problem(code, severity, `The key "${escapeUntrusted(String(key.value))}" appears twice in one object.`, source.rangeOf(key)));
}

/** policy.json: strict JSON with ranges; duplicate keys are errors (containers/image refuses them). */
export function parseJsonText(text: string): SourceText {
  const counter = lineCounterOf(text);
  const source = sourceOf(text, counter);
  const bounds = boundsProblem(text, deepestFlow(text), 'policy-json-invalid', source);
  if (bounds) return { ...source, problems: [bounds] };
  const syntax = jsonSyntaxError(text);
  if (syntax) {
    const near = escapeUntrusted(text.slice(syntax.offset, syntax.offset + 1) || 'end of file', 20);
    return { ...source, problems: [problem('policy-json-invalid', 'error', `Not valid JSON: ${syntax.message} at "${near}".`, source.rangeAt(syntax.offset, syntax.offset + 1))] };
  }
  countWork('yaml-bytes', text.length);
  const doc = parseDocument(text, { version: '1.2', uniqueKeys: false, keepSourceTokens: false });
  if (doc.errors.length > 0 || !doc.contents) {
    const err = doc.errors[0];
    return { ...source, problems: [problem('policy-json-invalid', 'error', `Not readable: ${escapeUntrusted(err?.message ?? 'empty document', 300)}.`, source.rangeAt(err?.pos[0] ?? 0, err?.pos[1] ?? 0))] };
  }
  const root = doc.contents as Node;
  return { ...source, root, problems: duplicateProblems(root, source, 'policy-duplicate-key', 'error') };
}

/** A registries.d file: YAML, bounded; a repeated key is an error as go-yaml v3 reports it. */
export function parseYamlText(text: string): SourceText {
  const counter = lineCounterOf(text);
  const source = sourceOf(text, counter);
  const bounds = boundsProblem(text, nestingBound(text), 'registries-invalid', source);
  if (bounds) return { ...source, problems: [bounds] };
  countWork('yaml-bytes', text.length);
  const doc = parseDocument(text, { version: '1.2', uniqueKeys: false, merge: false });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    return { ...source, problems: [problem('registries-invalid', 'error', `Not valid YAML: ${escapeUntrusted(err.message.split('\n')[0], 300)}.`, source.rangeAt(err.pos[0], err.pos[1]))] };
  }
  const root = (doc.contents ?? undefined) as Node | undefined;
  return { ...source, root, problems: root ? duplicateProblems(root, source, 'registries-invalid', 'error') : [] };
}

/** The value kinds a finding names. */
export function kindOf(node: unknown): string {
  if (isMap(node)) return 'an object';
  if (isSeq(node)) return 'an array';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    if (typeof v === 'string') return 'a string';
    if (typeof v === 'number' || typeof v === 'bigint') return 'a number';
    if (typeof v === 'boolean') return 'a boolean';
  }
  return 'a value of another kind';
}

export type MapNode = YAMLMap<Scalar, Node>;
export type SeqNode = YAMLSeq<Node>;
export type PairNode = Pair<Scalar, Node>;

/** The pairs of a mapping in document order (keys as scalars; other keys are skipped: JSON has none). */
export function pairsOf(map: YAMLMap): PairNode[] {
  countWork('yaml-steps', map.items.length);
  return (map.items as Pair[]).filter((p): p is PairNode => isScalar(p.key));
}

export function keyText(pair: PairNode): string {
  return String(pair.key.value);
}

export function stringValue(node: unknown): string | undefined {
  return isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
}
