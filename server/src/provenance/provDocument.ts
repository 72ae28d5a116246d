// Parses a Helm provenance (.prov) file: a PGP cleartext-signed message whose signed text is two YAML
// documents (Chart metadata, `...`, a `files:` map of digests). Any input gives a result, never an
// exception; every problem carries a code and the range it concerns, so the language server can show
// it where it is. Only the signed text is ever interpreted: text outside the signed block is reported,
// never read.
import type { Document, Node } from 'yaml';
import { rangeOf, type Problem, type Range } from './codes';
import { escapeUntrusted } from './untrustedText';
import { countWork } from './work';
import { lenientUtf8, withoutBomText } from './utf8';
import { MAX_YAML_DEPTH, MAX_YAML_NODES, nestingBound, tooManyNodes, yamlNodeEstimate } from './yamlBounds';
import { DUPLICATE_KEY_MESSAGE, duplicateKeys } from './yamlKeys';
import { plainlyAString, readFlatMapping, type FlatEntry, type FlatScalar } from './yamlFlat';
import { yamlLibrary } from './yamlLibrary';
import { linePositions, type LinePositions } from './yamlLines';

export const MAX_PROV_BYTES = 1024 * 1024;

const BEGIN_SIGNED = '-----BEGIN PGP SIGNED MESSAGE-----';
const BEGIN_SIGNATURE = '-----BEGIN PGP SIGNATURE-----';
const END_SIGNATURE = '-----END PGP SIGNATURE-----';
const CONTROL_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f]/;

export interface HashHeader { value: string; algorithms: string[]; range: Range }

/** One line of the signed text and where it stands in the file. */
export interface SignedLine { text: string; fileLine: number; column: number }

export interface FileEntry {
  name: string;
  digest: string;
  /** `sha256`, `sha512`, … as written before the colon; undefined when the value has no colon. */
  algorithm?: string;
  hex?: string;
  nameRange: Range;
  digestRange: Range;
}

export interface ScalarField { value: string; range: Range }

export interface ProvMetadata {
  yaml: string;
  name?: ScalarField;
  version?: ScalarField;
  range: Range;
}

export interface ProvDocument {
  /** Number of lines in the file (for whole-file ranges). */
  lineCount: number;
  blockRange?: Range;
  hashHeaders: HashHeader[];
  /** The signed text exactly as the signature covers it: un-dash-escaped, LF, trailing spaces removed. */
  signedText?: string;
  signedLines: SignedLine[];
  metadata?: ProvMetadata;
  files: FileEntry[];
  filesRange?: Range;
  signature?: { armored: string; range: Range };
  /** Non-blank text before the BEGIN line or after the END line: never used for anything. */
  unsignedRanges: Range[];
  problems: Problem[];
}

function problem(code: Problem['code'], message: string, range: Range, severity: Problem['severity'] = 'error'): Problem {
  return { code, severity, message, range };
}


