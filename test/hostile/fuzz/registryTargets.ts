// Fuzz targets for the parsers added with registries, container policies, key look-ups and Sigstore
// files in the editor: OCI manifests and configs, index.yaml, WWW-Authenticate, token replies, Docker/
// Helm config.json, policy.json, registries.d, simple-signing messages and payloads, keyserver answers,
// `.sig` / `.cert` hovers. Inputs are random text and bytes, real inputs cut and spliced, and deep
// nesting. Each property: no exception, a result with a code of that module, and the counted work
// within the default budgets (budgets.ts).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as fc from 'fast-check';
import * as openpgp from 'openpgp';
import { parseChartManifest, parseImageManifest } from '../../../server/src/oci/manifest';
import { findIndexEntry } from '../../../server/src/oci/repoIndex';
import { parseChallenge, tokenFromReply } from '../../../server/src/oci/challenge';
import { chooseCredentials, parseHelperAnswer } from '../../../server/src/oci/credentials';
import { checkPayload } from '../../../server/src/oci/cosignSignatures';
import { lintPolicy } from '../../../server/src/policy/policyLint';
import { addRegistriesFile, emptyRegistries } from '../../../server/src/policy/registriesD';
import { MAX_INFLATED_BYTES, readSignedMessage } from '../../../server/src/policy/signedMessage';
import { checkSimpleSignature, parsePayload } from '../../../server/src/policy/simpleSignature';
import { judgeServedKey } from '../../../server/src/keyLookup/servedKey';
import { certificateFileLines, signatureFileLines } from '../../../server/src/lsp/sigstoreHover';
import { parseKeyring } from '../../../server/src/provenance/keyring';
import { resetWork, workDone } from '../../../server/src/provenance/work';
import { signedKeys } from '../../support/tools';
import { DEFAULT_BUDGETS, overBudget } from '../budgets';
import type { FuzzTarget } from './targets';

/** `seed` cut at two places with `insert` between: truncations, splices and duplications of real input. */
const spliced = (seeds: string[]) => fc.tuple(fc.constantFrom(...seeds), fc.nat(), fc.nat(), fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('[', '{', '"', '\\', '&a', '*a', '\u0000', ':', '- ', '\n  '))).map(([seed, a, b, insert]) => {
  const i = a % (seed.length + 1);
  const j = b % (seed.length + 1);
  return seed.slice(0, Math.min(i, j)) + insert + seed.slice(Math.max(i, j));
});
const deepNesting = fc.tuple(fc.constantFrom('[', '{"a":', '- ', '{"critical":'), fc.integer({ min: 90, max: 20_000 })).map(([open, n]) => open.repeat(n));
/** A JSON seed with one field's value made a balanced nest of `levels` arrays: valid JSON, absurdly deep. */
const deepField = (seeds: string[]) => fc.tuple(fc.constantFrom(...seeds), fc.nat(), fc.integer({ min: 90, max: 200_000 })).map(([seed, pick, levels]) => {
  const keys = [...seed.matchAll(/"([^"\\]+)":/g)];
  if (!keys.length) return seed;
  const m = keys[pick % keys.length];
  return seed.slice(0, m.index! + m[0].length) + `${'['.repeat(levels)}${']'.repeat(levels)},"_":` + seed.slice(m.index! + m[0].length);
});
const textOf = (seeds: string[]) => fc.oneof({ weight: 4, arbitrary: spliced(seeds) }, { weight: 2, arbitrary: deepField(seeds) }, fc.json({ maxDepth: 5 }), fc.string({ unit: 'binary', maxLength: 300 }), deepNesting);

/** Runs `check` with the work meter reset, then requires the work to stay within the default budgets. */
async function withinBudgets(check: () => unknown): Promise<void> {
  resetWork();
  await check();
  assert.deepEqual(overBudget(workDone(), DEFAULT_BUDGETS), []);
}

const codeOf = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error!.code);

