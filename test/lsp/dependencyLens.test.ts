// The dependency CodeLens on an open Chart.yaml over a real LSP connection, against a real registry
// (docker-registry 2.8 with charts the real Helm pushed): signed, unsigned, missing, local; and, against
// a counting HTTP server of this test's own, that Restricted Mode and the setting turned off contact
// no registry at all.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHECKING_DEPENDENCY_TITLE } from '../../server/src/lsp/dependencyLens';
import { signedKeyrings, tempDir } from '../support/tools';
import { countingServer, pushSignedAndUnsigned, startRegistry, type RunningRegistry } from '../support/registry';
import { LspSession } from './lspSession';

const keyring = path.join(signedKeyrings, 'pubring.gpg');

function parentChart(dir: string, registryHost: string): string {
  fs.mkdirSync(path.join(dir, 'parent'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'sub', 'Chart.yaml'), 'apiVersion: v2\nname: sub\nversion: 0.1.0\n');
  const file = path.join(dir, 'parent', 'Chart.yaml');
  fs.writeFileSync(file, [
    'apiVersion: v2', 'name: parent', 'version: 1.0.0', 'dependencies:',
    `  - name: devapp\n    version: 1.2.3\n    repository: oci://${registryHost}/charts`,
    `  - name: plain\n    version: 0.1.0\n    repository: oci://${registryHost}/charts`,
    `  - name: absent\n    version: 9.9.9\n    repository: oci://${registryHost}/charts`,
    '  - name: sub\n    version: 0.1.0\n    repository: file://../sub', '',
  ].join('\n'));
  return file;
}

/** The lens titles once no dependency is being checked any more (asked again up to 1200 times, 50 ms apart). */
async function settled(session: LspSession, uri: string): Promise<{ line: number; title: string }[]> {
  for (let i = 0; i < 1200; i++) {
    const lenses = (await session.codeLens(uri)).map((l) => ({ line: l.range.start.line, title: l.command!.title }));
    if (!lenses.some((l) => l.title === CHECKING_DEPENDENCY_TITLE)) return lenses;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the dependency lenses never settled');
}

describe('dependency lenses against a real registry', () => {
  let registry: RunningRegistry;
  let session: LspSession;
  let file: string;

  before(async () => {
    registry = await startRegistry();
    const work = tempDir('lsp-deps-');
    pushSignedAndUnsigned(registry, work);
    file = parentChart(path.join(work, 'ws'), registry.host);
    session = await LspSession.start({ settings: { keyrings: [keyring] }, env: { HOME: tempDir(), DOCKER_CONFIG: tempDir(), HELM_REGISTRY_CONFIG: path.join(tempDir(), 'none.json') } });
  });
  after(async () => { await session.stop(); await registry.stop(); });

  test('each entry: signed by whom, unsigned, not found, local — on the line of its entry', async () => {
    const uri = await session.open(file, 'yaml');
    const deps = (await settled(session, uri)).filter((l) => l.line > 0);
    assert.deepEqual(deps, [
      { line: 4, title: '✓ devapp 1.2.3 signed by dev Edwards <ed25519@dev.example> · 58E1…8490' },
      { line: 7, title: '⚠ plain 0.1.0: unsigned (no .prov)' },
      { line: 10, title: '✗ absent 9.9.9: registry-not-found' },
      { line: 13, title: 'sub 0.1.0: local chart (file://), nothing to fetch' },
    ]);
  });
});

describe('no registry is contacted when it must not be', () => {
  let server: Awaited<ReturnType<typeof countingServer>>;
  let host: string;

  before(async () => { server = await countingServer(); host = server.host; });
  after(() => server.close());

  test('Restricted Mode: the lens says so and the registry sees no request', async () => {
    const file = parentChart(tempDir('lsp-deps-restricted-'), host);
    const session = await LspSession.start({ settings: { keyrings: [keyring] }, initializationOptions: { workspaceTrusted: false } });
    try {
      const lenses = await settled(session, await session.open(file, 'yaml'));
      assert.ok(lenses.some((l) => l.title === 'devapp 1.2.3: not checked in Restricted Mode (no registry is contacted)'), JSON.stringify(lenses));
      assert.equal(server.requests(), 0);
    } finally {
      await session.stop();
    }
  });

  test('helmProvenance.verifyDependencies off: the lens says so and the registry sees no request', async () => {
    const file = parentChart(tempDir('lsp-deps-off-'), host);
    const session = await LspSession.start({ settings: { keyrings: [keyring], verifyDependencies: false } });
    try {
      const lenses = await settled(session, await session.open(file, 'yaml'));
      assert.ok(lenses.some((l) => l.title === 'devapp 1.2.3: not checked (helmProvenance.verifyDependencies is off)'), JSON.stringify(lenses));
      assert.equal(server.requests(), 0);
    } finally {
      await session.stop();
    }
  });
});
