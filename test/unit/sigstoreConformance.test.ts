// The sigstore-conformance `bundle-verify` suite (test/fixtures/sigstore-conformance, see its SOURCE.md),
// driven by a runner of our own that follows the upstream pytest harness (test/client.py,
// test/conftest.py, test/test_bundle.py): every case folder is run twice, once with the artifact's path
// and once with `sha256:<digest>`, in a copy of test/assets as the working directory, with the
// arguments in the protocol's order (docs/cli_protocol.md):
//   verify-bundle [--staging] --bundle B (--key K | --certificate-identity I --certificate-oidc-issuer U) [--trusted-root T] ARTIFACT
// A case passes when the client exits 0 and its name does not end in `_fail`, or exits non-zero and it
// does. On top of the harness: a failing case must exit 1 (rejected) with the code listed below, never
// 2 (usage) or a crash. The client is `main()` of the CLI in this process (140 runs), and the real entry
// point `bin/helm-prov.js` (the esbuild bundle) for a sample.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { main } from '../../server/src/cli/helmProv';
import { fixtures, repoRoot } from '../support/tools';

const suite = path.join(fixtures, 'sigstore-conformance');
const assets = path.join(suite, 'test', 'assets');
// test/client.py
const CERTIFICATE_IDENTITY = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const CERTIFICATE_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';

/** Our code for every case that must fail: the reason, not just the refusal. */
const EXPECTED_FAIL_CODES: Record<string, string> = {
  'bundle-empty-certificate-chain_fail': 'bundle-malformed',
  'bundle-from-wrong-instance_fail': 'certificate-invalid',
  'bundle-invalid-base64-signature_fail': 'bundle-malformed',
  'bundle-malformed-json_fail': 'bundle-malformed',
  'bundle-negative-log-index_fail': 'bundle-malformed',
  'bundle-unknown-version_fail': 'bundle-malformed',
  'bundle-with-root-cert_fail': 'certificate-invalid',
  'checkpoint-bad-keyhint_fail': 'tlog-invalid',
  'checkpoint-wrong-roothash_fail': 'tlog-invalid',
  'dsse-invalid-sig_fail': 'tlog-invalid',
  'dsse-mismatch-envelope_fail': 'tlog-invalid',
  'dsse-mismatch-sig_fail': 'tlog-invalid',
  'inclusion-proof-corrupted-hash_fail': 'tlog-invalid',
  'incorrect-public-key_fail': 'tlog-invalid',
  'integrated-time-in-future_fail': 'certificate-invalid',
  'intoto-expired-certificate_fail': 'certificate-invalid',
  'intoto-log-entry-mismatch_fail': 'tlog-invalid',
  'intoto-missing-inclusion-proof_fail': 'bundle-malformed',
  'intoto-set-outside-signing-cert-validity_fail': 'certificate-invalid',
  'intoto-tsa-timestamp-outside-cert-validity_fail': 'certificate-invalid',
  'invalid-checkpoint-signature_fail': 'tlog-invalid',
  'invalid-ct-key_fail': 'certificate-invalid',
  'invalid-inclusion-proof_fail': 'bundle-malformed',
  'managed-key-no-key_fail': 'untrusted-key',
  'managed-key-wrong-key_fail': 'untrusted-key',
  'message-digest-mismatch_fail': 'digest-mismatch',
  'rekor2-checkpoint-missing-log-signature_fail': 'tlog-invalid',
  'rekor2-checkpoint-missing-origin_fail': 'tlog-invalid',
  'rekor2-checkpoint-missing-root-hash_fail': 'tlog-invalid',
  'rekor2-checkpoint-missing-size_fail': 'tlog-invalid',
  'rekor2-checkpoint-no-matching-signature_fail': 'tlog-invalid',
  'rekor2-dsse-invalid-sig_fail': 'tlog-invalid',
  'rekor2-dsse-mismatch-envelope_fail': 'tlog-invalid',
  'rekor2-dsse-mismatch-sig_fail': 'tlog-invalid',
  'rekor2-no-inclusion-proof_fail': 'bundle-malformed',
  'rekor2-no-timestamp_fail': 'no-trusted-time',
  'rekor2-timestamp-outside-trust-root-tsa-validity_fail': 'timestamp-invalid',
  'rekor2-timestamp-outside-tsa-cert-validity_fail': 'timestamp-invalid',
  'rekor2-timestamp-payload-mismatch_fail': 'timestamp-invalid',
  'rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail': 'timestamp-invalid',
  'rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail': 'timestamp-invalid',
  'rekor2-timestamp-with-incorrect-time_fail': 'certificate-invalid',
  'set-invalid-signature_fail': 'tlog-invalid',
  'signature-mismatch_fail': 'tlog-invalid',
  'trust-root-tlog-missing-validity-start_fail': 'trusted-root-invalid',
  'wrong-hashedrekord-artifact_fail': 'tlog-invalid',
  'wrong-hashedrekord-cert-and-sig_fail': 'tlog-invalid',
  'wrong-hashedrekord-entry_fail': 'tlog-invalid',
  'wrong-material_fail': 'digest-mismatch',
};

