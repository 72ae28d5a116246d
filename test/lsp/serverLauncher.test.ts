// bin/helm-prov-ls.js (what the VS Code client starts) runs dist/server.js through the V8 code cache of
// bin/codeCache.js: the first start describes the keyring (an entry of the keyring description cache,
// keyStore.ts) and writes no code cache, the second writes it once its workspace is indexed, later starts
// use both and write nothing, and the statuses are the same whatever the caches' state. Counted in files,
// bytes and statuses, never time.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, tempDir } from '../support/tools';
import type * as Session from './lspSession';

const launcher = path.join(repoRoot, 'bin', 'helm-prov-ls.js');
const bundle = path.join(repoRoot, 'dist', 'server.js');
// lspSession.ts reads HELM_PROV_LS when it is loaded: this file's sessions start the launcher.
process.env.HELM_PROV_LS = launcher;
const { LspSession, uriOf } = require('./lspSession') as typeof Session;

const examples = path.join(repoRoot, 'examples');
const keyring = path.join(examples, 'pubring.gpg');

describe('bin/helm-prov-ls.js code cache', () => {
  const work = tempDir('lsp-server-launcher-');
  const workspace = path.join(work, 'workspace');
  const chartYaml = path.join(workspace, 'hello', 'Chart.yaml');
  let counter = 0;

  before(() => {
    fs.cpSync(path.join(examples, 'hello'), path.join(workspace, 'hello'), { recursive: true });
    for (const file of ['hello-0.1.0.tgz', 'hello-0.1.0.tgz.prov']) fs.copyFileSync(path.join(examples, file), path.join(workspace, file));
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  function freshCacheHome(): string {
    const dir = path.join(work, `home${counter++}`);
    fs.mkdirSync(dir, { mode: 0o700 });
    return dir;
  }

  /** The code cache files in `<home>/helm-provenance`. */
  function cacheFiles(home: string): string[] {
    const dir = path.join(home, 'helm-provenance');
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.startsWith('helm-prov-')).map((f) => path.join(dir, f)) : [];
  }

  /** The keyring description cache's entries in `<home>/helm-provenance`. */
  function keyringEntries(home: string): string[] {
    const dir = path.join(home, 'helm-provenance');
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.startsWith('keyring-')) : [];
  }

  /** Starts the launcher with `home` as its cache folder; answers the chart's final status once the server has exited. */
  async function chartStatus(home: string, extraEnv: Record<string, string> = {}): Promise<{ state: string; code?: string }> {
    const env: Record<string, string> = { XDG_CACHE_HOME: home, HELM_PROV_NO_CODE_CACHE: '0', NODE_OPTIONS: '', ...extraEnv };
    const session = await LspSession.start({ workspace, settings: { keyrings: [keyring] }, env });
    try {
      const uri = uriOf(chartYaml);
      const status = await session.waitForStatus('the chart\'s status', (s) => s.scope === 'chart' && s.uri === uri && s.state !== 'checking');
      // The cache is written after the index, which may end after its last status: wait for the index's log line.
      await session.waitFor('the index to end', () => session.logs.find((l) => l.includes('indexed 1 charts')));
      return { state: status.state, code: status.code };
    } finally {
      await session.stop();
    }
  }

  test('the bundle is built (npm test builds it first)', () => assert.ok(fs.existsSync(bundle), 'run node scripts/build.mjs server'));

  test('the first start writes the keyring entry, the second one code cache; the next starts use them and write nothing; the status is the same', async () => {
    const reference = await chartStatus(freshCacheHome(), { HELM_PROV_NO_CODE_CACHE: '1' });
    assert.equal(reference.state, 'verified');

    // A bundle written in the last 2 s gets its identity recorded by one more write (bin/codeCache.js): let it settle first.
    const age = Date.now() - fs.statSync(bundle).ctimeMs;
    if (age < 2500) await new Promise((r) => setTimeout(r, 2500 - age));
    const home = freshCacheHome();
    assert.deepEqual(await chartStatus(home), reference);
    // It parsed the keyring with openpgp.js: a code cache written now would hold those functions for every later start.
    assert.equal(keyringEntries(home).length, 1, 'the first start describes the keyring');
    assert.deepEqual(cacheFiles(home), [], 'and writes no code cache (the session has ended: the server has exited)');
    assert.deepEqual(await chartStatus(home), reference);
    const files = await waitForOneFile(home);
    const bytes = fs.readFileSync(files);
    const header = bytes.toString('latin1', 0, bytes.indexOf(0x0a)).split(' ');
    assert.equal(`${header[0]} ${header[1]}`, 'helm-prov-code-cache 2');
    assert.equal(header[5], 'server', 'the server writes under its own command name');
    assert.ok(bytes.length > 100_000, `the cache holds compiled functions (${bytes.length} bytes)`);

    for (let i = 0; i < 2; i++) {
      assert.deepEqual(await chartStatus(home), reference);
      assert.deepEqual(cacheFiles(home), [files]);
      assert.ok(fs.readFileSync(files).equals(bytes), 'a start that used the cache does not rewrite it');
      assert.equal(keyringEntries(home).length, 1);
    }
  });

  test('a corrupt cache is ignored and replaced; HELM_PROV_NO_CODE_CACHE=1 writes nothing', async () => {
    const home = freshCacheHome();
    await chartStatus(home); // the keyring entry
    await chartStatus(home); // the code cache
    const file = await waitForOneFile(home);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 100] ^= 0xff;
    fs.writeFileSync(file, bytes);
    assert.equal((await chartStatus(home)).state, 'verified');
    await waitFor(() => !fs.readFileSync(file).equals(bytes));

    const off = freshCacheHome();
    assert.equal((await chartStatus(off, { HELM_PROV_NO_CODE_CACHE: '1' })).state, 'verified');
    assert.deepEqual(fs.readdirSync(off), []);
  });

  /** The cache is written after the server's index: by the time the session has stopped it is there, or being renamed into place. */
  async function waitForOneFile(home: string): Promise<string> {
    await waitFor(() => cacheFiles(home).length === 1);
    return cacheFiles(home)[0];
  }
});

async function waitFor(done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(done(), 'the expected cache state never came');
}
