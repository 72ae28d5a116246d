// "Verify Chart Reference…" over a real LSP connection, against a real registry (docker-registry 2.8
// with charts the real Helm pushed in setup): a signed chart by oci:// and by repo/chart@version through
// repositories.yaml, an unsigned one; and, against a counting HTTP server of this test's own, that
// Restricted Mode refuses with no request made and that a URL's password never reaches a message.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { WorkDoneProgress } from 'vscode-languageserver-protocol';
import * as path from 'node:path';
import { VerifyReferenceRequest, type VerifyReferenceResult } from '../../server/src/lsp/verifyReferenceProtocol';
import type { RequestResult } from '../../server/src/lsp/protocol';
import { helm, signedKeyrings, tempDir } from '../support/tools';
import { countingServer, pushSignedAndUnsigned, startRegistry, type RunningRegistry } from '../support/registry';
import { serve } from '../support/tufRepo';
import { LspSession } from './lspSession';

const keyring = path.join(signedKeyrings, 'pubring.gpg');

/** The request, with a progress token of the client's: what the server reported on it is pushed to `progress`. */
function verify(session: LspSession, reference: string, progress: string[] = []): Promise<RequestResult<VerifyReferenceResult>> {
  const token = `ref-${Math.random()}`;
  session.connection.onProgress(WorkDoneProgress.type, token, (v) => { progress.push(v.kind === 'begin' ? v.title : v.kind === 'report' ? v.message ?? '' : 'end'); });
  return session.connection.sendRequest(VerifyReferenceRequest.type, { reference, workDoneToken: token });
}

function repositoriesYaml(entries: Record<string, string>): string {
  const file = path.join(tempDir('lsp-ref-repos-'), 'repositories.yaml');
  fs.writeFileSync(file, `apiVersion: ""\ngenerated: "0001-01-01T00:00:00Z"\nrepositories:\n${Object.entries(entries).map(([name, url]) => `- name: ${name}\n  url: ${url}\n`).join('')}`);
  return file;
}

