// Finding a signer's key from the editor over real JSON-RPC (issue 17): the quick fixes on an
// unknown-signer `.prov`, the find request (a workspace KEYS file, or a keyserver on loopback —
// test/support/keyServer.ts, a protocol-level stand-in for VKS/HKP since no real keyserver software is
// packaged here) and the import the user confirmed, after which the chart verifies. The network is used
// only with helmProvenance.keyLookups on and never in Restricted Mode.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CodeActionRequest, DidChangeConfigurationNotification, type CodeAction, type Diagnostic } from 'vscode-languageserver-protocol/node';
import { FindKeyRequest, ImportKeyRequest, KEY_LOOKUP_COMMANDS } from '../../server/src/lsp/keyLookupProtocol';
import { loadKeyringFile } from '../../server/src/provenance/keyring';
import { KeyServer } from '../support/keyServer';
import { signedCases, signedKeys, tempDir } from '../support/tools';
import { LspSession } from './lspSession';

const fpr = (name: string) => fs.readFileSync(path.join(signedKeys, `${name}.fpr`), 'utf8').trim();
const SIGNER = fpr('rsa2048');

/** A repository with a chart signed by rsa2048 and a KEYS file holding rsa2048; the user's keyring outside it holds only a stranger. */
function setUp(): { repo: string; user: string; keyring: string; prov: string; keysFile: string } {
  const repo = tempDir('lsp-keylookup-repo-');
  const user = tempDir('lsp-keylookup-user-');
  for (const f of ['devapp-1.2.3.tgz', 'devapp-1.2.3.tgz.prov']) fs.copyFileSync(path.join(signedCases, 'valid-rsa2048', f), path.join(repo, f));
  const keysFile = path.join(repo, 'KEYS');
  fs.copyFileSync(path.join(signedKeys, 'rsa2048.pub.asc'), keysFile);
  const keyring = path.join(user, 'pubring.gpg');
  fs.copyFileSync(path.join(signedKeys, 'stranger.pub.gpg'), keyring);
  return { repo, user, keyring, prov: path.join(repo, 'devapp-1.2.3.tgz.prov'), keysFile };
}

/** The key look-up quick fixes offered (others, such as Copy fingerprint, are codeActions.test.ts's). */
async function quickFixes(session: LspSession, uri: string, diagnostics: Diagnostic[]): Promise<CodeAction[]> {
  const range = diagnostics[0].range;
  const actions = (await session.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range, context: { diagnostics } })) as CodeAction[];
  const lookUps: string[] = Object.values(KEY_LOOKUP_COMMANDS);
  return actions.filter((a) => lookUps.includes(a.command?.command ?? ''));
}