const DIGEST = `sha256:${'a'.repeat(64)}`;
const MANIFEST = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: DIGEST, size: 117 }, layers: [{ mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', digest: DIGEST, size: 3000, annotations: { 'org.opencontainers.image.title': 'x' } }, { mediaType: 'application/vnd.cncf.helm.chart.provenance.v1.prov', digest: DIGEST, size: 900 }], annotations: { 'org.opencontainers.image.version': '1.2.3' } });
const INDEX = `apiVersion: v1\nentries:\n  devapp:\n  - name: devapp\n    version: 1.2.3\n    digest: ${'a'.repeat(64)}\n    urls:\n    - https://example.org/devapp-1.2.3.tgz\n  - &v\n    version: 1.2.4\n    urls: [devapp-1.2.4.tgz]\n  other: [*v, *v]\ngenerated: "2026-01-01T00:00:00Z"\n`;
const CHALLENGES = ['Bearer realm="https://auth.example.org/token",service="registry.example.org",scope="repository:charts/devapp:pull"', 'Basic realm="x", Bearer realm=https://a/b', 'Bearer realm="a\\"b\\\\",scope=x, Basic'];
const CONFIG_JSON = JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: Buffer.from('u:p').toString('base64') }, 'quay.io': { username: 'u', password: 'p' }, 'ghcr.io': { identitytoken: 't' } }, credHelpers: { 'gcr.io': 'gcloud' }, credsStore: '' });
const POLICY = JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: { 'quay.io/org': [{ type: 'signedBy', keyType: 'GPGKeys', keyData: 'AAAA', signedIdentity: { type: 'matchRepository' } }], 'quay.io/org/app:1': [{ type: 'sigstoreSigned', keyPath: '/k.pub', signedIdentity: { type: 'remapIdentity', prefix: 'quay.io', signedPrefix: 'mirror.io' } }], '*.example.org': [{ type: 'insecureAcceptAnything' }] }, 'docker-daemon': { '': [{ type: 'insecureAcceptAnything' }] } } }, null, 2);
const SIMPLE_SIGNING = JSON.stringify({ critical: { type: 'atomic container signature', image: { 'docker-manifest-digest': DIGEST }, identity: { 'docker-reference': 'quay.io/org/app:1' } }, optional: null });
const REGISTRIES = 'default-docker:\n  lookaside: file:///var/lib/containers/sigstore\ndocker:\n  quay.io/org:\n    lookaside: https://sigs.example.org\n    use-sigstore-attachments: true\n  &a ghcr.io: {sigstore: https://x}\n';

const manifestTarget: FuzzTarget = {
  name: 'OCI manifests and configs, index.yaml (parseChartManifest, findIndexEntry)',
  async property() {
    return fc.asyncProperty(textOf([MANIFEST]), textOf([INDEX]), fc.constantFrom('devapp', 'other', '__proto__'), async (manifest, index, chart) => withinBudgets(() => {
      assert.match(codeOf(parseImageManifest(Buffer.from(manifest))), /^(ok|manifest-invalid)$/);
      assert.match(codeOf(parseChartManifest(Buffer.from(manifest), 'application/vnd.oci.image.index.v1+json')), /^(ok|manifest-invalid)$/);
      const entry = findIndexEntry(Buffer.from(index), 'https://example.org/charts', chart, '1.2.3');
      assert.match(codeOf(entry), /^(ok|repo-index-invalid)$/);
      if (entry.ok) assert.match(entry.value.url, /^[a-z][a-z0-9+.-]*:/);
    }));
  },
};

const authTarget: FuzzTarget = {
  name: 'WWW-Authenticate, token replies, config.json and helper answers (parseChallenge, chooseCredentials)',
  async property() {
    return fc.asyncProperty(textOf(CHALLENGES), textOf([CONFIG_JSON, '{"token":"abc","access_token":"x"}', '{"Username":"u","Secret":"s"}', SIMPLE_SIGNING]), fc.constantFrom('quay.io', 'docker.io', 'gcr.io', 'ghcr.io', '__proto__'), async (header, json, registry) => withinBudgets(() => {
      const challenge = parseChallenge([header, header]);
      if (challenge?.scheme === 'bearer') assert.ok(challenge.realm.length > 0);
      const token = tokenFromReply(Buffer.from(json));
      if (token !== undefined) assert.match(token, /^[\x21-\x7e]+$/);
      assert.match(codeOf(chooseCredentials([{ path: '/home/u/.docker/config.json', bytes: Buffer.from(json) }], registry)), /^(ok|registry-credentials-failed)$/);
      assert.match(codeOf(parseHelperAnswer(Buffer.from(json), 'pass')), /^(ok|registry-credentials-failed)$/);
      assert.match(codeOf(checkPayload(Buffer.from(json), DIGEST)), /^(ok|digest-mismatch|bundle-malformed)$/);
    }));
  },
};

