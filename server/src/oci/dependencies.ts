// `helm-prov deps <chart-dir>`: what each dependency in Chart.yaml is, where it is fetched from and at
// which version (Chart.lock's, else an exact version in Chart.yaml), and whether Chart.lock still
// belongs to Chart.yaml (Helm's resolver.HashReq: sha256 of json.Marshal([2][]*Dependency{req, lock})).
// Pure: the verifying is the caller's.
import { createHash } from 'node:crypto';
import type { ChartDependency, ChartLock } from '../provenance/chartMetadata';
import { isHelmSemver } from '../provenance/chartYaml';
import { helmDependenciesJson } from '../provenance/go/goJson';
import { escapeUntrusted } from '../provenance/untrustedText';

export type DependencyPlan =
  | { name: string; repository: string; kind: 'oci'; reference: string; version: string }
  | { name: string; repository: string; kind: 'repo'; url: string; version: string }
  | { name: string; repository: string; kind: 'local'; version?: string; reason: string }
  | { name: string; repository: string; kind: 'unresolved'; version?: string; reason: string };

/** Helm's digest of the dependency lists, as Chart.lock's `digest` holds it. */
export function lockDigest(req: ChartDependency[] | undefined, lock: ChartDependency[] | null): string {
  const json = `[${helmDependenciesJson(req)},${helmDependenciesJson(lock)}]`;
  return `sha256:${createHash('sha256').update(json, 'utf8').digest('hex')}`;
}

/** Where each Chart.yaml dependency comes from, and the version to check; `aliases` are repositories.yaml's names. */
export function planDependencies(deps: ChartDependency[], lock: ChartLock | undefined, aliases: Map<string, string> = new Map()): DependencyPlan[] {
  return deps.map((d): DependencyPlan => {
    const named = /^(?:@|alias:)(.*)$/.exec(d.repository ?? '');
    const repository = named && aliases.has(named[1]) ? aliases.get(named[1])! : d.repository ?? '';
    // Chart.lock records the repository as Chart.yaml wrote it, or (helm dependency update) as its URL.
    const locked = lock?.dependencies?.find((l) => l.name === d.name && (l.repository === d.repository || l.repository === repository));
    const version = locked?.version ?? (d.version && isHelmSemver(d.version) ? d.version : undefined);
    if (repository === '' || repository.startsWith('file://')) {
      return { name: d.name, repository, kind: 'local', ...(d.version ? { version: d.version } : {}), reason: 'a chart folder of this source (file://): nothing to fetch' };
    }
    if (repository.startsWith('@') || repository.startsWith('alias:')) {
      return { name: d.name, repository, kind: 'unresolved', reason: `${escapeUntrusted(repository)} names a repository that is not in your Helm repositories.yaml (helm repo add NAME URL)` };
    }
    if (version === undefined) {
      return { name: d.name, repository, kind: 'unresolved', reason: `version ${escapeUntrusted(d.version ?? '(none)')} is a range and Chart.lock does not pin it: run helm dependency update` };
    }
    if (repository.startsWith('oci://')) {
      return { name: d.name, repository, kind: 'oci', reference: `${repository.replace(/\/+$/, '')}/${d.name}:${version}`, version };
    }
    if (/^https?:\/\//.test(repository)) return { name: d.name, repository, kind: 'repo', url: repository, version };
    return { name: d.name, repository, kind: 'unresolved', version, reason: `the repository ${escapeUntrusted(repository)} is neither oci://, https:// nor file://` };
  });
}
