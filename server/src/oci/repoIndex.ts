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

/** The entry for `chart` at `version` (Helm's `+` and `_` are one), its URL resolved against `repoUrl`. */
export function findIndexEntry(bytes: Buffer, repoUrl: string, chart: string, version: string): Result<IndexEntry, 'repo-index-invalid'> {
  const text = bytes.toString('utf8');
  if (nestingBound(text) > MAX_YAML_DEPTH) return invalid(`nests deeper than ${MAX_YAML_DEPTH} levels; it is not read`);
  const nodes = yamlNodeEstimate(text);
  if (nodes > MAX_INDEX_NODES) return invalid(`has ${tooManyNodes(nodes, MAX_INDEX_NODES)}`);
  countWork('yaml-bytes', bytes.length);
  let index: unknown;
  try {
    index = parse(text, { maxAliasCount: 100, uniqueKeys: false, prettyErrors: false });
  } catch (e) {
    return invalid(`is not YAML: ${escapeUntrusted((e as Error).message, 200)}`);
  }
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
