// cosign signatures on charts in a real registry (docker-registry 2.8; it has no referrers API, so the
// `sha256-<digest>.sig` tag scheme). No cosign binary exists here: each test lays the signature out
// exactly as cosign does — the tag, the simple-signing payload, the signature/certificate/chain/bundle
// annotations, the OCI config cosign writes — made with a key pair of this test's own (keyed) or the
// test Sigstore of test/support/sigstorePki.ts (a Fulcio-like CA, a Rekor-like log and the
// trusted_root.json that trusts exactly them: keyless). The Sigstore engine checks all of it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, signedCases, signedKeyrings, tempDir } from '../support/tools';
import { startRegistry, type RunningRegistry } from '../support/registry';
import { bundleJsonOf, ecKeyPair, TestSigstore, type KeyPair } from '../support/sigstorePki';
import { RegistryClient } from '../../server/src/oci/registryClient';
import { makeTransport } from '../../server/src/oci/transport';
import { pushChart, pushTarget } from '../../server/src/oci/pushChart';
import { readChartArchiveBytes } from '../../server/src/provenance/archive';
import { BUNDLE_ANNOTATION, CERTIFICATE_ANNOTATION, CHAIN_ANNOTATION, cosignSignatureTag, SIGNATURE_ANNOTATION, SIMPLE_SIGNING_MEDIA_TYPE, simpleSigningPayload } from '../../server/src/oci/cosignSignatures';

const cli = path.join(repoRoot, 'bin', 'helm-prov.js');
const pubring = path.join(signedKeyrings, 'pubring.gpg');
const cacheHome = tempDir('cosign-cli-cache-');
const chartFile = path.join(signedCases, 'valid-ed25519', 'devapp-1.2.3.tgz');
const IDENTITY = 'https://github.com/example/charts/.github/workflows/release.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';

let registry: RunningRegistry;
let client: RegistryClient;
const sigstore = new TestSigstore();
const cosignKey: KeyPair = ecKeyPair();
const dir = tempDir('cosign-files-');
const trustedRoot = path.join(dir, 'trusted_root.json');
const cosignPub = path.join(dir, 'cosign.pub');
/** Manifest digests of the charts pushed in setup, by repository. */
const digests: Record<string, string> = {};

function helmProv(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH, HOME: tempDir(), GNUPGHOME: tempDir('empty-gnupg-'), XDG_CACHE_HOME: cacheHome } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Each repository's chart gets its own creation time, so each manifest (and digest) is its own. */
async function pushChartTo(repo: string, withProv: boolean, created: Date): Promise<string> {
  const bytes = fs.readFileSync(chartFile);
  const meta = readChartArchiveBytes(bytes, 'x');
  assert.ok(meta.ok);
  const target = pushTarget(`oci://${registry.host}/${repo}`, meta.value.metadata);
  assert.ok(target.ok);
  const pushed = await pushChart(client, target.value, meta.value.metadata, bytes, withProv ? fs.readFileSync(`${chartFile}.prov`) : undefined, created);
  assert.ok(pushed.ok);
  return pushed.value.manifestDigest;
}

/** Stores signature layers under `sha256-<hex>.sig` as cosign does (its OCI config and manifest). */
async function storeCosignSignature(repository: string, manifestDigest: string, layers: { payload: Buffer; annotations: Record<string, string> }[]): Promise<void> {
  const descriptors = [];
  for (const l of layers) {
    const digest = `sha256:${createHash('sha256').update(l.payload).digest('hex')}`;
    assert.ok((await client.pushBlob(repository, l.payload, digest, 'payload')).ok);
    descriptors.push({ mediaType: SIMPLE_SIGNING_MEDIA_TYPE, size: l.payload.length, digest, annotations: l.annotations });
  }
  const config = Buffer.from(JSON.stringify({ architecture: '', created: '0001-01-01T00:00:00Z', history: [{ created: '0001-01-01T00:00:00Z' }], os: '', rootfs: { type: 'layers', diff_ids: descriptors.map((d) => d.digest) }, config: {} }));
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  assert.ok((await client.pushBlob(repository, config, configDigest, 'config')).ok);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: configDigest }, layers: descriptors }));
  const pushed = await client.pushManifest(repository, cosignSignatureTag(manifestDigest), manifest, 'application/vnd.oci.image.manifest.v1+json');
  assert.ok(pushed.ok, JSON.stringify(pushed));
}