export function parseProvenance(input: string | Uint8Array): ProvDocument {
  // The size is checked before anything is decoded or split: 200 MB of junk must cost nothing.
  if (input.length > MAX_PROV_BYTES) {
    const doc: ProvDocument = { lineCount: countLines(input), hashHeaders: [], signedLines: [], files: [], unsignedRanges: [], problems: [] };
    doc.problems.push(problem('malformed', `The provenance file is ${input.length} bytes; more than ${MAX_PROV_BYTES} is not a Helm provenance file.`, rangeOf(0, 0, 0)));
    return doc;
  }
  const text = typeof input === 'string' ? input : lenientUtf8(input);
  const lines = text.split(/\r?\n/);
  const doc: ProvDocument = { lineCount: lines.length, hashHeaders: [], signedLines: [], files: [], unsignedRanges: [], problems: [] };
  const whole = rangeOf(0, 0, lines[lines.length - 1].length, lines.length - 1);
  const line = (i: number) => rangeOf(i, 0, lines[i].length);

  const trimmed = lines.map((l) => l.replace(/[ \t\r]+$/, ''));
  const begins = indexesOf(trimmed, (l) => withoutBomText(l) === BEGIN_SIGNED);
  if (begins.length === 0) {
    const detached = trimmed.indexOf(BEGIN_SIGNATURE);
    doc.problems.push(problem('malformed', detached >= 0
      ? 'No signed block: this is a detached signature, not a provenance file (no "-----BEGIN PGP SIGNED MESSAGE-----" line).'
      : 'No signed block found: a provenance file starts with "-----BEGIN PGP SIGNED MESSAGE-----". Re-create it with Sign Chart or `helm package --sign`.', whole));
    return doc;
  }
  const begin = begins[0];
  // A second block may also start right after an END line, with no line break (gpg reads it too).
  const glued = indexesOf(trimmed, (l) => l.startsWith(END_SIGNATURE) && l.includes(BEGIN_SIGNED, END_SIGNATURE.length));
  const seconds = [...begins.slice(1), ...glued.filter((g) => g > begin)].sort((a, b) => a - b);
  if (seconds.length > 0) {
    for (const b of seconds) {
      doc.problems.push(problem('malformed', 'A second signed block: a provenance file holds exactly one. Which block counts would be ambiguous, so none does.', line(b)));
    }
    return doc;
  }
  reportUnsigned(doc, trimmed, 0, begin, withoutBomText(trimmed[begin]) !== trimmed[begin]);

  // Armor headers, up to the first blank line.
  let i = begin + 1;
  for (; i < lines.length && trimmed[i] !== ''; i++) {
    const m = /^([A-Za-z-]+): ?(.*)$/.exec(trimmed[i]);
    if (CONTROL_CHARS.test(lines[i].replace(/\r$/, ''))) {
      doc.problems.push(problem('malformed', 'A control character in an armor header line.', line(i)));
    } else if (!m) {
      doc.problems.push(problem('malformed', `"${escapeUntrusted(trimmed[i])}" is not an armor header; the headers must be followed by a blank line.`, line(i)));
    } else if (m[1] !== 'Hash') {
      doc.problems.push(problem('malformed', `Header "${m[1]}" is not allowed in a signed message: only "Hash:" headers are (RFC 4880 §7).`, line(i)));
    } else {
      const algorithms = m[2].split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
      doc.hashHeaders.push({ value: m[2], algorithms, range: line(i) });
    }
  }
  if (i >= lines.length) {
    doc.problems.push(problem('malformed', 'The signed block ends before its text: no blank line after the headers.', line(begin)));
    return doc;
  }

  // Signed text, up to the signature's BEGIN line.
  const bodyStart = i + 1;
  let sigBegin = -1;
  for (let j = bodyStart; j < lines.length; j++) {
    if (trimmed[j] === BEGIN_SIGNATURE) { sigBegin = j; break; }
    if (trimmed[j] === BEGIN_SIGNED || trimmed[j] === END_SIGNATURE) break;
    if (lines[j].startsWith('- ')) {
      // The escape is removed before trailing whitespace, so "- " alone is an escaped empty line (RFC 9580 §7.1).
      doc.signedLines.push({ text: lines[j].slice(2).replace(/[ \t\r]+$/, ''), fileLine: j, column: 2 });
    } else {
      if (trimmed[j].startsWith('-')) {
        doc.problems.push(problem('malformed', 'A line starting with "-" must be dash-escaped ("- -…") in a signed message; this one was not, so the file was not made by a signer.', line(j)));
      }
      doc.signedLines.push({ text: trimmed[j], fileLine: j, column: 0 });
    }
  }
  if (sigBegin < 0) {
    doc.problems.push(problem('malformed', 'No "-----BEGIN PGP SIGNATURE-----" line: the signature is missing or the file is truncated.', rangeOf(begin, 0, 0, lines.length - 1)));
    return doc;
  }
  let sigEnd = -1;
  for (let j = sigBegin + 1; j < lines.length; j++) {
    if (trimmed[j].startsWith(END_SIGNATURE)) { sigEnd = j; break; }
  }
  if (sigEnd < 0) {
    doc.problems.push(problem('malformed', 'The signature has no "-----END PGP SIGNATURE-----" line: the file is truncated.', rangeOf(sigBegin, 0, lines[lines.length - 1].length, lines.length - 1)));
    return doc;
  }
  doc.blockRange = rangeOf(begin, 0, END_SIGNATURE.length, sigEnd);
  doc.signature = { armored: [...trimmed.slice(sigBegin, sigEnd), END_SIGNATURE].join('\n') + '\n', range: rangeOf(sigBegin, 0, END_SIGNATURE.length, sigEnd) };
  // Text glued to the END line is after the signature, like the lines below it.
  const tail = trimmed[sigEnd].length > END_SIGNATURE.length ? rangeOf(sigEnd, END_SIGNATURE.length, trimmed[sigEnd].length) : undefined;
  reportUnsigned(doc, trimmed, sigEnd + 1, lines.length, false, tail);
  doc.signedText = doc.signedLines.map((l) => l.text).join('\n');
  parseSignedYaml(doc);
  return doc;
}

