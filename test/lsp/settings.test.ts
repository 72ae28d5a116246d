// Where the server's keys come from: GnuPG's default keyrings when the client answers no configuration,
// the configured keyrings and trusted fingerprints otherwise, re-read on didChangeConfiguration — and
// never a KEYS file found in the workspace. A client that registers configuration changes is asked for
// the settings without waiting for the registration's answer.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DidChangeConfigurationNotification } from 'vscode-languageserver-protocol/node';
import { signedCases, signedKeyrings, tempDir } from '../support/tools';
import { LspSession, messageOf } from './lspSession';

const validProv = path.join(signedCases, 'valid-rsa2048', 'devapp-1.2.3.tgz.prov');

/** The verdict on an open .prov as the editor shows it: the document status's code, and the diagnostics' codes. */
async function verdictOf(session: LspSession, file = validProv): Promise<{ code?: string; diagnostics: string[] }> {
  const statuses = session.statuses.length;
  const uri = await session.open(file, 'helm-provenance');
  const diagnostics = await session.waitForDiagnostics(uri, { version: 1 });
  const status = await session.waitForStatus(`the status of ${uri}`, (s) => s.scope === 'document' && s.uri === uri && s.state !== 'removed', statuses);
  await session.close(uri);
  return { code: status.code, diagnostics: diagnostics.map((d) => String(d.code)) };
}

/** A verified document has no diagnostics at all: success is shown by the status, lens and hover. */
const VERIFIED = { code: 'verified', diagnostics: [] };
const UNKNOWN_SIGNER = { code: 'unknown-signer', diagnostics: ['unknown-signer'] };

/** A GnuPG home holding `files` (copied), as GNUPGHOME for the server. */
function gnupgHome(files: string[]): string {
  const home = tempDir('lsp-gnupg-');
  fs.chmodSync(home, 0o700);
  for (const f of files) fs.copyFileSync(f, path.join(home, path.basename(f)));
  return home;
}

describe('settings over LSP', () => {
  test('the settings are asked while the registration of configuration changes is unanswered, and applied', async () => {
    let answer!: () => void;
    const registrationAnswered = new Promise<void>((resolve) => { answer = resolve; });
    const keyring = path.join(signedKeyrings, 'pubring.gpg');
    const session = await LspSession.start({ registersConfigurationChanges: true, registrationAnswered, settings: { keyrings: [keyring] } });
    try {
      await session.waitFor('the settings asked', () => session.configurationRequests > 0 || undefined);
      assert.equal(session.registrationsAnswered, 0, 'asked before the registration was answered');
      assert.deepEqual(session.registrations.map((r) => r.method), [DidChangeConfigurationNotification.method], 'registered first');
      answer();
      assert.deepEqual(await verdictOf(session), VERIFIED, 'verified with the configured keyring');
    } finally {
      answer();
      await session.stop();
    }
  });

  test('a client without workspace/configuration gets the default keyrings ($GNUPGHOME/pubring.gpg)', async () => {
    const home = gnupgHome([path.join(signedKeyrings, 'pubring.gpg')]);
    const session = await LspSession.start({ configuration: false, env: { GNUPGHOME: home } });
    try {
      assert.deepEqual(await verdictOf(session), VERIFIED);
    } finally {
      await session.stop();
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  test('the default keybox ($GNUPGHOME/pubring.kbx) counts too, and an empty GnuPG home verifies nothing', async () => {
    const kbx = gnupgHome([path.join(signedKeyrings, 'pubring.kbx')]);
    const empty = gnupgHome([]);
    const withKbx = await LspSession.start({ env: { GNUPGHOME: kbx } });
    const without = await LspSession.start({ env: { GNUPGHOME: empty } });
    try {
      assert.deepEqual(await verdictOf(withKbx), VERIFIED);
      assert.deepEqual(await verdictOf(without), UNKNOWN_SIGNER);
    } finally {
      await Promise.all([withKbx.stop(), without.stop()]);
      fs.rmSync(kbx, { recursive: true, force: true });
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  test('trusted fingerprints: a key in the keyring but not in the list is not a signer', async () => {
    const session = await LspSession.start({ settings: { keyrings: [path.join(signedKeyrings, 'pubring.gpg')], trustedFingerprints: ['58E1 9B6A 33FD 57CD C9AE F11E 12F8 2253 65AE 8490'] } });
    try {
      assert.deepEqual(await verdictOf(session), UNKNOWN_SIGNER);
      assert.deepEqual(await verdictOf(session, path.join(signedCases, 'valid-ed25519', 'devapp-1.2.3.tgz.prov')), VERIFIED);
    } finally {
      await session.stop();
    }
  });

  test('didChangeConfiguration: a new keyring re-verifies the open document', async () => {
    const empty = gnupgHome([]);
    const session = await LspSession.start({ env: { GNUPGHOME: empty } });
    try {
      const uri = await session.open(validProv, 'helm-provenance');
      const first = await session.waitForDiagnostics(uri, { version: 1 });
      assert.deepEqual(first.map((d) => d.code), ['unknown-signer']);
      const published = session.diagnostics.get(uri)!.length;
      const statuses = session.statuses.length;
      session.settings = { keyrings: [path.join(signedKeyrings, 'pubring.asc')] };
      await session.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
      const next = await session.waitForDiagnostics(uri, { after: published });
      assert.deepEqual(next.map((d) => d.code), [], 'a verified document has no diagnostics');
      await session.waitForStatus('verified', (s) => s.uri === uri && s.state === 'verified', statuses);
      await session.close(uri);
    } finally {
      await session.stop();
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  test('a KEYS file in the workspace lists the signer as information, and the chart stays unverified', async () => {
    const empty = gnupgHome([]);
    const workspace = tempDir('lsp-keys-ws-');
    try {
      fs.copyFileSync(path.join(signedKeyrings, 'KEYS'), path.join(workspace, 'KEYS'));
      for (const f of ['devapp-1.2.3.tgz', 'devapp-1.2.3.tgz.prov']) fs.copyFileSync(path.join(signedCases, 'valid-rsa2048', f), path.join(workspace, f));
      const session = await LspSession.start({ workspace, env: { GNUPGHOME: empty } });
      try {
        const prov = path.join(workspace, 'devapp-1.2.3.tgz.prov');
        const uri = await session.open(prov, 'helm-provenance');
        const diagnostics = await session.waitForDiagnostics(uri, { version: 1, where: (d) => d.some((x) => x.severity === 3) });
        const error = diagnostics.find((d) => d.severity === 1)!;
        assert.equal(error.code, 'unknown-signer');
        const info = diagnostics.find((d) => d.severity === 3)!;
        assert.match(messageOf(info), /listed in this repository's KEYS/);
        assert.match(messageOf(info), /information only/);
        assert.ok(!diagnostics.some((d) => d.code === 'verified'));
        const status = await session.waitForStatus('document status', (s) => s.uri === uri && s.state !== 'removed');
        assert.equal(status.state, 'rejected');
        assert.equal(status.code, 'unknown-signer');
        await session.close(uri);
      } finally {
        await session.stop();
      }
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
      fs.rmSync(workspace, { recursive: true, force: true });
    }
  });
});