describe('Verify Chart Reference against a real registry', () => {
  let registry: RunningRegistry;
  let session: LspSession;
  let repo: Awaited<ReturnType<typeof serve>>;
  /** The same chart in a repository whose index names it relatively: its URL is built from the repositories.yaml one. */
  let relative: Awaited<ReturnType<typeof serve>>;

  before(async () => {
    registry = await startRegistry();
    const work = tempDir('lsp-ref-');
    const signed = pushSignedAndUnsigned(registry, work);
    // A classic chart repository (helm repo index output) on loopback, named "local" in repositories.yaml.
    const repoDir = path.join(work, 'repo');
    fs.cpSync(signed, repoDir, { recursive: true });
    repo = await serve(repoDir);
    assert.equal(helm(['repo', 'index', repoDir, '--url', repo.url]).status, 0);
    const relativeDir = path.join(work, 'relative');
    fs.cpSync(signed, relativeDir, { recursive: true });
    relative = await serve(relativeDir);
    assert.equal(helm(['repo', 'index', relativeDir]).status, 0);
    session = await LspSession.start({
      settings: { keyrings: [keyring] },
      env: { HOME: tempDir(), DOCKER_CONFIG: tempDir(), HELM_REGISTRY_CONFIG: path.join(tempDir(), 'none.json'), HELM_REPOSITORY_CONFIG: repositoriesYaml({ local: `${repo.url}/`, secret: relative.url.replace('http://', 'http://helmuser:s3cr3t-pw@') + '/' }) },
    });
  });
  after(async () => { await session.stop(); await registry.stop(); await repo.close(); await relative.close(); });

  test('oci:// of a signed chart: verified, with the signer, the manifest digest and the cosign code', async () => {
    const progress: string[] = [];
    const r = await verify(session, `oci://${registry.host}/charts/devapp:1.2.3`, progress);
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.verdict, 'verified');
    assert.equal(r.openpgp?.code, 'verified');
    assert.equal(r.openpgp?.signer, 'dev Edwards <ed25519@dev.example> · 58E1…8490');
    assert.match(r.manifestDigest ?? '', /^sha256:[0-9a-f]{64}$/);
    // No signer configured in helmProvenance.sigstore.trustedIdentities: cosign is said to be unchecked, with its code.
    assert.equal(r.cosign?.code, 'identity-required');
    assert.deepEqual(progress, ['Verify Chart Reference', `Fetching oci://${registry.host}/charts/devapp:1.2.3…`, 'Checking the cosign signatures…', 'end']);
  });

  test('oci:// of an unsigned chart: rejected as missing-prov, never verified', async () => {
    const r = await verify(session, `oci://${registry.host}/charts/plain:0.1.0`);
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.verdict, 'rejected');
    assert.equal(r.code, 'missing-prov');
    assert.equal(r.openpgp?.code, 'missing-prov');
    assert.match(r.manifestDigest ?? '', /^sha256:[0-9a-f]{64}$/);
  });

  test('repo/chart@version through repositories.yaml: the archive and its .prov from the repository, verified; no cosign part', async () => {
    const r = await verify(session, 'local/devapp@1.2.3');
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.verdict, 'verified');
    assert.equal(r.openpgp?.code, 'verified');
    assert.equal(r.reference, `${repo.url}/devapp-1.2.3.tgz`);
    assert.equal(r.cosign, undefined);
    assert.ok(repo.requests.includes('/devapp-1.2.3.tgz.prov'), JSON.stringify(repo.requests));
  });

  test('a repositories.yaml URL with user:password@: the answer and the log never hold the password', async () => {
    const r = await verify(session, 'secret/devapp@1.2.3');
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.reference, `${relative.url}/devapp-1.2.3.tgz`);
    const said = JSON.stringify(r) + session.logs.join('\n') + session.messages.join('\n');
    assert.ok(!said.includes('s3cr3t-pw'), said);
    // The dependency lens goes the same way and logs the repository it used: without the password.
    const chartYaml = path.join(tempDir('lsp-ref-lens-'), 'Chart.yaml');
    fs.writeFileSync(chartYaml, 'apiVersion: v2\nname: parent\nversion: 1.0.0\ndependencies:\n  - name: devapp\n    version: 1.2.3\n    repository: "@secret"\n');
    const uri = await session.open(chartYaml, 'yaml');
    for (let i = 0; i < 1200 && !session.logs.some((l) => l.includes('dependency devapp 1.2.3')); i++) {
      await session.codeLens(uri);
      await new Promise((done) => setTimeout(done, 50));
    }
    const logged = session.logs.filter((l) => l.includes('dependency devapp 1.2.3'));
    assert.equal(logged.length, 1, session.logs.join('\n'));
    assert.ok(!logged[0].includes('s3cr3t-pw') && logged[0].includes(relative.url), logged[0]);
  });

  test('repo/chart@version names a repositories.yaml entry; an unknown name or a bad form is reference-invalid', async () => {
    const unknown = await verify(session, 'nosuch/devapp@1.2.3');
    assert.ok(!unknown.ok);
    assert.equal(unknown.error.code, 'reference-invalid');
    assert.match(unknown.error.message, /repositories\.yaml/);
    const bad = await verify(session, 'just-a-name');
    assert.ok(!bad.ok);
    assert.equal(bad.error.code, 'reference-invalid');
  });
});

describe('Verify Chart Reference contacts no registry when it must not', () => {
  let server: Awaited<ReturnType<typeof countingServer>>;
  let host: string;

  before(async () => { server = await countingServer(); host = server.host; });
  after(() => server.close());

  test('Restricted Mode: refused as workspace-untrusted, and the registry sees no request', async () => {
    const session = await LspSession.start({ settings: { keyrings: [keyring] }, initializationOptions: { workspaceTrusted: false }, env: { HELM_REPOSITORY_CONFIG: repositoriesYaml({ here: `http://${host}/` }) } });
    try {
      for (const reference of [`oci://${host}/charts/devapp:1.2.3`, 'here/devapp@1.2.3']) {
        const r = await verify(session, reference);
        assert.ok(!r.ok, JSON.stringify(r));
        assert.equal(r.error.code, 'workspace-untrusted');
      }
      assert.equal(server.requests(), 0);
    } finally {
      await session.stop();
    }
  });
});