/** Lines in a text or its bytes, without splitting it. */
function countLines(input: string | Uint8Array): number {
  let count = 1;
  if (typeof input === 'string') {
    for (let at = input.indexOf('\n'); at >= 0; at = input.indexOf('\n', at + 1)) count++;
  } else {
    for (let at = input.indexOf(0x0a); at >= 0; at = input.indexOf(0x0a, at + 1)) count++;
  }
  return count;
}

function indexesOf(lines: string[], pred: (l: string) => boolean): number[] {
  const out: number[] = [];
  lines.forEach((l, i) => { if (pred(l)) out.push(i); });
  return out;
}

/** Reports non-blank lines `from`..`to` (and `glued`, text on the line before them) as unsigned. */
function reportUnsigned(doc: ProvDocument, trimmed: string[], from: number, to: number, bom: boolean, glued?: Range): void {
  let first = -1;
  let last = -1;
  for (let j = from; j < to; j++) {
    if (trimmed[j] !== '') { if (first < 0) first = j; last = j; }
  }
  if (first < 0 && !bom && !glued) return;
  if (first < 0 && glued) { first = last = glued.start.line; }
  if (first < 0) { first = last = to; }
  const range = rangeOf(first, glued?.start.line === first ? glued.start.character : 0, trimmed[last].length, last);
  doc.unsignedRanges.push(range);
  doc.problems.push(problem('unsigned-content', from === 0
    ? 'Text before the signed block is not signed and is ignored: anyone could have added it.'
    : 'Text after the signature is not signed and is ignored: anyone could have added it.', range, 'warning'));
}

/** Maps an offset inside `part` (the signed lines from `firstLine`, joined by LF) back to the file. */
function positionMapper(doc: ProvDocument, firstLine: number, lines: LinePositions) {
  return {
    at(offset: number) {
      const pos = lines.linePos(offset);
      const signed = doc.signedLines[Math.min(firstLine + pos.line - 1, doc.signedLines.length - 1)];
      return { line: signed.fileLine, character: signed.column + pos.col - 1 };
    },
  };
}

type Mapper = ReturnType<typeof positionMapper>;

function nodeRange(node: Node | null | undefined, map: Mapper): Range | undefined {
  if (!node?.range) return undefined;
  return { start: map.at(node.range[0]), end: map.at(node.range[1]) };
}

