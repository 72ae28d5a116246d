// Charts in a real OCI registry (docker-registry 2.8 on loopback) with the real Helm 4.1.4: what
// `helm push` stores, helm-prov verifies; what `helm-prov push` stores, `helm pull --verify` accepts and
// is what `helm push` stores byte for byte (all but the creation time); tampered artifacts are refused
// with the right code.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { helmBinary, repoRoot, signedCases, signedKeyrings, tempDir } from '../support/tools';
import { startRegistry, type RunningRegistry } from '../support/registry';
import { RegistryClient } from '../../server/src/oci/registryClient';
import { makeTransport } from '../../server/src/oci/transport';
import { helmArtifact } from '../../server/src/oci/helmArtifact';
import { readChartArchiveBytes } from '../../server/src/provenance/archive';

const cli = path.join(repoRoot, 'bin', 'helm-prov.js');
const pubring = path.join(signedKeyrings, 'pubring.gpg');
const cacheHome = tempDir('oci-cli-cache-');
const ed25519 = path.join(signedCases, 'valid-ed25519', 'devapp-1.2.3.tgz');
const rsaProv = path.join(signedCases, 'valid-rsa2048', 'devapp-1.2.3.tgz.prov');

function helmProv(args: string[], env: NodeJS.ProcessEnv = {}) {
  const home = tempDir('oci-home-');
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: home, GNUPGHOME: tempDir('empty-gnupg-'), XDG_CACHE_HOME: cacheHome, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The real helm, with its own empty config, cache and data folders. */
function helm(args: string[], cwd?: string) {
  const home = tempDir('oci-helm-home-');
  const r = spawnSync(helmBinary(), args, { cwd, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: home, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function sha256(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

let registry: RunningRegistry;
let client: RegistryClient;
before(async () => {
  registry = await startRegistry();
  client = new RegistryClient(registry.host, { plainHttp: true, transport: makeTransport() });
});
after(async () => { await registry.stop(); });

/** Raw GET of a manifest or blob from the registry (what is stored, byte for byte). */
async function stored(repository: string, what: 'manifests' | 'blobs', ref: string): Promise<Buffer> {
  const res = await fetch(`http://${registry.host}/v2/${repository}/${what}/${ref}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  assert.equal(res.status, 200, `${repository} ${what} ${ref}`);
  return Buffer.from(await res.arrayBuffer());
}

/** Copies a signed case to a scratch folder (helm push reads x.tgz.prov beside x.tgz). */
function signedChart(c: string): string {
  const dir = tempDir('oci-chart-');
  for (const f of fs.readdirSync(path.join(signedCases, c))) fs.copyFileSync(path.join(signedCases, c, f), path.join(dir, f));
  return path.join(dir, 'devapp-1.2.3.tgz');
}

describe('helm push → helm-prov verify oci://', () => {
  test('a chart Helm pushed with its .prov verifies, and the manifest digest is the one helm push printed', () => {
    const pushed = helm(['push', signedChart('valid-ed25519'), `oci://${registry.host}/helm`, '--plain-http']);
    assert.equal(pushed.status, 0, pushed.stderr);
    const helmDigest = /Digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout + pushed.stderr)![1];
    const r = helmProv(['verify', `oci://${registry.host}/helm/devapp:1.2.3`, '--plain-http', '--keyring', pubring]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /: verified\nSigned by: dev Edwards <ed25519@dev\.example>\nUsing Key With Fingerprint: 58E19B6A33FD57CDC9AEF11E12F8225365AE8490\nChart Hash Verified: sha256:64aa6a23/);
    assert.ok(r.stdout.includes(`Manifest Digest: ${helmDigest}`), r.stdout);
  });

  test('nothing is written without --destination; with it, the verified chart and .prov land there', () => {
    const cwd = tempDir('oci-cwd-');
    const r = spawnSync(process.execPath, [cli, 'verify', `oci://${registry.host}/helm/devapp:1.2.3`, '--plain-http', '--keyring', pubring, '--json'], { cwd, encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: cacheHome } });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(cwd), []);
    const out = JSON.parse(r.stdout);
    assert.equal(out.code, 'verified');
    assert.equal(out.chartDigest, sha256(fs.readFileSync(ed25519)));
    const dest = tempDir('oci-dest-');
    const saved = helmProv(['verify', `oci://${registry.host}/helm/devapp:1.2.3`, '--plain-http', '--keyring', pubring, '-d', dest]);
    assert.equal(saved.status, 0, saved.stderr);
    assert.deepEqual(fs.readdirSync(dest).sort(), ['devapp-1.2.3.tgz', 'devapp-1.2.3.tgz.prov']);
    assert.deepEqual(fs.readFileSync(path.join(dest, 'devapp-1.2.3.tgz')), fs.readFileSync(ed25519));
  });

  test('several references in one run: one result each, in the order given; exit 1 when any is rejected', () => {
    const good = `oci://${registry.host}/helm/devapp:1.2.3`;
    const absent = `oci://${registry.host}/helm/devapp:9.9.9`;
    const r = helmProv(['verify', good, absent, good, '--plain-http', '--keyring', pubring, '--json']);
    assert.equal(r.status, 1);
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => { const o = JSON.parse(l); return [o.reference, o.code]; }),
      [[good, 'verified'], [absent, 'registry-not-found'], [good, 'verified']]);
  });

  test('a key outside the keyrings is unknown-signer, as for the files on disk', () => {
    const r = helmProv(['verify', `oci://${registry.host}/helm/devapp:1.2.3`, '--plain-http', '--json']);
    assert.equal(r.status, 1);
    assert.equal(JSON.parse(r.stdout).code, 'unknown-signer');
  });
});

