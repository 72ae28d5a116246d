// Hostile container policies, registries.d files and image signatures (issue 16): nesting and size
// bombs refused before the parser, a reference made to backtrack, an alias bomb in registries.d, a key
// "file" that is a device, and a simple signature that inflates without end. Each is refused with its
// code within the documented limits (docs/security.md, "Container policies").
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { lintPolicy } from '../../../server/src/policy/policyLint';
import { loadRegistriesDir } from '../../../server/src/policy/registriesD';
import { MAX_INFLATED_BYTES } from '../../../server/src/policy/signedMessage';
import { MAX_POLICY_BYTES } from '../../../server/src/policy/sourceText';
import { checkSimpleSignature } from '../../../server/src/policy/simpleSignature';
import type { HostileCase, Observation } from '../harness';

const POLICY = 'policy.json';

async function lint(dir: string): Promise<Observation> {
  const file = path.join(dir, POLICY);
  const { problems } = await lintPolicy(fs.readFileSync(file, 'utf8'), { file });
  const first = problems.find((p) => p.severity === 'error');
  return { code: first?.code ?? 'ok', message: first?.message, details: { findings: problems.length } };
}

function policyCase(name: string, text: () => string): HostileCase {
  return { name, setup: async (dir) => fs.writeFileSync(path.join(dir, POLICY), text()), run: lint, budgets: { 'yaml-bytes': MAX_POLICY_BYTES, 'yaml-steps': 2 * MAX_POLICY_BYTES } };
}

const keyPathPolicy = (keyPath: string) => JSON.stringify({ default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath }] });

export const policyCases: HostileCase[] = [
  policyCase('policy-json-deep-nesting_fail', () => `{"default": ${'['.repeat(50_000)}${']'.repeat(50_000)}}`),
  policyCase('policy-json-many-nodes_fail', () => `{"default": [${Array.from({ length: 60_000 }, () => '{"type":"reject"}').join(',')}]}`),
  policyCase('policy-scope-backtracking_fail', () => JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`quay.io/${'a'.repeat(400)}${i}!`, [{ type: 'reject' }]])) } })),
  policyCase('policy-many-scopes', () => JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`quay.io/org/app${i}`, [{ type: 'insecureAcceptAnything' }]])) } })),
  {
    name: 'policy-keypath-dev-zero_fail',
    setup: async (dir) => fs.writeFileSync(path.join(dir, POLICY), keyPathPolicy('/dev/zero')),
    run: lint,
  },
  {
    name: 'registries-d-alias-bomb_fail',
    async setup(dir) {
      const laughs = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(', ')}]`)];
      fs.mkdirSync(path.join(dir, 'registries.d'));
      fs.writeFileSync(path.join(dir, 'registries.d', 'bomb.yaml'), `${laughs.join('\n')}\ndocker:\n  quay.io: *i\n`);
    },
    async run(dir) {
      const config = loadRegistriesDir(path.join(dir, 'registries.d'));
      if (typeof config === 'string') return { code: 'registries-invalid', message: config };
      const first = [...config.problems.values()].flat().find((p) => p.severity === 'error');
      return { code: first?.code ?? 'ok', message: first?.message };
    },
  },
  {
    name: 'image-signature-compression-bomb_fail',
    async setup(dir) {
      // A compressed packet (old format, indeterminate length, ZIP) inflating to 256 MiB of zeros.
      const zeros = zlib.deflateRawSync(Buffer.alloc(256 * 1024 * 1024), { level: 9 });
      fs.writeFileSync(path.join(dir, 'signature-1'), Buffer.concat([Uint8Array.of(0xa3, 0x01), zeros]));
    },
    async run(dir) {
      const v = await checkSimpleSignature(fs.readFileSync(path.join(dir, 'signature-1')), [], `sha256:${'0'.repeat(64)}`, () => true, new Date());
      return { code: v.code, message: v.message, verdict: 'rejected' };
    },
    budgets: { 'bytes-inflated': MAX_INFLATED_BYTES },
  },
];