function parseYamlPart(doc: ProvDocument, firstLine: number, lastLine: number, what: string): { yaml: Document.Parsed; map: Mapper; text: string } | undefined {
  const text = doc.signedLines.slice(firstLine, lastLine).map((l) => l.text).join('\n') + '\n';
  const { LineCounter, parseDocument } = yamlLibrary();
  // The library's own counter: it numbers lines as its parse saw them, and the errors come from that.
  const counter = new LineCounter();
  const map = positionMapper(doc, firstLine, counter);
  const lineRange = rangeOf(doc.signedLines[firstLine]?.fileLine ?? 0, 0, 0);
  if (nestingBound(text) > MAX_YAML_DEPTH) {
    doc.problems.push(problem('malformed', `${what}: nested more than ${MAX_YAML_DEPTH} levels deep; Chart metadata is a few levels deep, so this is not read.`, lineRange));
    return undefined;
  }
  const nodes = yamlNodeEstimate(text);
  if (nodes > MAX_YAML_NODES) {
    doc.problems.push(problem('malformed', `${what}: ${tooManyNodes(nodes, MAX_YAML_NODES)} (a Chart.yaml's limit).`, lineRange));
    return undefined;
  }
  let yaml: Document.Parsed;
  try {
    // Aliases are never expanded (nothing here calls toJS); duplicate keys are found below, in one pass.
    countWork('yaml-bytes', text.length);
    yaml = parseDocument(text, { lineCounter: counter, uniqueKeys: false, prettyErrors: false, strict: true });
  } catch (e) {
    // The YAML library recurses; the bound above keeps it far from the stack's end, this keeps the promise never to throw.
    doc.problems.push(problem('malformed', `${what} cannot be read: ${escapeUntrusted((e as Error).message)}`, lineRange));
    return undefined;
  }
  const errors = yaml.errors.map((e) => ({ offset: e.pos[0], message: e.message.split('\n')[0] }));
  for (const key of duplicateKeys(yaml.contents)) {
    errors.push({ offset: key.range?.[0] ?? 0, message: `${DUPLICATE_KEY_MESSAGE} ("${escapeUntrusted(String(key.source ?? key.value), 60)}" appears more than once)` });
  }
  for (const e of errors) {
    const at = map.at(Math.min(e.offset, Math.max(text.length - 2, 0)));
    doc.problems.push(problem('malformed', `${what}: ${escapeUntrusted(e.message)}`, { start: at, end: { line: at.line, character: at.character + 1 } }));
  }
  return errors.length ? undefined : { yaml, map, text };
}

function parseSignedYaml(doc: ProvDocument): void {
  const separators = indexesOf(doc.signedLines.map((l) => l.text), (t) => t === '...');
  const whole = doc.signedLines.length
    ? rangeOf(doc.signedLines[0].fileLine, 0, 0, doc.signedLines[doc.signedLines.length - 1].fileLine)
    : doc.blockRange!;
  if (separators.length !== 1) {
    doc.problems.push(problem('malformed', separators.length === 0
      ? 'The signed text has no "..." line: it must hold the Chart metadata, a "..." line, then the "files:" map.'
      : `The signed text has ${separators.length} "..." lines; it must split into exactly two YAML documents.`, whole));
    return;
  }
  const sep = separators[0];
  parseMetadata(doc, sep);
  parseFiles(doc, sep + 1);
}

function scalarField(yaml: Document.Parsed, key: string, map: Mapper): ScalarField | undefined {
  const node = yaml.get(key, true);
  if (!yamlLibrary().isScalar(node) || node.value === null || node.value === undefined) return undefined;
  return { value: String(node.source ?? node.value), range: nodeRange(node, map)! };
}

function parseMetadata(doc: ProvDocument, sep: number): void {
  const flat = flatPart(doc, 0, sep, (text) => readFlatMapping(text));
  if (flat) {
    const { entries, map, text } = flat;
    const field = (key: string) => {
      const value = entries.find((e) => e.key === key)?.value;
      return value && { value: value.text, range: flatRange(value, map) };
    };
    const name = field('name');
    const version = field('version');
    // Without both, the full reader says what is wrong, as it always has.
    if (name && version) {
      doc.metadata = { yaml: text, name, version, range: { start: map.at(0), end: map.at(Math.max(text.length - 1, 0)) } };
      return;
    }
  }
  const part = parseYamlPart(doc, 0, sep, 'Chart metadata');
  if (!part) return;
  const range = { start: part.map.at(0), end: part.map.at(Math.max(part.text.length - 1, 0)) };
  if (!yamlLibrary().isMap(part.yaml.contents)) {
    doc.problems.push(problem('malformed', 'The Chart metadata (before "...") must be a YAML mapping like Chart.yaml.', range));
    return;
  }
  doc.metadata = {
    yaml: part.text,
    name: scalarField(part.yaml, 'name', part.map),
    version: scalarField(part.yaml, 'version', part.map),
    range,
  };
  if (!doc.metadata.name || !doc.metadata.version) {
    doc.problems.push(problem('malformed', 'The signed Chart metadata has no "name" or no "version".', range));
  }
}

