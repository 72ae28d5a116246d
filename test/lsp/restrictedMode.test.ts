// An untrusted workspace (VS Code's Restricted Mode, `workspaceTrusted: false`) over LSP: charts are
// still verified, but nothing is spawned and nothing is written — package, sign and listing signing
// keys are refused with `workspace-untrusted` — and no configured path inside the workspace is used
// until the client says the workspace is trusted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExecuteCommandRequest } from 'vscode-languageserver-protocol/node';
import {
  COMMANDS, ListSigningKeysRequest, PackageRequest, SignRequest, WorkspaceTrustedNotification,
} from '../../server/src/lsp/protocol';
import { signedCases, signedKeyrings, signedKeys, tempDir } from '../support/tools';
import { LspSession, uriOf } from './lspSession';

describe('Restricted Mode over LSP', () => {
  let repo: string;
  let outside: string;
  let marker: string;
  let session: LspSession;
  const lockedFingerprint = fs.readFileSync(path.join(signedKeys, 'locked.fpr'), 'utf8').trim();

  before(async () => {
    repo = tempDir('lsp-restricted-repo-');
    outside = tempDir('lsp-restricted-user-');
    for (const f of ['devapp-1.2.3.tgz', 'devapp-1.2.3.tgz.prov']) fs.copyFileSync(path.join(signedCases, 'valid-rsa2048', f), path.join(repo, f));
    fs.mkdirSync(path.join(repo, 'fresh'));
    fs.writeFileSync(path.join(repo, 'fresh', 'Chart.yaml'), 'apiVersion: v2\nname: fresh\nversion: 0.1.0\n');
    // The user's keyring setting names a file inside the repository (its absolute path).
    fs.mkdirSync(path.join(repo, 'keys'));
    fs.copyFileSync(path.join(signedKeyrings, 'pubring.gpg'), path.join(repo, 'keys', 'pubring.gpg'));
    // A "gpg" that leaves a mark when anything runs it.
    marker = path.join(outside, 'gpg-ran');
    fs.writeFileSync(path.join(outside, 'gpg-wrapper.sh'), `#!/bin/sh\necho "$@" >> '${marker}'\nexec gpg "$@"\n`, { mode: 0o755 });
    session = await LspSession.start({
      workspace: repo,
      settings: { keyrings: [path.join(repo, 'keys', 'pubring.gpg')] },
      initializationOptions: { workspaceTrusted: false },
      env: { GNUPGHOME: outside },
    });
  });

  after(async () => {
    await session.stop();
    fs.rmSync(repo, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  /** Every file under the repository, to see that nothing was written. */
  const filesOf = (dir: string): string[] => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();

  test('a keyring configured inside the untrusted workspace is refused, with a message, until the workspace is trusted', async () => {
    const prov = uriOf(path.join(repo, 'devapp-1.2.3.tgz.prov'));
    await session.open(path.join(repo, 'devapp-1.2.3.tgz.prov'), 'helm-provenance');
    const [first] = await session.waitForDiagnostics(prov, { version: 1 });
    assert.equal(first.code, 'unknown-signer');
    const warning = await session.waitFor('the refusal', () => session.messages.find((m) => m.includes('helmProvenance.keyrings')));
    assert.match(warning, /inside the workspace folder .* not trusted \(Restricted Mode\)/);

    const published = session.diagnostics.get(prov)!.length;
    const statuses = session.statuses.length;
    await session.connection.sendNotification(WorkspaceTrustedNotification.type, {});
    const next = await session.waitForDiagnostics(prov, { after: published });
    assert.deepEqual(next, [], 'a verified document has no diagnostics');
    await session.waitForStatus('verified once trusted', (s) => s.uri === prov && s.state === 'verified', statuses);
  });

  test('package, sign and list signing keys are refused: no process spawned, no file written', async () => {
    const untrusted = await LspSession.start({
      workspace: repo,
      settings: { signingBackend: 'gpg', gpgPath: path.join(outside, 'gpg-wrapper.sh'), gnupgHome: outside, defaultSigningKey: lockedFingerprint },
      initializationOptions: { workspaceTrusted: false, clientHandlesCommands: false },
      env: { GNUPGHOME: outside },
    });
    try {
      const before = filesOf(repo);
      const chartYaml = uriOf(path.join(repo, 'fresh', 'Chart.yaml'));
      const listed = await untrusted.connection.sendRequest(ListSigningKeysRequest.type, {});
      const packaged = await untrusted.connection.sendRequest(PackageRequest.type, { uri: chartYaml });
      const signed = await untrusted.connection.sendRequest(SignRequest.type, { uri: chartYaml });
      const archive = await untrusted.connection.sendRequest(SignRequest.type, { uri: uriOf(path.join(repo, 'devapp-1.2.3.tgz')) });
      for (const result of [listed, packaged, signed, archive]) {
        assert.ok(!result.ok, JSON.stringify(result));
        assert.equal(result.error.code, 'workspace-untrusted');
        assert.match(result.error.message, /not available in Restricted Mode.*Trust the workspace/);
      }
      // The lens command other editors run through the server is refused the same way.
      await untrusted.connection.sendRequest(ExecuteCommandRequest.type, { command: COMMANDS.packageAndSignChart, arguments: [{ chartYaml }] });
      const message = await untrusted.waitFor('the refusal message', () => untrusted.messages.find((m) => m.includes('[workspace-untrusted]')));
      assert.match(message, /Sign Chart is not available in Restricted Mode/);
      assert.equal(fs.existsSync(marker), false, `gpg was run: ${fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : ''}`);
      assert.deepEqual(filesOf(repo), before);
    } finally {
      await untrusted.stop();
    }
  });
});
