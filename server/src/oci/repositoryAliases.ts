// Helm's repositories.yaml (what `helm repo add NAME URL` writes): the names a Chart.yaml dependency may
// use as `repository: "@NAME"` or `"alias:NAME"`, and the URLs they stand for. Parsed bounded; a file
// that cannot be read just resolves nothing (the dependency then stays `dependency-unresolved`).
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { readBoundedFile } from '../provenance/boundedRead';
import { MAX_YAML_DEPTH, MAX_YAML_NODES, nestingBound, yamlNodeEstimate } from '../provenance/yamlBounds';

const MAX_REPOSITORIES_FILE_BYTES = 1024 * 1024;

/** Where Helm keeps repositories.yaml (Linux and XDG layout). */
export function repositoriesFilePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HELM_REPOSITORY_CONFIG) return env.HELM_REPOSITORY_CONFIG;
  const home = env.HOME ?? os.homedir();
  return path.join(env.HELM_CONFIG_HOME ?? path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'helm'), 'repositories.yaml');
}

/** Name → URL from the text of a repositories.yaml. */
export function parseRepositoryAliases(text: string): Map<string, string> {
  const aliases = new Map<string, string>();
  if (nestingBound(text) > MAX_YAML_DEPTH || yamlNodeEstimate(text) > MAX_YAML_NODES) return aliases;
  let doc: unknown;
  try { doc = parse(text, { maxAliasCount: 100, uniqueKeys: false, prettyErrors: false }); } catch { return aliases; }
  const list = (doc as { repositories?: unknown } | null)?.repositories;
  if (!Array.isArray(list)) return aliases;
  for (const r of list) {
    const { name, url } = (r ?? {}) as { name?: unknown; url?: unknown };
    if (typeof name === 'string' && typeof url === 'string' && /^https?:\/\//.test(url)) aliases.set(name, url);
  }
  return aliases;
}

/** The aliases of the user's repositories.yaml; empty when there is none. */
export function readRepositoryAliases(env: NodeJS.ProcessEnv = process.env): Map<string, string> {
  const read = readBoundedFile(repositoriesFilePath(env), MAX_REPOSITORIES_FILE_BYTES);
  return read.ok ? parseRepositoryAliases(read.bytes.toString('utf8')) : new Map();
}
