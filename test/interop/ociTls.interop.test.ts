// A registry that speaks TLS only (docker-registry 2.8 with a self-signed certificate for 127.0.0.1
// made by openssl in setup): helm-prov trusts the system CAs, plus the one --ca-file names.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, signedCases, signedKeyrings, tempDir } from '../support/tools';
import { loopbackCertificate, startRegistry, type RunningRegistry } from '../support/registry';

const cli = path.join(repoRoot, 'bin', 'helm-prov.js');
const pubring = path.join(signedKeyrings, 'pubring.gpg');
const cacheHome = tempDir('oci-tls-cache-');
let registry: RunningRegistry;
let ca: string;

function helmProv(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: tempDir(), GNUPGHOME: tempDir('empty-gnupg-'), XDG_CACHE_HOME: cacheHome } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  const certs = loopbackCertificate(tempDir('oci-tls-certs-'));
  ca = certs.cert;
  registry = await startRegistry(undefined, certs);
  const dir = tempDir('oci-tls-chart-');
  for (const f of fs.readdirSync(path.join(signedCases, 'valid-ed25519'))) fs.copyFileSync(path.join(signedCases, 'valid-ed25519', f), path.join(dir, f));
  const pushed = helmProv(['push', path.join(dir, 'devapp-1.2.3.tgz'), `oci://${registry.host}/charts`, '--ca-file', ca]);
  assert.equal(pushed.status, 0, pushed.stderr);
});
after(async () => { await registry.stop(); });

test('with --ca-file the chart pushed over TLS verifies', () => {
  const r = helmProv(['verify', `oci://${registry.host}/charts/devapp:1.2.3`, '--ca-file', ca, '--keyring', pubring, '--json']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(JSON.parse(r.stdout).code, 'verified');
});

test('without it the certificate is unknown: registry-tls-failed, pointing at --ca-file', () => {
  const r = helmProv(['verify', `oci://${registry.host}/charts/devapp:1.2.3`, '--keyring', pubring, '--json']);
  assert.equal(r.status, 1);
  const out = JSON.parse(r.stdout);
  assert.equal(out.code, 'registry-tls-failed');
  assert.match(out.message, /--ca-file/);
});

test('--plain-http to a registry that speaks only TLS is refused by it, never verified', () => {
  const r = helmProv(['verify', `oci://${registry.host}/charts/devapp:1.2.3`, '--plain-http', '--keyring', pubring, '--json']);
  assert.equal(r.status, 1);
  assert.notEqual(JSON.parse(r.stdout).verdict, 'verified');
});