/** Where @sigstore/verify 4.1.3, driven as sigstore-js's own conformance client drives it, answers otherwise. */
const LIBRARY_DIFFERS: Record<string, { library: string; ours: string }> = {
  'trust-root-tlog-missing-validity-start_fail': { library: 'verified (a log key without validFor.start counts as valid since 1970)', ours: 'trusted-root-invalid' },
};

interface Materials { name: string; bundle: string; trustedRoot?: string; key?: string; identity: string; issuer: string; artifact: string }

/** BundleMaterials.from_dir, with paths relative to the workspace as the harness gives them. */
function materials(name: string): Materials {
  const dir = path.join('bundle-verify', name);
  const has = (f: string) => fs.existsSync(path.join(assets, dir, f));
  const text = (f: string) => fs.readFileSync(path.join(assets, dir, f), 'utf8').trim();
  return {
    name,
    bundle: path.join(dir, 'bundle.sigstore.json'),
    ...(has('trusted_root.json') ? { trustedRoot: path.join(dir, 'trusted_root.json') } : {}),
    ...(has('key.pub') ? { key: path.join(dir, 'key.pub') } : {}),
    identity: has('identity') ? text('identity') : CERTIFICATE_IDENTITY,
    issuer: has('issuer') ? text('issuer') : CERTIFICATE_OIDC_ISSUER,
    artifact: has('artifact') ? path.join(dir, 'artifact') : path.join('bundle-verify', 'a.txt'),
  };
}

/** SigstoreClient.build_verify_args. */
function verifyArgs(m: Materials, digest: boolean): string[] {
  const args = ['verify-bundle', '--bundle', m.bundle];
  if (m.key) args.push('--key', m.key);
  else args.push('--certificate-identity', m.identity, '--certificate-oidc-issuer', m.issuer);
  if (m.trustedRoot) args.push('--trusted-root', m.trustedRoot);
  args.push(digest ? `sha256:${createHash('sha256').update(fs.readFileSync(m.artifact)).digest('hex')}` : m.artifact);
  return args;
}

const shippedPublicGood = path.join(repoRoot, 'server', 'src', 'sigstore', 'data', 'public-good.trusted_root.json');
const cases = fs.readdirSync(path.join(assets, 'bundle-verify'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();

// conftest.py's `workspace` fixture: a copy of test/assets as the working directory.
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'sigstore-conformance-'));
fs.cpSync(assets, workspace, { recursive: true });
process.chdir(workspace);
// No cached TUF root of the user's may leak in: the shipped public-good root is the default.
process.env.XDG_CACHE_HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'sigstore-cache-'));

async function runClient(args: string[]): Promise<{ status: number; out: string }> {
  let out = '';
  const io = { out: (s: string) => { out += s + '\n'; }, err: (s: string) => { out += s + '\n'; }, stdin: () => '' };
  return { status: await main(args, io), out };
}

test('conformance: all 70 bundle-verify cases are here, and every _fail case has its expected code', () => {
  assert.equal(cases.length, 70);
  assert.deepEqual(cases.filter((c) => c.endsWith('_fail')), Object.keys(EXPECTED_FAIL_CODES).sort());
});

