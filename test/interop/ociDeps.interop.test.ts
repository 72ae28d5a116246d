// `helm-prov deps` on a chart whose Chart.lock the real `helm dependency update` wrote, against
// dependencies in a real registry (docker-registry 2.8): a signed one, an unsigned one, a local
// file:// one; then Chart.yaml edited after the lock (Helm's "out of sync").
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { helmBinary, repoRoot, signedCases, signedKeyrings, tempDir } from '../support/tools';
import { startRegistry, type RunningRegistry } from '../support/registry';

const cli = path.join(repoRoot, 'bin', 'helm-prov.js');
const pubring = path.join(signedKeyrings, 'pubring.gpg');
const cacheHome = tempDir('deps-cli-cache-');
let registry: RunningRegistry;
const work = tempDir('deps-work-');
const parent = path.join(work, 'parent');

function helm(args: string[]) {
  const home = tempDir('deps-helm-home-');
  const r = spawnSync(helmBinary(), args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: home, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home } });
  assert.equal(r.status, 0, `helm ${args.join(' ')}: ${r.stderr}`);
  return r;
}

function helmProv(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: tempDir(), GNUPGHOME: tempDir('empty-gnupg-'), XDG_CACHE_HOME: cacheHome } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function chart(dir: string, yaml: string): void {
  fs.mkdirSync(path.join(dir, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Chart.yaml'), yaml);
}

before(async () => {
  registry = await startRegistry();
  const signed = tempDir('deps-signed-');
  for (const f of fs.readdirSync(path.join(signedCases, 'valid-ed25519'))) fs.copyFileSync(path.join(signedCases, 'valid-ed25519', f), path.join(signed, f));
  helm(['push', path.join(signed, 'devapp-1.2.3.tgz'), `oci://${registry.host}/charts`, '--plain-http']);
  chart(path.join(work, 'plain'), 'apiVersion: v2\nname: plain\nversion: 0.1.0\n');
  helm(['package', path.join(work, 'plain'), '-d', work]);
  helm(['push', path.join(work, 'plain-0.1.0.tgz'), `oci://${registry.host}/charts`, '--plain-http']);
  chart(path.join(work, 'sub'), 'apiVersion: v2\nname: sub\nversion: 0.1.0\n');
  chart(parent, [
    'apiVersion: v2', 'name: parent', 'version: 1.0.0', 'dependencies:',
    `  - name: devapp\n    version: 1.2.3\n    repository: oci://${registry.host}/charts`,
    `  - name: plain\n    version: ~0.1.0\n    repository: oci://${registry.host}/charts`,
    '  - name: sub\n    version: 0.1.0\n    repository: file://../sub', '',
  ].join('\n'));
  helm(['dependency', 'update', parent, '--plain-http']);
  assert.ok(fs.existsSync(path.join(parent, 'Chart.lock')));
});
after(async () => { await registry.stop(); });

test('each dependency with its code, and Chart.lock\'s digest recomputed as Helm computes it', () => {
  const r = helmProv(['deps', parent, '--plain-http', '--keyring', pubring, '--json']);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => [l.file ?? l.dependency, l.version ?? null, l.code]), [
    ['Chart.lock', null, 'verified'],
    ['devapp', '1.2.3', 'verified'],
    // The range ~0.1.0 is pinned by Chart.lock; the chart has no .prov.
    ['plain', '0.1.0', 'missing-prov'],
    ['sub', '0.1.0', 'dependency-local'],
  ]);
  assert.equal(lines[1].signer.uid, 'dev Edwards <ed25519@dev.example>');
  assert.equal(r.status, 1, 'an unsigned dependency fails the run');
});

test('Chart.yaml edited after helm dependency update: lock-digest-mismatch; without Chart.lock a range is dependency-unresolved', () => {
  const edited = tempDir('deps-edited-');
  fs.cpSync(parent, edited, { recursive: true });
  const yaml = path.join(edited, 'Chart.yaml');
  fs.writeFileSync(yaml, fs.readFileSync(yaml, 'utf8').replace('version: ~0.1.0', 'version: ~0.2.0'));
  const r = helmProv(['deps', edited, '--plain-http', '--keyring', pubring, '--json']);
  const first = JSON.parse(r.stdout.split('\n')[0]);
  assert.equal(first.code, 'lock-digest-mismatch');
  assert.equal(r.status, 1);
  fs.rmSync(path.join(edited, 'Chart.lock'));
  const unlocked = helmProv(['deps', edited, '--plain-http', '--keyring', pubring, '--json']);
  const plain = unlocked.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((l) => l.dependency === 'plain');
  assert.equal(plain.code, 'dependency-unresolved');
});
