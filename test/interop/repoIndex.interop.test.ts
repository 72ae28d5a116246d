// Classic chart repositories: static folders indexed by the real `helm repo index` and served on
// loopback by a plain static file server of this test's own. `helm-prov verify --repo` fetches what
// `helm pull --verify` fetches (index.yaml, the archive, <archive URL>.prov) and checks the index's
// digest against the download before it parses anything.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { helm, helmBinary, repoRoot, signedCases, signedKeyrings, tempDir } from '../support/tools';

const cli = path.join(repoRoot, 'bin', 'helm-prov.js');
const pubring = path.join(signedKeyrings, 'pubring.gpg');
const cacheHome = tempDir('repo-cli-cache-');
const root = tempDir('repo-root-');
let server: http.Server;
let base: string;

/** Asynchronous: the file server runs in this process and must keep answering while the child runs. */
function run(program: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function helmProv(args: string[]) {
  return run(process.execPath, [cli, ...args], { PATH: process.env.PATH, HOME: tempDir(), GNUPGHOME: tempDir('empty-gnupg-'), XDG_CACHE_HOME: cacheHome });
}

function helmPull(repo: string) {
  const home = tempDir('repo-helm-home-');
  return run(helmBinary(), ['pull', 'devapp', '--repo', `${base}/${repo}`, '--version', '1.2.3', '--verify', '--keyring', pubring, '-d', tempDir()],
    { PATH: process.env.PATH ?? '', HOME: home, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home });
}

/** A repository folder `name` holding the files of signed cases, indexed by `helm repo index`. */
function repository(name: string, files: [string, string][], index = true): void {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  for (const [c, file] of files) fs.copyFileSync(path.join(signedCases, c, file), path.join(dir, file));
  if (index) {
    const r = helm(['repo', 'index', dir, '--url', `${base}/${name}`]);
    assert.equal(r.status, 0, r.stderr);
  }
}

before(async () => {
  server = http.createServer((req, res) => {
    const file = path.join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) { res.writeHead(404); res.end(); return; }
    res.writeHead(200);
    res.end(fs.readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const chart = 'devapp-1.2.3.tgz';
  repository('good', [['valid-ed25519', chart], ['valid-ed25519', `${chart}.prov`]]);
  // Indexed, then the archive replaced by another (the index's digest no longer holds).
  repository('swapped', [['valid-ed25519', chart], ['valid-ed25519', `${chart}.prov`]]);
  fs.copyFileSync(path.join(signedCases, 'valid-rsa2048', chart), path.join(root, 'swapped', chart));
  repository('noprov', [['valid-ed25519', chart]]);
  // Indexed with the replaced archive: the index is right, the .prov signs another digest.
  repository('resigned', [['tgz-replaced', chart], ['tgz-replaced', `${chart}.prov`]]);
  repository('deep', [], false);
  fs.writeFileSync(path.join(root, 'deep', 'index.yaml'), `apiVersion: v1\nentries: ${'['.repeat(5000)}${']'.repeat(5000)}\n`);
});
after(() => { server.closeAllConnections(); server.close(); fs.rmSync(root, { recursive: true, force: true }); });

const verifyIn = async (repo: string, ...extra: string[]) => helmProv(['verify', '--repo', `${base}/${repo}`, 'devapp', '--version', '1.2.3', '--plain-http', '--keyring', pubring, '--json', ...extra]);

describe('helm-prov verify --repo', () => {
  test('a signed chart in a helm repo index repository verifies, as helm pull --verify does', async () => {
    const r = await verifyIn('good');
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.code, 'verified');
    assert.equal(out.archiveUrl, `${base}/good/devapp-1.2.3.tgz`);
    const theirs = await helmPull('good');
    assert.equal(theirs.status, 0, theirs.stderr);
  });

  test('an archive that is not the one index.yaml lists is repo-digest-mismatch, refused before it is parsed', async () => {
    const r = await verifyIn('swapped');
    assert.equal(r.status, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.code, 'repo-digest-mismatch');
    assert.equal(out.openpgp, null);
  });

  test('no .prov beside the archive is missing-prov', async () => {
    assert.equal(JSON.parse((await verifyIn('noprov')).stdout).code, 'missing-prov');
  });

  test("an index that is right about an archive its .prov does not sign is hash-mismatch (Helm's verdict too)", async () => {
    assert.equal(JSON.parse((await verifyIn('resigned')).stdout).code, 'hash-mismatch');
    const theirs = await helmPull('resigned');
    assert.notEqual(theirs.status, 0);
  });

  test('a version the index lacks, and an index nested 5000 deep, are repo-index-invalid', async () => {
    const missing = await helmProv(['verify', '--repo', `${base}/good`, 'devapp', '--version', '9.9.9', '--plain-http', '--json']);
    assert.equal(JSON.parse(missing.stdout).code, 'repo-index-invalid');
    assert.match(JSON.parse(missing.stdout).message, /has no version 9\.9\.9 of devapp \(it has 1\.2\.3\)/);
    assert.equal(JSON.parse((await verifyIn('deep')).stdout).code, 'repo-index-invalid');
  });

  test('--destination saves a verified chart and its .prov; http:// needs --plain-http', async () => {
    const dest = tempDir('repo-dest-');
    assert.equal((await verifyIn('good', '-d', dest)).status, 0);
    assert.deepEqual(fs.readdirSync(dest).sort(), ['devapp-1.2.3.tgz', 'devapp-1.2.3.tgz.prov']);
    const r = await helmProv(['verify', '--repo', `${base}/good`, 'devapp', '--version', '1.2.3']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /needs --plain-http/);
  });
});
