// Where the server's keys come from: GnuPG's default keyrings when the client answers no configuration,
// the configured keyrings and trusted fingerprints otherwise, re-read on didChangeConfiguration — and
// never a KEYS file found in the workspace.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DidChangeConfigurationNotification } from 'vscode-languageserver-protocol/node';
import { signedCases, signedKeyrings, tempDir } from '../support/tools';
import { LspSession, messageOf } from './lspSession';

const validProv = path.join(signedCases, 'valid-rsa2048', 'devapp-1.2.3.tgz.prov');

async function verdictOf(session: LspSession, file = validProv): Promise<string[]> {
  const uri = await session.open(file, 'helm-provenance');
  const diagnostics = await session.waitForDiagnostics(uri, { version: 1 });
  await session.close(uri);
  return diagnostics.map((d) => String(d.code));
}

/** A GnuPG home holding `files` (copied), as GNUPGHOME for the server. */
function gnupgHome(files: string[]): string {
  const home = tempDir('lsp-gnupg-');
  fs.chmodSync(home, 0o700);
  for (const f of files) fs.copyFileSync(f, path.join(home, path.basename(f)));
  return home;
}

describe('settings over LSP', () => {
  test('a client without workspace/configuration gets the default keyrings ($GNUPGHOME/pubring.gpg)', async () => {
    const home = gnupgHome([path.join(signedKeyrings, 'pubring.gpg')]);
    const session = await LspSession.start({ configuration: false, env: { GNUPGHOME: home } });
    try {
      assert.deepEqual(await verdictOf(session), ['verified']);
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
      assert.deepEqual(await verdictOf(withKbx), ['verified']);
      assert.deepEqual(await verdictOf(without), ['unknown-signer']);
    } finally {
      await Promise.all([withKbx.stop(), without.stop()]);
      fs.rmSync(kbx, { recursive: true, force: true });
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  test('trusted fingerprints: a key in the keyring but not in the list is not a signer', async () => {
    const session = await LspSession.start({ settings: { keyrings: [path.join(signedKeyrings, 'pubring.gpg')], trustedFingerprints: ['58E1 9B6A 33FD 57CD C9AE F11E 12F8 2253 65AE 8490'] } });
    try {
      assert.deepEqual(await verdictOf(session), ['unknown-signer']);
      assert.deepEqual(await verdictOf(session, path.join(signedCases, 'valid-ed25519', 'devapp-1.2.3.tgz.prov')), ['verified']);
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
      session.settings = { keyrings: [path.join(signedKeyrings, 'pubring.asc')] };
      await session.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
      const next = await session.waitForDiagnostics(uri, { after: published });
      assert.deepEqual(next.map((d) => d.code), ['verified']);
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
