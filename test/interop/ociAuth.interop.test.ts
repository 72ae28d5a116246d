// A registry behind basic auth (docker-registry 2.8 with htpasswd, bcrypt): helm-prov finds the
// credentials where Helm and Docker users already have them — Helm's registry/config.json as
// `helm registry login` writes it, Docker's config.json `auths`, and a credential helper run as Docker
// runs it — and never prints them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { helmBinary, repoRoot, signedCases, signedKeyrings, tempDir } from '../support/tools';
import { startRegistry, type RunningRegistry } from '../support/registry';

const cli = path.join(repoRoot, 'bin', 'helm-prov.js');
const pubring = path.join(signedKeyrings, 'pubring.gpg');
const cacheHome = tempDir('oci-auth-cache-');
const USER = 'chartbot';
const PASSWORD = 'S3cret-pa55word-never-shown';
const secrets = [PASSWORD, Buffer.from(`${USER}:${PASSWORD}`).toString('base64')];

let registry: RunningRegistry;
/** Helm's registry config after a real `helm registry login`. */
let helmRegistryConfig: string;

function helmProv(args: string[], env: NodeJS.ProcessEnv = {}) {
  const home = tempDir('oci-auth-home-');
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: home, GNUPGHOME: tempDir('empty-gnupg-'), XDG_CACHE_HOME: cacheHome, ...env } });
  for (const s of secrets) assert.ok(!(r.stdout + r.stderr).includes(s), 'a credential was printed');
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function helm(args: string[], env: NodeJS.ProcessEnv, input?: string) {
  return spawnSync(helmBinary(), args, { input, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
}

before(async () => {
  registry = await startRegistry({ user: USER, password: PASSWORD });
  const home = tempDir('oci-auth-helm-');
  const env = { HOME: home, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home };
  const login = helm(['registry', 'login', registry.host, '--username', USER, '--password-stdin', '--plain-http'], env, PASSWORD);
  assert.equal(login.status, 0, login.stderr);
  helmRegistryConfig = path.join(home, 'registry', 'config.json');
  assert.ok(fs.existsSync(helmRegistryConfig), 'helm registry login wrote registry/config.json');
  const dir = tempDir('oci-auth-chart-');
  for (const f of fs.readdirSync(path.join(signedCases, 'valid-ed25519'))) fs.copyFileSync(path.join(signedCases, 'valid-ed25519', f), path.join(dir, f));
  const pushed = helm(['push', path.join(dir, 'devapp-1.2.3.tgz'), `oci://${registry.host}/charts`, '--plain-http'], env);
  assert.equal(pushed.status, 0, pushed.stderr);
});
after(async () => { await registry.stop(); });

const ref = () => `oci://${registry.host}/charts/devapp:1.2.3`;

describe('basic auth', () => {
  test('without credentials the registry refuses: registry-auth-failed, saying how to log in', () => {
    const r = helmProv(['verify', ref(), '--plain-http', '--keyring', pubring]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /rejected \(registry-auth-failed\)\n.*anonymously \(no credentials found: helm registry login, or docker login\): HTTP 401/);
  });

  test("Helm's registry/config.json as helm registry login wrote it (HELM_REGISTRY_CONFIG)", () => {
    const r = helmProv(['verify', ref(), '--plain-http', '--keyring', pubring], { HELM_REGISTRY_CONFIG: helmRegistryConfig });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /: verified\n/);
  });

  test("Docker's config.json auths entry (DOCKER_CONFIG)", () => {
    const docker = tempDir('oci-docker-');
    fs.writeFileSync(path.join(docker, 'config.json'), JSON.stringify({ auths: { [`http://${registry.host}`]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } }));
    const r = helmProv(['verify', ref(), '--plain-http', '--keyring', pubring], { DOCKER_CONFIG: docker });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  test('a wrong password is registry-auth-failed, naming where the credentials came from, not what they are', () => {
    const docker = tempDir('oci-docker-');
    fs.writeFileSync(path.join(docker, 'config.json'), JSON.stringify({ auths: { [registry.host]: { username: USER, password: 'wrong' } } }));
    const r = helmProv(['verify', ref(), '--plain-http', '--json'], { DOCKER_CONFIG: docker });
    assert.equal(r.status, 1);
    assert.equal(JSON.parse(r.stdout).code, 'registry-auth-failed');
    assert.ok(!r.stdout.includes('wrong'));
  });

  test('a credential helper named by credsStore is run as Docker runs it: `get`, the registry on stdin', () => {
    const bin = tempDir('oci-helper-bin-');
    const seen = path.join(bin, 'seen');
    fs.writeFileSync(path.join(bin, 'docker-credential-testhelper'),
      `#!/bin/sh\n[ "$1" = get ] || exit 3\ncat > ${seen}\nprintf '{"ServerURL":"x","Username":"${USER}","Secret":"${PASSWORD}"}'\n`, { mode: 0o755 });
    const docker = tempDir('oci-docker-');
    fs.writeFileSync(path.join(docker, 'config.json'), JSON.stringify({ credsStore: 'testhelper' }));
    const r = helmProv(['verify', ref(), '--plain-http', '--keyring', pubring], { DOCKER_CONFIG: docker, PATH: `${bin}:${process.env.PATH}` });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(fs.readFileSync(seen, 'utf8'), registry.host);
  });

  test('a credential helper that is not installed is registry-credentials-failed', () => {
    const docker = tempDir('oci-docker-');
    fs.writeFileSync(path.join(docker, 'config.json'), JSON.stringify({ credHelpers: { [registry.host]: 'absent' } }));
    const r = helmProv(['verify', ref(), '--plain-http'], { DOCKER_CONFIG: docker });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /docker-credential-absent named in the credentials file is not on PATH\. \[registry-credentials-failed\]/);
  });

  test('helm-prov push with the credentials helm registry login wrote; helm pull --verify reads it back', () => {
    const dir = tempDir('oci-auth-push-');
    for (const f of fs.readdirSync(path.join(signedCases, 'valid-ed25519'))) fs.copyFileSync(path.join(signedCases, 'valid-ed25519', f), path.join(dir, f));
    const r = helmProv(['push', path.join(dir, 'devapp-1.2.3.tgz'), `oci://${registry.host}/ours`, '--plain-http'], { HELM_REGISTRY_CONFIG: helmRegistryConfig });
    assert.equal(r.status, 0, r.stderr);
    const pulled = helm(['pull', `oci://${registry.host}/ours/devapp`, '--version', '1.2.3', '--plain-http', '--verify', '--keyring', pubring, '-d', tempDir(), '--registry-config', helmRegistryConfig], { HOME: tempDir() });
    assert.equal(pulled.status, 0, pulled.stderr);
  });
});