/**
 * A part of the signed text that is a flat mapping (yamlFlat.ts), read without the YAML library;
 * undefined for anything else, which parseYamlPart then reads.
 */
function flatPart(doc: ProvDocument, firstLine: number, lastLine: number, read: (text: string) => FlatEntry[] | undefined): { entries: FlatEntry[]; map: Mapper; text: string } | undefined {
  const text = doc.signedLines.slice(firstLine, lastLine).map((l) => l.text).join('\n') + '\n';
  const entries = read(text);
  if (!entries) return undefined;
  return { entries, map: positionMapper(doc, firstLine, linePositions(text)), text };
}

function flatRange(value: FlatScalar, map: Mapper): Range {
  return { start: map.at(value.start), end: map.at(value.end) };
}

/** `files:` and its entries at one indentation, each "<name>: <string>" (a name or digest YAML could read as null, bool or number is left to the full reader). */
function readFlatFiles(text: string): FlatEntry[] | undefined {
  const head = /^files: *\n( +)/.exec(text);
  if (!head) return undefined;
  const entries = readFlatMapping(text, head[1].length, head[0].length - head[1].length);
  return entries?.every((e) => e.value.style !== 'plain' || plainlyAString(e.value.text)) ? entries : undefined;
}

function parseFiles(doc: ProvDocument, first: number): void {
  const flat = flatPart(doc, first, doc.signedLines.length, readFlatFiles);
  if (flat) {
    const { entries, map, text } = flat;
    const keyRange = (e: FlatEntry) => ({ start: map.at(e.keyStart), end: map.at(e.keyStart + e.key.length) });
    // As the library's block mapping: up to the start of the line after its last entry.
    const last = entries[entries.length - 1].value.end;
    doc.filesRange = { start: keyRange(entries[0]).start, end: map.at(text.indexOf('\n', last) + 1) };
    for (const e of entries) doc.files.push(fileEntry(e.key, e.value.text, keyRange(e), flatRange(e.value, map)));
    return;
  }
  const part = parseYamlPart(doc, first, doc.signedLines.length, 'files map');
  if (!part) return;
  const range = { start: part.map.at(0), end: part.map.at(Math.max(part.text.length - 1, 0)) };
  const { isMap, isScalar } = yamlLibrary();
  const root = part.yaml.contents;
  const files = isMap(root) && root.items.length === 1 && isScalar(root.items[0].key) && root.items[0].key.value === 'files'
    ? root.items[0].value : undefined;
  if (!isMap(files)) {
    doc.problems.push(problem('malformed', 'After "..." the signed text must be exactly one "files:" map of archive name to "sha256:<hex>".', range));
    return;
  }
  doc.filesRange = nodeRange(files, part.map) ?? range;
  for (const item of files.items) {
    const keyRange = nodeRange(item.key as Node, part.map) ?? range;
    if (!isScalar(item.key) || !isScalar(item.value) || typeof item.value.value !== 'string') {
      doc.problems.push(problem('malformed', 'Each "files:" entry must be "<archive name>: sha256:<hex>".', keyRange));
      continue;
    }
    doc.files.push(fileEntry(String(item.key.value), item.value.value, keyRange, nodeRange(item.value, part.map) ?? keyRange));
  }
}

function fileEntry(name: string, digest: string, nameRange: Range, digestRange: Range): FileEntry {
  const m = /^([A-Za-z0-9-]+):(.*)$/.exec(digest);
  return { name, digest, algorithm: m?.[1], hex: m?.[2], nameRange, digestRange };
}