describe('helm-prov push → helm pull --verify', () => {
  test('helm pull --verify accepts what helm-prov pushed', () => {
    const r = helmProv(['push', signedChart('valid-ed25519'), `oci://${registry.host}/ours`, '--plain-http']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Pushed: ${registry.host.replace(/\./g, '\\.')}/ours/devapp:1.2.3\nDigest: sha256:[0-9a-f]{64}`));
    const dest = tempDir('oci-pull-');
    const pulled = helm(['pull', `oci://${registry.host}/ours/devapp`, '--version', '1.2.3', '--plain-http', '--verify', '--keyring', pubring, '-d', dest]);
    assert.equal(pulled.status, 0, pulled.stderr);
    assert.match(pulled.stdout + pulled.stderr, /Chart Hash Verified: sha256:64aa6a23/);
  });

  test('the manifest and config are what helm push stores, byte for byte (the creation time aside)', async () => {
    // A chart with every field Helm annotates from, and characters Go's JSON escapes (<, >, &, U+2028).
    const src = tempDir('oci-src-');
    const chartDir = path.join(src, 'rich');
    fs.mkdirSync(path.join(chartDir, 'templates'), { recursive: true });
    fs.writeFileSync(path.join(chartDir, 'Chart.yaml'), [
      'apiVersion: v2', 'name: rich', 'version: 0.3.0+build.7', 'appVersion: "2.0"', 'description: "Tags <b> & \\u2028 \\"quoted\\""',
      'home: https://example.com/rich', 'sources: [https://git.example/rich, https://mirror.example/rich]', 'keywords: [a, b]',
      'maintainers:', '  - name: Ann', '    email: ann@example.com', '  - name: Bob', '  - email: only@example.com',
      'annotations:', '  org.opencontainers.image.title: ignored', '  zeta: "z"', '  alpha: "<a>"', 'kubeVersion: ">=1.20"',
      'dependencies:', '  - name: sub', '    version: 1.0.0', '    repository: oci://example.com/charts', '    import-values: [{child: a, parent: b}, x]',
      'type: application', '',
    ].join('\n'));
    fs.writeFileSync(path.join(chartDir, 'templates', 'cm.yaml'), 'kind: ConfigMap\n');
    fs.mkdirSync(path.join(chartDir, 'charts'));
    const sub = path.join(src, 'sub');
    fs.mkdirSync(sub);
    fs.writeFileSync(path.join(sub, 'Chart.yaml'), 'apiVersion: v2\nname: sub\nversion: 1.0.0\n');
    assert.equal(helm(['package', sub, '-d', path.join(chartDir, 'charts')]).status, 0);
    const packaged = helm(['package', chartDir, '-d', src]);
    assert.equal(packaged.status, 0, packaged.stderr);
    const archive = path.join(src, 'rich-0.3.0+build.7.tgz');
    assert.equal(helm(['push', archive, `oci://${registry.host}/byhelm`, '--plain-http']).status, 0);
    assert.equal(helmProv(['push', archive, `oci://${registry.host}/byus`, '--plain-http']).status, 0);
    const helmManifest = await stored('byhelm/rich', 'manifests', '0.3.0_build.7');
    const ours = await stored('byus/rich', 'manifests', '0.3.0_build.7');
      const created = (b: Buffer) => b.toString('utf8').replace(/"org\.opencontainers\.image\.created":"[^"]+"/, '"org.opencontainers.image.created":"T"');
      assert.equal(created(ours), created(helmManifest));
      const config = JSON.parse(helmManifest.toString('utf8')).config.digest as string;
      assert.deepEqual(await stored('byus/rich', 'blobs', config), await stored('byhelm/rich', 'blobs', config));
      assert.match(helmManifest.toString('utf8'), /\\u003cb\\u003e \\u0026/);
      // The engine's own artifact for the same chart, at the creation time Helm wrote, is Helm's manifest exactly.
      const bytes = fs.readFileSync(archive);
      const meta = readChartArchiveBytes(bytes, archive);
      assert.ok(meta.ok);
      const when = new Date(JSON.parse(helmManifest.toString('utf8')).annotations['org.opencontainers.image.created']);
      assert.deepEqual(helmArtifact(meta.value.metadata, bytes, undefined, when).manifest, helmManifest);
  });
});

describe('tampered charts in the registry', () => {
  test('a .prov layer replaced by one signed for another digest is hash-mismatch (and Helm refuses it too)', async () => {
    const chart = fs.readFileSync(ed25519);
    const meta = readChartArchiveBytes(chart, 'devapp-1.2.3.tgz');
    assert.ok(meta.ok);
    const { pushChart, pushTarget } = await import('../../server/src/oci/pushChart');
    const target = pushTarget(`oci://${registry.host}/swapped`, meta.value.metadata);
    assert.ok(target.ok);
    const pushed = await pushChart(client, target.value, meta.value.metadata, chart, fs.readFileSync(rsaProv), new Date());
    assert.ok(pushed.ok, JSON.stringify(pushed));
    const r = helmProv(['verify', `oci://${registry.host}/swapped/devapp:1.2.3`, '--plain-http', '--keyring', pubring, '--json']);
    assert.equal(r.status, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.code, 'hash-mismatch');
    assert.equal(out.openpgp.digest.expected, '9bf7d7059795e1d403b6dcefb5e773c4d222be91aee5e0d7ab175f5bc2ec4da8');
    const theirs = helm(['pull', `oci://${registry.host}/swapped/devapp`, '--version', '1.2.3', '--plain-http', '--verify', '--keyring', pubring, '-d', tempDir()]);
    assert.notEqual(theirs.status, 0);
    assert.match(theirs.stderr, /sha256 sum does not match/);
  });

  test('a manifest whose chart layer descriptor lies about the blob is refused before the chart is parsed', async () => {
    const chart = fs.readFileSync(ed25519);
    const meta = readChartArchiveBytes(chart, 'x');
    assert.ok(meta.ok);
    const a = helmArtifact(meta.value.metadata, chart, fs.readFileSync(`${ed25519}.prov`), new Date());
    for (const blob of [a.config, a.chart, a.prov!]) assert.ok((await client.pushBlob('lying/devapp', blob.bytes, blob.descriptor.digest, 'blob')).ok);
    // The registry checks that the blob exists, not the size a manifest claims for it.
    const lie = Buffer.from(a.manifest.toString('utf8').replace(`"size":${chart.length}`, `"size":${chart.length - 100}`));
    assert.notDeepEqual(lie, a.manifest);
    assert.ok((await client.pushManifest('lying/devapp', '1.2.3', lie, 'application/vnd.oci.image.manifest.v1+json')).ok);
    const r = helmProv(['verify', `oci://${registry.host}/lying/devapp:1.2.3`, '--plain-http', '--keyring', pubring, '--json']);
    assert.equal(r.status, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.code, 'blob-too-large');
    assert.equal(out.openpgp, null, 'no OpenPGP check ran: the chart was never parsed');
  });

  test('a pinned digest that is not the tag\'s manifest is refused (registry-not-found), the right one verifies', () => {
    const ok = helmProv(['verify', `oci://${registry.host}/helm/devapp:1.2.3`, '--plain-http', '--keyring', pubring, '--json']);
    const digest = JSON.parse(ok.stdout).manifestDigest as string;
    const pinned = helmProv(['verify', `oci://${registry.host}/helm/devapp@${digest}`, '--plain-http', '--keyring', pubring, '--json']);
    assert.equal(JSON.parse(pinned.stdout).code, 'verified', pinned.stdout);
    const wrong = helmProv(['verify', `oci://${registry.host}/helm/devapp@sha256:${'0'.repeat(64)}`, '--plain-http', '--keyring', pubring, '--json']);
    assert.equal(JSON.parse(wrong.stdout).code, 'registry-not-found');
  });

  test('--plain-http is refused for a registry that is not on this machine; a bad reference is a usage error', () => {
    const r = helmProv(['verify', 'oci://registry.example.com/charts/x:1.0.0', '--plain-http']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /plain HTTP is only for a registry or repository on this machine/);
    assert.equal(helmProv(['verify', 'oci://Registry/UPPER:1']).status, 2);
  });
});