for (const name of cases) {
  for (const digest of [false, true]) {
    test(`conformance: ${name} [${digest ? 'DIGEST' : 'PATH'}]`, async () => {
      const { status, out } = await runClient(verifyArgs(materials(name), digest));
      if (name.endsWith('_fail')) {
        assert.equal(status, 1, `must be rejected (exit 1), got ${status}:\n${out}`);
        assert.match(out, new RegExp(`: rejected \\(${EXPECTED_FAIL_CODES[name]}\\)`), out);
      } else {
        assert.equal(status, 0, `must verify, got ${status}:\n${out}`);
        assert.match(out, /: verified\n/);
      }
    });
  }
}

test('conformance: the protocol entry point bin/helm-prov.js (the bundle) on a sample of cases', () => {
  const cli = path.join(repoRoot, 'bin', 'helm-prov.js');
  for (const [name, digest] of [['happy-path-v0.3', false], ['happy-path-intoto-in-dsse-v3', true], ['managed-key-happy-path', true], ['signature-mismatch_fail', false], ['trust-root-tlog-missing-validity-start_fail', true]] as const) {
    const r = spawnSync(process.execPath, [cli, ...verifyArgs(materials(name), digest)], { encoding: 'utf8', env: { ...process.env, HELM_PROV_NO_CODE_CACHE: '1' } });
    assert.equal(r.status, name.endsWith('_fail') ? 1 : 0, `${name}: ${r.stdout}${r.stderr}`);
  }
});

test('conformance: --staging trusts the shipped staging root: the suite\'s staging bundle verifies with it, and only with it', async () => {
  const m = materials('bundle-from-wrong-instance_fail');
  const args = verifyArgs(m, false);
  const staged = await runClient([args[0], '--staging', ...args.slice(1)]);
  assert.equal(staged.status, 0, staged.out);
  assert.match(staged.out, /trusted root shipped with Helm Provenance \(staging\)/);
  assert.equal((await runClient(verifyArgs(materials('happy-path-v0.3'), false).flatMap((a, i) => (i === 0 ? [a, '--staging'] : [a])))).status, 1);
});

/** The verdict of @sigstore/verify as sigstore-js's conformance client gets it: its own policy (unanchored SAN), artifact bytes. */
function libraryVerdict(m: Materials): 'verified' | 'rejected' {
  try {
    const rootJson = JSON.parse(fs.readFileSync(m.trustedRoot ?? shippedPublicGood, 'utf8'));
    const key = m.key ? createPublicKey(fs.readFileSync(m.key, 'utf8')) : undefined;
    const material = toTrustMaterial(TrustedRoot.fromJSON(rootJson), key ? () => ({ publicKey: key, validFor: () => true }) : undefined);
    const entity = toSignedEntity(bundleFromJSON(JSON.parse(fs.readFileSync(m.bundle, 'utf8'))), fs.readFileSync(m.artifact));
    new Verifier(material).verify(entity, key ? undefined : { subjectAlternativeName: m.identity, extensions: { issuer: m.issuer } });
    return 'verified';
  } catch {
    return 'rejected';
  }
}

test(`conformance: where @sigstore/verify 4.1.3 answers otherwise (${Object.entries(LIBRARY_DIFFERS).map(([c, v]) => `${c}: library ${v.library}, ours ${v.ours}`).join('; ')})`, async () => {
  const differs: Record<string, { library: string; ours: string }> = {};
  for (const name of cases) {
    const m = materials(name);
    const library = libraryVerdict(m);
    const { out } = await runClient(verifyArgs(m, false));
    const ours = /: verified\n/.test(out) ? 'verified' : /rejected \(([a-z-]+)\)/.exec(out)?.[1] ?? 'none';
    if ((library === 'verified') !== (ours === 'verified')) differs[name] = { library, ours };
  }
  assert.deepEqual(Object.fromEntries(Object.entries(differs).map(([c, v]) => [c, v.ours])), Object.fromEntries(Object.entries(LIBRARY_DIFFERS).map(([c, v]) => [c, v.ours])));
  for (const [name, v] of Object.entries(differs)) assert.equal(v.library, 'verified', `${name}: @sigstore/verify rejected it`);
});
