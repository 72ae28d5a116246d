// A classic chart repository's index.yaml, read as Helm reads it for `helm pull repo/chart --version V`:
// `entries.<chart>[]` with `version`, `urls` and `digest` (hex SHA-256 of the archive). Bounded before
// parsing (bytes, nesting, an estimate of nodes, aliases). Pure.
import { parse } from 'yaml';
import { fail, ok, type Result } from '../provenance/codes';
import { escapeUntrusted } from '../provenance/untrustedText';
import { MAX_YAML_DEPTH, nestingBound, tooManyNodes, yamlNodeEstimate } from '../provenance/yamlBounds';
import { countWork } from '../provenance/work';
import { MAX_INDEX_NODES } from './limits';

export interface IndexEntry {
  /** The archive's URL, resolved against the repository URL. */
  url: string;
  /** Lowercase hex SHA-256 of the archive, when the index has one (Helm writes it). */
  digest?: string;
}

function invalid(why: string) {
  return fail('repo-index-invalid', `The repository's index.yaml ${why}.`);
}

type Parsed = { value: unknown } | { refused: string };

/** The parsed text, or why it is not parsed (too many nodes); throws when it is not YAML. */
function parseBounded(text: string): Parsed {
  const nodes = yamlNodeEstimate(text);
  if (nodes > MAX_INDEX_NODES) return { refused: `has ${tooManyNodes(nodes, MAX_INDEX_NODES)}` };
  countWork('yaml-bytes', text.length);
  return { value: parse(text, { maxAliasCount: 100, uniqueKeys: false, prettyErrors: false }) };
}

/**
 * `entries:` with only `chart`'s block, when the index is laid out as Helm writes it (Go's YAML:
 * `entries:` at column 0, plain chart names at column 2, their versions as `  - ` items and deeper
 * lines): parsing a whole 30 MB index would take gigabytes. Undefined for any other layout.
 */
function chartSection(text: string, chart: string): string | undefined {
  const lineEnd = (from: number) => { const n = text.indexOf('\n', from); return n < 0 ? text.length : n; };
  let at = text.startsWith('entries:') ? 0 : text.indexOf('\nentries:') + 1;
  if (at === 0 && !text.startsWith('entries:')) return undefined;
  if (text.slice(at + 'entries:'.length, lineEnd(at)).trim() !== '') return undefined;
  const key = `  ${chart}:`;
  for (at = lineEnd(at) + 1; at < text.length; at = lineEnd(at) + 1) {
    const c = text.charCodeAt(at);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d) return undefined;
    if (!text.startsWith(key, at) || text.slice(at + key.length, lineEnd(at)).trim() !== '') continue;
    let end = lineEnd(at) + 1;
    // The block goes on while lines are blank, `  - ` items or indented deeper than the chart name.
    while (end < text.length && /^(?:[ \t\r]*(?:\n|$)|  - |   )/.test(text.slice(end, end + 4))) end = lineEnd(end) + 1;
    return `entries:\n${text.slice(at, end)}`;
  }
  return undefined;
}

/** The entry for `chart` at `version` (Helm's `+` and `_` are one), its URL resolved against `repoUrl`. */
export function findIndexEntry(bytes: Buffer, repoUrl: string, chart: string, version: string): Result<IndexEntry, 'repo-index-invalid'> {
  const text = bytes.toString('utf8');
  if (nestingBound(text) > MAX_YAML_DEPTH) return invalid(`nests deeper than ${MAX_YAML_DEPTH} levels; it is not read`);
  const section = chartSection(text, chart);
  let parsed: Parsed | undefined;
  try {
    parsed = section === undefined ? undefined : parseBounded(section);
  } catch { /* an alias to an anchor outside the chart's part: read the whole index */ }
  if (parsed === undefined) {
    try {
      parsed = parseBounded(text);
    } catch (e) {
      return invalid(`is not YAML: ${escapeUntrusted((e as Error).message, 200)}`);
    }
  }
  if ('refused' in parsed) return invalid(parsed.refused);
  const index = parsed.value;
  const entries = (index as { entries?: unknown } | null)?.entries;
  if (typeof entries !== 'object' || entries === null) return invalid('has no entries');
  const versions: unknown = Object.prototype.hasOwnProperty.call(entries, chart) ? (entries as Record<string, unknown>)[chart] : undefined;
  if (!Array.isArray(versions)) return invalid(`has no chart named ${escapeUntrusted(chart)}`);
  const wanted = version.replace(/_/g, '+');
  const entry = versions.find((v) => typeof v === 'object' && v !== null && String((v as { version?: unknown }).version).replace(/_/g, '+') === wanted) as Record<string, unknown> | undefined;
  if (!entry) {
    const known = versions.slice(0, 10).map((v) => escapeUntrusted(String((v as { version?: unknown })?.version), 40)).join(', ');
    return invalid(`has no version ${escapeUntrusted(version, 80)} of ${escapeUntrusted(chart)} (it has ${known}${versions.length > 10 ? ', …' : ''})`);
  }
  const urls = entry.urls;
  if (!Array.isArray(urls) || typeof urls[0] !== 'string') return invalid(`lists no download URL for ${escapeUntrusted(chart)} ${escapeUntrusted(version, 80)}`);
  let url: string;
  try {
    url = new URL(urls[0], repoUrl.endsWith('/') ? repoUrl : `${repoUrl}/`).toString();
  } catch {
    return invalid(`has an invalid URL for ${escapeUntrusted(chart)} ${escapeUntrusted(version, 80)}`);
  }
  const digest = entry.digest;
  if (digest !== undefined && (typeof digest !== 'string' || !/^[0-9a-f]{64}$/.test(digest))) {
    return invalid(`gives ${escapeUntrusted(chart)} ${escapeUntrusted(version, 80)} a digest that is not 64 lowercase hex digits`);
  }
  return ok({ url, ...(digest ? { digest } : {}) });
}
