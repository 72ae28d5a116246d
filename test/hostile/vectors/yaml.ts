// Hostile YAML in Chart.yaml, reached the way it arrives from the internet: inside a chart archive with
// a `.prov` genuinely signed for it (verified, measured; the code is the archive reader's). Billion
// laughs and deep nesting are refused within the limits; `__proto__` keys stay data.
import assert from 'node:assert/strict';
import type { HostileCase } from '../harness';
import { gzip, tar, chartEntries } from '../../support/tar';
import { archiveCase } from './archive';

const BASE = 'apiVersion: v2\nname: devapp\nversion: 1.2.3\n';

/** Nine levels of nine aliases each: 9^9 nodes if expanded. */
const BILLION_LAUGHS = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
  ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(', ')}]`)].join('\n') + '\n';

function chartYamlCase(name: string, chartYaml: string, check?: HostileCase['check']): HostileCase {
  return archiveCase(name, () => gzip(tar(chartEntries('devapp', '1.2.3', chartYaml))), check);
}

export const yamlCases: HostileCase[] = [
  chartYamlCase('yaml-billion-laughs_fail', `${BASE}${BILLION_LAUGHS}`),
  chartYamlCase('yaml-deep-block-nesting_fail', `${BASE}keywords:\n${'- '.repeat(50_000)}x\n`),
  // Refused by the bracket count: the 100 KB Chart.yaml never reaches the YAML parser (only the .prov's small parts do).
  { ...chartYamlCase('yaml-deep-flow-nesting_fail', `${BASE}keywords: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`), budgets: { 'yaml-bytes': 4096 } },
  chartYamlCase('yaml-deep-indentation-nesting_fail', `${BASE}annotations:\n${Array.from({ length: 1300 }, (_, i) => `${' '.repeat(i + 1)}k:`).join('\n')} 1\n`),
  chartYamlCase('yaml-proto-keys', `${BASE}__proto__:\n  polluted: yes\nannotations:\n  __proto__: x\nmaintainers:\n- name: a\n  __proto__: {polluted: yes}\n`, (o) => {
    assert.equal(o.details?.verification, 'verified', String(o.details?.verificationMessage));
    assert.equal(o.details?.polluted, false);
  }),
];