/** `cosign sign --key cosign.key`: the payload signed with the key, the Rekor entry as the bundle annotation. */
function keyedLayer(repository: string, manifestDigest: string, key: KeyPair = cosignKey) {
  const payload = simpleSigningPayload(`${registry.host}/${repository}`, manifestDigest);
  const signed = sigstore.signWithKey(payload, key);
  const [entry] = Object.values(signed.rekorEntry) as Array<{ body: string; integratedTime: number; logID: string; logIndex: number; verification: { signedEntryTimestamp: string } }>;
  const bundle = { SignedEntryTimestamp: entry.verification.signedEntryTimestamp, Payload: { body: entry.body, integratedTime: entry.integratedTime, logIndex: entry.logIndex, logID: entry.logID } };
  return { payload, annotations: { [SIGNATURE_ANNOTATION]: signed.sig, [BUNDLE_ANNOTATION]: JSON.stringify(bundle) } };
}

/** Keyless `cosign sign`: a Fulcio certificate for the identity, the Rekor bundle, and the CA chain. */
function keylessLayer(repository: string, manifestDigest: string, signedDigest = manifestDigest) {
  const payload = simpleSigningPayload(`${registry.host}/${repository}`, signedDigest);
  const signed = sigstore.signBlob(payload, { identity: IDENTITY, issuer: ISSUER });
  const rootPem = `-----BEGIN CERTIFICATE-----\n${sigstore.rootCert.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
  return {
    payload,
    annotations: {
      [SIGNATURE_ANNOTATION]: signed.sig,
      [CERTIFICATE_ANNOTATION]: signed.certPem,
      [CHAIN_ANNOTATION]: rootPem,
      [BUNDLE_ANNOTATION]: JSON.stringify((signed.oldCosignBundle as { rekorBundle: unknown }).rekorBundle),
    },
  };
}

/**
 * Stands for cosign 3 attaching a Sigstore bundle as an OCI 1.1 referrer on a registry without the
 * referrers API (cosign's BUNDLE_SPEC.md): the bundle blob, a manifest with artifactType and subject,
 * and the referrers index under the `sha256-<hex>` tag. The bundle is a message signature over the
 * manifest bytes of `signedDigest`'s chart.
 */
async function attachBundle(repository: string, manifestDigest: string, signedRepository = repository): Promise<void> {
  const signed = await client.manifest(signedRepository, '1.2.3');
  assert.ok(signed.ok);
  const bundle = Buffer.from(JSON.stringify(bundleJsonOf(sigstore.signBlob(signed.value.bytes, { identity: IDENTITY, issuer: ISSUER }), signed.value.bytes)));
  const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
  const empty = Buffer.from('{}');
  for (const blob of [bundle, empty]) assert.ok((await client.pushBlob(repository, blob, sha(blob), 'blob')).ok);
  const bundleType = 'application/vnd.dev.sigstore.bundle.v0.3+json';
  const referring = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: bundleType,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha(empty), size: 2 },
    layers: [{ mediaType: bundleType, digest: sha(bundle), size: bundle.length }],
    subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifestDigest, size: 1 },
  }));
  const pushed = await client.pushManifest(repository, 'bundle-1', referring, 'application/vnd.oci.image.manifest.v1+json');
  assert.ok(pushed.ok, JSON.stringify(pushed));
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: pushed.value, size: referring.length, artifactType: bundleType }] }));
  assert.ok((await client.pushManifest(repository, manifestDigest.replace(':', '-'), index, 'application/vnd.oci.image.index.v1+json')).ok);
}

before(async () => {
  registry = await startRegistry();
  client = new RegistryClient(registry.host, { plainHttp: true, transport: makeTransport() });
  fs.writeFileSync(trustedRoot, JSON.stringify(sigstore.trustedRootJson()));
  fs.writeFileSync(cosignPub, cosignKey.publicKey.export({ format: 'pem', type: 'spki' }));
  for (const [i, repo] of ['keyed', 'keyless', 'copied', 'unsigned', 'cosignonly', 'referred', 'referredother'].entries()) digests[repo] = await pushChartTo(repo, repo !== 'cosignonly', new Date(Date.UTC(2026, 0, 1 + i)));
  assert.equal(new Set(Object.values(digests)).size, 7);
  await storeCosignSignature('keyed/devapp', digests.keyed, [keyedLayer('keyed/devapp', digests.keyed)]);
  await storeCosignSignature('keyless/devapp', digests.keyless, [keylessLayer('keyless/devapp', digests.keyless)]);
  // A valid signature of another artifact (the keyless chart), copied beside this one.
  await storeCosignSignature('copied/devapp', digests.copied, [keylessLayer('copied/devapp', digests.copied, digests.keyless)]);
  await storeCosignSignature('cosignonly/devapp', digests.cosignonly, [keylessLayer('cosignonly/devapp', digests.cosignonly)]);
  await attachBundle('referred/devapp', digests.referred);
  // A bundle over another chart's manifest, attached (subject and all) to this one.
  await attachBundle('referredother/devapp', digests.referredother, 'referred/devapp');
});
after(async () => { await registry.stop(); });

const verify = (repo: string, ...flags: string[]) => helmProv(['verify', `oci://${registry.host}/${repo}/devapp:1.2.3`, '--plain-http', '--keyring', pubring, '--trusted-root', trustedRoot, '--json', ...flags]);
const keyless = ['--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER];

describe('cosign signatures (sha256-<digest>.sig)', () => {
  test('keyed: stands for cosign sign --key cosign.key (ECDSA P-256) with its Rekor entry; verified with cosign.pub', async () => {
    const r = await verify('keyed', '--cosign-key', cosignPub);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.code, 'verified');
    assert.equal(out.openpgp.code, 'verified');
    assert.equal(out.cosign.code, 'verified');
    assert.match(out.cosign.signer.key, /^sha256:[0-9a-f]{64}$/);
    assert.equal(typeof out.cosign.tlog.logIndex, 'number');
  });

  test('keyed: another key (stands for a cosign.pub that did not sign it) is rejected by the Sigstore engine', async () => {
    const other = path.join(dir, 'other.pub');
    fs.writeFileSync(other, ecKeyPair().publicKey.export({ format: 'pem', type: 'spki' }));
    const r = await verify('keyed', '--cosign-key', other);
    assert.equal(r.status, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.cosign.verdict, 'rejected');
    assert.equal(out.code, out.cosign.code);
    assert.notEqual(out.cosign.code, 'verified');
  });

  test('keyless: stands for cosign sign with a Fulcio certificate and a Rekor bundle; verified against identity and issuer', async () => {
    const r = await verify('keyless', ...keyless);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.cosign.signer, { identity: IDENTITY, issuer: ISSUER });
    const text = await helmProv(['verify', `oci://${registry.host}/keyless/devapp:1.2.3`, '--plain-http', '--keyring', pubring, '--trusted-root', trustedRoot, ...keyless]);
    assert.match(text.stdout, new RegExp(`Cosign: verified, signed by ${IDENTITY.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(issuer ${ISSUER.replace(/[./]/g, '\\$&')}\\), Rekor log index \\d+`));
  });

  test('keyless: another identity (stands for a workflow you do not trust) is identity-mismatch', async () => {
    const r = await verify('keyless', '--certificate-identity', 'https://github.com/evil/x/.github/workflows/r.yml@refs/heads/main', '--certificate-oidc-issuer', ISSUER);
    assert.equal(JSON.parse(r.stdout).code, 'identity-mismatch');
  });

  test("a valid signature of another manifest copied beside this one is digest-mismatch (the payload names the other digest)", async () => {
    const r = await verify('copied', ...keyless);
    assert.equal(r.status, 1);
    assert.equal(JSON.parse(r.stdout).code, 'digest-mismatch');
  });

  test('no sha256-<digest>.sig tag is cosign-signature-missing, even with a good .prov', async () => {
    const r = await verify('unsigned', ...keyless);
    const out = JSON.parse(r.stdout);
    assert.equal(out.code, 'cosign-signature-missing');
    assert.equal(out.openpgp.code, 'verified');
  });

  test('a chart signed with cosign only (no .prov layer) verifies when cosign is asked for, and says OpenPGP found no .prov', async () => {
    const r = await verify('cosignonly', ...keyless);
    assert.equal(r.status, 0, r.stdout);
    const out = JSON.parse(r.stdout);
    assert.equal(out.openpgp.code, 'missing-prov');
    assert.equal(out.cosign.code, 'verified');
    const without = await helmProv(['verify', `oci://${registry.host}/cosignonly/devapp:1.2.3`, '--plain-http', '--json']);
    assert.equal(JSON.parse(without.stdout).code, 'missing-prov');
  });

  test('OCI 1.1 referrers: a Sigstore bundle attached as cosign 3 attaches it (referrers tag scheme) verifies', async () => {
    const r = await verify('referred', ...keyless);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).cosign.signer, { identity: IDENTITY, issuer: ISSUER });
  });

  test("OCI 1.1 referrers: a bundle over another chart's manifest is digest-mismatch", async () => {
    const r = await verify('referredother', ...keyless);
    assert.equal(r.status, 1);
    assert.equal(JSON.parse(r.stdout).code, 'digest-mismatch');
  });
});