const policyTarget: FuzzTarget = {
  name: 'policy.json and registries.d (lintPolicy, addRegistriesFile)',
  async property() {
    return fc.asyncProperty(textOf([POLICY]), textOf([REGISTRIES]), async (policy, registries) => withinBudgets(async () => {
      const lint = await lintPolicy(policy, { checkKeyFiles: false });
      for (const p of lint.problems) assert.match(p.code, /^(policy|registries|docker|json|yaml)-|^[a-z-]+$/);
      const config = emptyRegistries();
      addRegistriesFile(config, '/etc/containers/registries.d/x.yaml', registries);
      for (const p of config.problems.get('/etc/containers/registries.d/x.yaml') ?? []) assert.equal(typeof p.code, 'string');
    }));
  },
};

type ByteMutation = { at: number; op: 'flip' | 'cut' | 'insert'; byte: number };
const byteMutations = fc.array(fc.record({ at: fc.nat(), op: fc.constantFrom('flip' as const, 'cut' as const, 'insert' as const), byte: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 4 });
function mutate(data: Uint8Array, mutations: ByteMutation[]): Buffer {
  let out = Buffer.from(data);
  for (const m of mutations) {
    const at = m.at % Math.max(out.length, 1);
    if (m.op === 'flip') { if (out.length) out[at] ^= m.byte; }
    else if (m.op === 'cut') out = out.subarray(0, at);
    else out = Buffer.concat([out.subarray(0, at), Uint8Array.of(m.byte), out.subarray(at)]);
  }
  return out;
}

const signatureTarget: FuzzTarget = {
  name: 'simple-signing messages and keyserver answers (readSignedMessage, checkSimpleSignature, judgeServedKey)',
  async property() {
    const now = new Date();
    const secret = await openpgp.readPrivateKey({ binaryKey: fs.readFileSync(path.join(signedKeys, 'ed25519.sec.gpg')) });
    const payload = SIMPLE_SIGNING;
    const message = await openpgp.sign({ message: await openpgp.createMessage({ binary: Buffer.from(payload) }), signingKeys: secret, format: 'binary' }) as Uint8Array;
    const messages = [message, Buffer.concat([Uint8Array.of(0xa3, 1), zlib.deflateRawSync(message)])];
    const keys = (await parseKeyring(fs.readFileSync(path.join(signedKeys, 'ed25519.pub.gpg')), 'k', now)).keys;
    const fingerprint = fs.readFileSync(path.join(signedKeys, 'ed25519.fpr'), 'utf8').trim();
    const served = ['ed25519', 'subkey', 'revoked'].flatMap((k) => [fs.readFileSync(path.join(signedKeys, `${k}.pub.gpg`)), fs.readFileSync(path.join(signedKeys, `${k}.pub.asc`))]);
    return fc.asyncProperty(fc.constantFrom(...messages), fc.constantFrom(...served), byteMutations, fc.uint8Array({ maxLength: 300 }), async (msg, key, mutations, random) => withinBudgets(async () => {
      const bytes = mutate(msg, mutations);
      for (const input of [bytes, Buffer.from(random)]) {
        const read = readSignedMessage(input);
        if (typeof read !== 'string') assert.ok(read.content.length <= MAX_INFLATED_BYTES);
        const verdict = await checkSimpleSignature(input, keys, DIGEST, () => true, now);
        assert.match(verdict.code, /^image-/);
        // Accepted only over the exact bytes the key signed.
        if (verdict.code === 'image-accepted') assert.equal(typeof read !== 'string' && Buffer.from(read.content).toString(), payload, 'accepted a payload the key never signed');
        const parsed = parsePayload(input);
        assert.ok(typeof parsed === 'string' || typeof parsed.manifestDigest === 'string');
      }
      const judged = await judgeServedKey(mutate(key, mutations), { fingerprint }, 'https://keys.example.org', now);
      assert.match(judged.code, /^lookup-/);
      if (judged.key) assert.equal(judged.key.info.fingerprint, fingerprint);
      signatureFileLines(Buffer.from(random), 'x.sig');
      certificateFileLines(bytes, 'x.cert');
      certificateFileLines(Buffer.from(`-----BEGIN CERTIFICATE-----\n${bytes.toString('base64')}\n-----END CERTIFICATE-----\n`), 'x.cert');
    }));
  },
};

export const registryTargets: FuzzTarget[] = [manifestTarget, authTarget, policyTarget, signatureTarget];
