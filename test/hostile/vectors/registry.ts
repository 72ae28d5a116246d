// Hostile chart repository indexes and container policies at scale, measured in a child process of
// their own (peak memory ≤ 256 MB, counted work): a large honest index.yaml as `helm repo index` writes
// it, a flow-item bomb within the index's byte limit, and a policy.json with 100 000 scopes. The
// yaml library builds about 0.6 KB per node, so what is parsed is bounded (docs/security.md, "Registries").
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findIndexEntry } from '../../../server/src/oci/repoIndex';
import { lintPolicy } from '../../../server/src/policy/policyLint';
import type { HostileCase, Observation } from '../harness';

const INDEX = 'index.yaml';
const DIGEST = 'ab'.repeat(32);

async function readIndex(dir: string, chart: string): Promise<Observation> {
  const r = findIndexEntry(fs.readFileSync(path.join(dir, INDEX)), 'https://charts.example.org', chart, '9.3.0');
  return r.ok ? { code: 'ok', details: { url: r.value.url } } : { code: r.error.code, message: r.error.message };
}

function helmIndex(charts: number, versions: number): string {
  const parts = ['apiVersion: v1\nentries:\n'];
  for (let c = 0; c < charts; c++) {
    parts.push(`  chart${c}:\n`);
    for (let i = 0; i < versions; i++) {
      parts.push(`  - apiVersion: v2\n    appVersion: 8.0.${i}\n    created: "2024-01-01T10:00:00Z"\n    description: A chart.\n    digest: ${DIGEST}\n    keywords:\n    - database\n    maintainers:\n    - name: Someone\n      url: https://example.org\n    name: chart${c}\n    urls:\n    - https://charts.example.org/chart${c}-9.${i}.0.tgz\n    version: 9.${i}.0\n`);
    }
  }
  parts.push('generated: "2024-01-01T00:00:00Z"\n');
  return parts.join('');
}

export const registryCases: HostileCase[] = [
  {
    name: 'repo-index-large-helm-index',
    setup: async (dir) => fs.writeFileSync(path.join(dir, INDEX), helmIndex(400, 80)),
    run: (dir) => readIndex(dir, 'chart321'),
    check(o) { if (o.details?.url !== 'https://charts.example.org/chart321-9.3.0.tgz') throw new Error(`found ${String(o.details?.url)}`); },
  },
  {
    name: 'repo-index-flow-item-bomb_fail',
    setup: async (dir) => fs.writeFileSync(path.join(dir, INDEX), `entries:\n devapp:\n${`  - [${Array(60).fill('a').join(',')}]\n`.repeat(46_000)}`),
    run: (dir) => readIndex(dir, 'devapp'),
  },
  {
    name: 'policy-json-100000-scopes_fail',
    setup: async (dir) => fs.writeFileSync(path.join(dir, 'policy.json'), `{"default":[{"type":"reject"}],"transports":{"docker":{${Array.from({ length: 100_000 }, (_, i) => `"${i}":[]`).join(',')}}}}`),
    async run(dir) {
      const { problems } = await lintPolicy(fs.readFileSync(path.join(dir, 'policy.json'), 'utf8'), { checkKeyFiles: false });
      const first = problems.find((p) => p.severity === 'error');
      return { code: first?.code ?? 'ok', message: first?.message };
    },
  },
];