describe('signer key look-up and import over LSP', () => {
  let server: KeyServer;
  let session: LspSession;
  let files: ReturnType<typeof setUp>;
  let uri: string;
  let diagnostics: Diagnostic[];

  before(async () => {
    server = await new KeyServer().start();
    await server.serveKey(fs.readFileSync(path.join(signedKeys, 'rsa2048.pub.asc'), 'utf8'));
    files = setUp();
    session = await LspSession.start({ workspace: files.repo, settings: { keyrings: [files.keyring], keyservers: [server.url] }, env: { GNUPGHOME: files.user } });
    uri = await session.open(files.prov, 'helm-provenance');
    diagnostics = await session.waitForDiagnostics(uri, { version: 1, where: (d) => d.some((x) => x.code === 'unknown-signer' && x.severity === 3) });
  });
  after(async () => { await session.stop(); await server.stop(); });

  test('look-ups off (the default): only "Import from this repository\'s KEYS" is offered, and the network is refused', async () => {
    const actions = await quickFixes(session, uri, diagnostics);
    assert.deepEqual(actions.map((a) => a.command?.command), [KEY_LOOKUP_COMMANDS.importSignerKeyFromKeys]);
    assert.match(actions[0].title, /from this repository's KEYS/);
    assert.deepEqual(actions[0].command?.arguments, [{ issuer: SIGNER, uri }]);
    const network = await session.connection.sendRequest(FindKeyRequest.type, { issuer: SIGNER, from: 'network' });
    assert.ok(!network.ok && network.error.code === 'lookups-off', JSON.stringify(network));
    assert.equal(server.requests.length, 0);
  });

  test('the KEYS file\'s key is shown (fingerprint, user ids, created, expiry, where from) without any request', async () => {
    const found = await session.connection.sendRequest(FindKeyRequest.type, { issuer: SIGNER, from: 'keys-file' });
    assert.ok(found.ok, JSON.stringify(found));
    assert.equal(found.keys.length, 1);
    const key = found.keys[0];
    assert.equal(key.fingerprint, SIGNER);
    assert.deepEqual(key.userIds, ['dev Rsa Signer <rsa2048@dev.example>']);
    assert.match(key.created, /^\d{4}-\d\d-\d\dT/);
    assert.equal(key.expires, null);
    assert.deepEqual(key.foundAt, [{ where: files.keysFile, source: 'keys-file' }]);
    assert.equal(found.keyring, files.keyring);
    assert.equal(server.requests.length, 0);
  });

  test('look-ups on: "Look up the key" is offered; the keyserver\'s key is imported when the user confirms, and the chart verifies', async () => {
    session.settings = { ...session.settings, keyLookups: true };
    await session.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    // The new settings arrive through workspace/configuration; ask until the server has them.
    let actions: CodeAction[] = [];
    for (let i = 0; i < 50 && actions.length < 2; i++) {
      actions = await quickFixes(session, uri, diagnostics);
      if (actions.length < 2) await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(actions.map((a) => a.command?.command), [KEY_LOOKUP_COMMANDS.importSignerKeyFromKeys, KEY_LOOKUP_COMMANDS.lookUpSignerKey]);
    const found = await session.connection.sendRequest(FindKeyRequest.type, { issuer: SIGNER, from: 'network' });
    assert.ok(found.ok, JSON.stringify(found));
    assert.deepEqual(found.attempts.map((a) => [a.source, a.code]), [['vks', 'lookup-found']]);
    assert.deepEqual(server.requests, [`/vks/v1/by-fingerprint/${SIGNER}`]);
    // Nothing was written by looking.
    const before = await loadKeyringFile(files.keyring);
    assert.ok(before.ok && before.value.keys.length === 1);

    const inside = await session.connection.sendRequest(ImportKeyRequest.type, { token: found.keys[0].token, keyring: path.join(files.repo, 'pubring.gpg') });
    assert.ok(!inside.ok && inside.error.code === 'setting-refused', JSON.stringify(inside));
    assert.equal(fs.existsSync(path.join(files.repo, 'pubring.gpg')), false);

    const published = session.diagnostics.get(uri)!.length;
    const imported = await session.connection.sendRequest(ImportKeyRequest.type, { token: found.keys[0].token });
    assert.ok(imported.ok, JSON.stringify(imported));
    assert.deepEqual([imported.fingerprint, imported.keyring, imported.change, imported.inUse], [SIGNER, files.keyring, 'new', true]);
    const ring = await loadKeyringFile(files.keyring);
    assert.ok(ring.ok);
    assert.deepEqual(ring.value.keys.map((k) => k.info.fingerprint).sort(), [SIGNER, fpr('stranger')].sort());
    await session.waitForDiagnostics(uri, { after: published, where: (d) => !d.some((x) => x.code === 'unknown-signer') });
    const again = await session.connection.sendRequest(ImportKeyRequest.type, { token: found.keys[0].token });
    assert.ok(!again.ok && again.error.code === 'key-not-found', 'a token imports once');
  });
});

describe('signer key look-up in Restricted Mode', () => {
  test('no look-up quick fix, the network request and the import are refused, no request reaches the keyserver, nothing is written', async () => {
    const server = await new KeyServer().start();
    const files = setUp();
    const session = await LspSession.start({
      workspace: files.repo, settings: { keyrings: [files.keyring], keyservers: [server.url], keyLookups: true },
      initializationOptions: { workspaceTrusted: false }, env: { GNUPGHOME: files.user },
    });
    try {
      const uri = await session.open(files.prov, 'helm-provenance');
      const diagnostics = await session.waitForDiagnostics(uri, { version: 1, where: (d) => d.some((x) => x.code === 'unknown-signer') });
      assert.deepEqual(await quickFixes(session, uri, diagnostics), []);
      const network = await session.connection.sendRequest(FindKeyRequest.type, { issuer: SIGNER, from: 'network' });
      assert.ok(!network.ok && network.error.code === 'workspace-untrusted');
      assert.equal(server.requests.length, 0);
      // Reading the KEYS file is allowed (Restricted Mode reads); writing the keyring is not.
      const shown = await session.connection.sendRequest(FindKeyRequest.type, { issuer: SIGNER, from: 'keys-file' });
      assert.ok(shown.ok && shown.keys.length === 1);
      const before = fs.readFileSync(files.keyring);
      const imported = await session.connection.sendRequest(ImportKeyRequest.type, { token: shown.keys[0].token });
      assert.ok(!imported.ok && imported.error.code === 'workspace-untrusted', JSON.stringify(imported));
      assert.ok(fs.readFileSync(files.keyring).equals(before));
    } finally {
      await session.stop();
      await server.stop();
    }
  });
});
