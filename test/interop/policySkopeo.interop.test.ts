// The runtime's own answer as the reference: Skopeo 1.9 (containers/image inside, as CRI-O and Podman)
// applies a policy.json and registries.d to an image in a real registry (Debian's docker-registry on
// loopback), signed by Skopeo through gpg; `helm-prov policy explain` + `verify-image-signature` must
// reach the same accept/reject for every policy of the table. Policies our lint calls unloadable must
// be refused by Skopeo too.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { GpgHome, repoRoot, tempDir } from '../support/tools';

const cli = path.join(repoRoot, 'bin', 'helm-prov.js');

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.error) throw r.error;
  return r;
}

function helmProv(args: string[]) {
  return run(process.execPath, [cli, ...args], { HELM_PROV_NO_CODE_CACHE: '1' });
}

/** A one-layer OCI image layout (tag `v1`) whose file says `text`; returns the folder. */
function ociLayout(dir: string, text: string): string {
  const blobs = path.join(dir, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const put = (b: Buffer) => {
    const hex = createHash('sha256').update(b).digest('hex');
    fs.writeFileSync(path.join(blobs, hex), b);
    return { digest: `sha256:${hex}`, size: b.length };
  };
  const header = Buffer.alloc(512);
  const body = Buffer.from(text);
  header.write('hello.txt');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  header.fill(' ', 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const tar = Buffer.concat([header, body, Buffer.alloc(512 - body.length), Buffer.alloc(1024)]);
  const layer = put(zlib.gzipSync(tar));
  const config = put(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${createHash('sha256').update(tar).digest('hex')}`] }, config: {} })));
  const manifest = put(Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
  })));
  fs.writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] }));
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForRegistry(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/v2/`);
      if (r.status === 200) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('docker-registry did not answer /v2/');
}

describe('policies decided by Skopeo 1.9 and by helm-prov alike', { concurrency: false }, () => {
  const dir = tempDir('policy-skopeo-');
  const gpg = new GpgHome();
  let registry: ChildProcess | undefined;
  let host = '';
  let digest = '';
  let otherDigest = '';
  const fpr: Record<'signer' | 'other', string> = { signer: '', other: '' };
  const accept = path.join(dir, 'accept.json');

  /** Skopeo signs `manifest` as `reference` with `key`; the signature's bytes. */
  function sign(manifestFile: string, reference: string, key: string): Buffer {
    const out = path.join(dir, `sig-${Math.random().toString(16).slice(2)}`);
    const r = run('skopeo', ['standalone-sign', manifestFile, reference, key, '-o', out], { GNUPGHOME: gpg.dir });
    assert.equal(r.status, 0, r.stderr);
    return fs.readFileSync(out);
  }

  before(async () => {
    for (const [name, uid] of [['signer', 'Signer <signer@example.com>'], ['other', 'Other <other@example.com>']] as const) {
      const made = gpg.run(['--passphrase', '', '--quick-gen-key', uid, 'ed25519', 'sign', 'never']);
      assert.equal(made.status, 0, made.stderr);
      fpr[name] = /^fpr:+([0-9A-F]{40}):/m.exec(gpg.run(['--with-colons', '--list-keys', uid]).stdout)![1];
      fs.writeFileSync(path.join(dir, `${name}.gpg`), spawnSync('gpg', ['--homedir', gpg.dir, '--export', fpr[name]]).stdout);
    }
    const port = await freePort();
    host = `127.0.0.1:${port}`;
    const config = path.join(dir, 'registry.yml');
    fs.writeFileSync(config, `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'registry')}\nhttp:\n  addr: ${host}\n`);
    registry = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
    await waitForRegistry(port);
    fs.writeFileSync(accept, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
    for (const [name, text] of [['img', 'hello\n'], ['other', 'another image\n']]) {
      const pushed = run('skopeo', ['--policy', accept, 'copy', '--dest-tls-verify=false', `oci:${ociLayout(path.join(dir, `oci-${name}`), text)}:v1`, `docker://${host}/test/${name}:1`]);
      assert.equal(pushed.status, 0, pushed.stderr);
      const raw = run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${host}/test/${name}:1`]);
      fs.writeFileSync(path.join(dir, `${name}.manifest.json`), raw.stdout);
      const d = `sha256:${createHash('sha256').update(raw.stdout).digest('hex')}`;
      if (name === 'img') digest = d; else otherDigest = d;
    }
  });

  after(() => {
    registry?.kill();
    gpg.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  interface Case {
    name: string;
    policy: () => unknown;
    /** The signatures in the lookaside for test/img:1, in order. */
    signatures: () => Buffer[];
    image?: string;
    accepted: boolean;
    /** Our code for the decision (verify-image-signature --json). */
    code: string;
  }
  const key = (k: 'signer' | 'other') => path.join(dir, `${k}.gpg`);
  const signedBy = (k: 'signer' | 'other', signedIdentity?: unknown) => ({ type: 'signedBy', keyType: 'GPGKeys', keyPath: key(k), ...(signedIdentity ? { signedIdentity } : {}) });
  const scoped = (requirements: unknown[], scope = () => `${host}/test/img`) => () => ({ default: [{ type: 'reject' }], transports: { docker: { [scope()]: requirements } } });
  const imgSig = (k: 'signer' | 'other', ref = () => `${host}/test/img:1`) => () => sign(path.join(dir, 'img.manifest.json'), ref(), fpr[k]);

  const cases: Case[] = [
    { name: 'reject-all default, one allowed scope, signed by the trusted key', policy: scoped([signedBy('signer')]), signatures: () => [imgSig('signer')()], accepted: true, code: 'image-accepted' },
    { name: 'reject-all default: an image outside the allowed scope', policy: scoped([signedBy('signer')]), signatures: () => [imgSig('signer')()], image: 'other', accepted: false, code: 'image-rejected-by-policy' },
    { name: 'signedBy with a key that did not sign', policy: scoped([signedBy('other')]), signatures: () => [imgSig('signer')()], accepted: false, code: 'image-signature-untrusted' },
    { name: 'signedBy with no signature at all', policy: scoped([signedBy('signer')]), signatures: () => [], accepted: false, code: 'image-no-signature' },
    { name: 'matchRepository accepts a signature for another tag', policy: scoped([signedBy('signer', { type: 'matchRepository' })]), signatures: () => [imgSig('signer', () => `${host}/test/img:other-tag`)()], accepted: true, code: 'image-accepted' },
    { name: 'the default identity rule refuses a signature for another tag', policy: scoped([signedBy('signer')]), signatures: () => [imgSig('signer', () => `${host}/test/img:other-tag`)()], accepted: false, code: 'image-identity-mismatch' },
    { name: 'exactReference names another tag', policy: () => scoped([signedBy('signer', { type: 'exactReference', dockerReference: `${host}/test/img:9` })])(), signatures: () => [imgSig('signer')()], accepted: false, code: 'image-identity-mismatch' },
    { name: 'exactReference names the signed reference', policy: () => scoped([signedBy('signer', { type: 'exactReference', dockerReference: `${host}/test/img:1` })])(), signatures: () => [imgSig('signer')()], accepted: true, code: 'image-accepted' },
    { name: 'remapIdentity: a mirror signed under its upstream name', policy: () => scoped([signedBy('signer', { type: 'remapIdentity', prefix: `${host}/test`, signedPrefix: 'upstream.example.com/test' })])(), signatures: () => [imgSig('signer', () => 'upstream.example.com/test/img:1')()], accepted: true, code: 'image-accepted' },
    { name: 'without remapIdentity the upstream name is refused', policy: scoped([signedBy('signer')]), signatures: () => [imgSig('signer', () => 'upstream.example.com/test/img:1')()], accepted: false, code: 'image-identity-mismatch' },
    { name: 'insecureAcceptAnything without signatures', policy: scoped([{ type: 'insecureAcceptAnything' }]), signatures: () => [], accepted: true, code: 'image-accepted' },
    { name: 'reject, even when signed', policy: scoped([{ type: 'reject' }]), signatures: () => [imgSig('signer')()], accepted: false, code: 'image-rejected-by-policy' },
    { name: 'a signature for the wrong manifest digest', policy: scoped([signedBy('signer')]), signatures: () => [sign(path.join(dir, 'other.manifest.json'), `${host}/test/img:1`, fpr.signer)], accepted: false, code: 'image-digest-mismatch' },
    { name: 'a signature for another image', policy: scoped([signedBy('signer')]), signatures: () => [imgSig('signer', () => `${host}/test/other:1`)()], accepted: false, code: 'image-identity-mismatch' },
    { name: 'two requirements ANDed, only one satisfied', policy: scoped([signedBy('signer'), signedBy('other')]), signatures: () => [imgSig('signer')()], accepted: false, code: 'image-signature-untrusted' },
    { name: 'two requirements ANDed, both satisfied', policy: scoped([signedBy('signer'), signedBy('other')]), signatures: () => [imgSig('signer')(), imgSig('other')()], accepted: true, code: 'image-accepted' },
    { name: 'a namespace scope (the registry host) applies when no more specific one does', policy: scoped([signedBy('signer')], () => host), signatures: () => [imgSig('signer')()], accepted: true, code: 'image-accepted' },
  ];

  for (const c of cases) {
    test(c.name, () => {
      const caseDir = tempDir('policy-case-');
      try {
        const image = c.image ?? 'img';
        const policyFile = path.join(caseDir, 'policy.json');
        fs.writeFileSync(policyFile, JSON.stringify(c.policy(), null, 2));
        const lookaside = path.join(caseDir, 'sigs');
        const sigDir = path.join(lookaside, 'test', `img@${digest.replace(':', '=')}`);
        fs.mkdirSync(sigDir, { recursive: true });
        c.signatures().forEach((s, i) => fs.writeFileSync(path.join(sigDir, `signature-${i + 1}`), s));
        const registriesD = path.join(caseDir, 'registries.d');
        fs.mkdirSync(registriesD);
        fs.writeFileSync(path.join(registriesD, 'local.yaml'), `docker:\n  ${host}:\n    lookaside: file://${lookaside}\n`);
        const ref = `${host}/test/${image}:1`;

        const skopeo = run('skopeo', ['--policy', policyFile, '--registries.d', registriesD, 'copy', '--src-tls-verify=false', `docker://${ref}`, `dir:${path.join(caseDir, 'out')}`]);
        assert.equal(skopeo.status === 0, c.accepted, `Skopeo: ${skopeo.stderr}`);

        const explained = helmProv(['policy', 'explain', policyFile, `docker://${ref}`, '--registries-d', registriesD]);
        assert.equal(explained.status, 0, explained.stderr);
        assert.match(explained.stdout, new RegExp(`read from: file://${lookaside}/test/${image}@`), explained.stdout);
        // The signedBy requirement that applies lists the keys of its keyPath.
        if (!c.image && JSON.stringify(c.policy()).includes('signer.gpg')) assert.ok(explained.stdout.includes(`key: ${fpr.signer}`), explained.stdout);
        const ours = helmProv(['verify-image-signature', '--policy', policyFile, '--registries-d', registriesD, `docker://${ref}`, '--manifest-digest', image === 'img' ? digest : otherDigest, '--json']);
        assert.equal(ours.status, c.accepted ? 0 : 1, `helm-prov: ${ours.stdout}${ours.stderr}\nSkopeo: ${skopeo.stderr}`);
        const verdict = JSON.parse(ours.stdout) as { accepted: boolean; code: string };
        assert.deepEqual([verdict.accepted, verdict.code], [c.accepted, c.code], ours.stdout);
      } finally {
        fs.rmSync(caseDir, { recursive: true, force: true });
      }
    });
  }

  // Each of these makes containers/image refuse the file; our lint must say error, and Skopeo must refuse to load it.
  const invalid: { name: string; text: () => string; code: string }[] = [
    { name: 'no default', text: () => JSON.stringify({ transports: {} }), code: 'policy-missing-field' },
    { name: 'an unknown field', text: () => JSON.stringify({ default: [{ type: 'reject' }], defaults: [] }), code: 'policy-unknown-field' },
    { name: 'an empty requirements array', text: () => JSON.stringify({ default: [] }), code: 'policy-empty-requirements' },
    { name: 'keyPath and keyData together', text: () => JSON.stringify({ default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: key('signer'), keyData: 'AAAA' }] }), code: 'policy-key-sources' },
    { name: 'an unknown keyType', text: () => JSON.stringify({ default: [{ type: 'signedBy', keyType: 'GPGKey', keyPath: key('signer') }] }), code: 'policy-keytype' },
    { name: 'an unknown requirement type', text: () => JSON.stringify({ default: [{ type: 'signedByKey' }] }), code: 'policy-unknown-type' },
    { name: 'a relative dir scope', text: () => JSON.stringify({ default: [{ type: 'reject' }], transports: { dir: { 'relative/x': [{ type: 'reject' }] } } }), code: 'policy-scope-path' },
    { name: 'a repeated key', text: () => '{"default": [{"type": "reject"}], "default": [{"type": "reject"}]}', code: 'policy-duplicate-key' },
    { name: 'exactReference without a tag', text: () => JSON.stringify({ default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: key('signer'), signedIdentity: { type: 'exactReference', dockerReference: 'quay.io/a/b' } }] }), code: 'policy-identity-invalid' },
    { name: 'not JSON', text: () => '{"default": [{"type": "reject"},]}', code: 'policy-json-invalid' },
  ];
  for (const c of invalid) {
    test(`unloadable: ${c.name}`, () => {
      const file = path.join(dir, 'invalid.json');
      fs.writeFileSync(file, c.text());
      const lint = helmProv(['policy', 'lint', file, '--json']);
      assert.equal(lint.status, 1, lint.stdout + lint.stderr);
      const codes = lint.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { code: string }).code);
      assert.ok(codes.includes(c.code), `lint codes ${codes.join(', ')}`);
      const skopeo = run('skopeo', ['--policy', file, 'copy', `oci:${path.join(dir, 'oci-img')}:v1`, `dir:${path.join(dir, 'never')}`]);
      assert.notEqual(skopeo.status, 0);
      assert.match(skopeo.stderr, /Error loading trust policy|invalid policy/, skopeo.stderr);
    });
  }

  test('newer than this runtime: a field current containers/image reads is a warning, and Skopeo 1.9 refuses it', () => {
    const file = path.join(dir, 'newer.json');
    fs.writeFileSync(file, JSON.stringify({ default: [{ type: 'sigstoreSigned', keyDatas: ['AAAA'], signedIdentity: { type: 'matchRepository' } }] }));
    const lint = helmProv(['policy', 'lint', file, '--json']);
    assert.equal(lint.status, 0, lint.stdout);
    assert.match(lint.stdout, /"code":"policy-newer-field","severity":"warning"/);
    const skopeo = run('skopeo', ['--policy', file, 'copy', `oci:${path.join(dir, 'oci-img')}:v1`, `dir:${path.join(dir, 'never')}`]);
    assert.match(skopeo.stderr, /Unknown key \\?"keyDatas\\?"/, skopeo.stderr);
  });

  test('stricter than the runtime, and why: a scope that is not fully expanded loads but never matches', () => {
    const file = path.join(dir, 'unexpanded.json');
    // The scope for "test/img" without the registry host never applies; Skopeo loads the policy and uses the default.
    fs.writeFileSync(file, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }], transports: { docker: { 'test/img': [{ type: 'reject' }] } } }));
    const lint = helmProv(['policy', 'lint', file, '--json']);
    assert.equal(lint.status, 1);
    assert.match(lint.stdout, /"code":"policy-scope-not-expanded"/);
    const skopeo = run('skopeo', ['--policy', file, 'copy', '--src-tls-verify=false', `docker://${host}/test/img:1`, `dir:${path.join(dir, 'unexpanded-out')}`]);
    assert.equal(skopeo.status, 0, `Skopeo loads it and the "reject" scope never applies: ${skopeo.stderr}`);
  });
});
