// A signer whose user id carries a newline, a VS Code icon, a Markdown command link and a bidi override:
// the key is real and in the user's keyring, the .prov verifies, and everywhere the server shows the user
// id (hover, CodeLens title, status, outline of a KEYS file) the text is escaped and cannot act.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as openpgp from 'openpgp';
import { signedCases, tempDir } from '../support/tools';
import { LspSession, uriOf } from './lspSession';

const HOSTILE_NAME = 'Mallory\n$(check) [Open](command:workbench.action.quit) \u202Eevil';

describe('hostile user ids over LSP', () => {
  let workspace: string;
  let session: LspSession;
  let fingerprint: string;
  const chartYaml = () => path.join(workspace, 'devapp', 'Chart.yaml');
  const prov = () => path.join(workspace, 'devapp-1.2.3.tgz.prov');

  before(async () => {
    workspace = tempDir('lsp-hostile-');
    const { privateKey, publicKey } = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: HOSTILE_NAME, email: 'm@example.org' }], format: 'object' });
    fingerprint = publicKey.getFingerprint().toUpperCase();
    fs.writeFileSync(path.join(workspace, 'hostile.gpg'), publicKey.write());
    fs.writeFileSync(path.join(workspace, 'KEYS'), publicKey.armor());
    // Sign the same signed text as a real Helm .prov (the archive is the corpus archive it names).
    const source = path.join(signedCases, 'valid-rsa2048');
    fs.copyFileSync(path.join(source, 'devapp-1.2.3.tgz'), path.join(workspace, 'devapp-1.2.3.tgz'));
    const helmProv = fs.readFileSync(path.join(source, 'devapp-1.2.3.tgz.prov'), 'utf8');
    const body = helmProv.slice(helmProv.indexOf('\n\n') + 2, helmProv.indexOf('-----BEGIN PGP SIGNATURE-----')).replace(/\n$/, '');
    const signed = await openpgp.sign({ message: await openpgp.createCleartextMessage({ text: body }), signingKeys: privateKey });
    fs.writeFileSync(prov(), (signed as string).replace(/\r\n/g, '\n'));
    fs.mkdirSync(path.dirname(chartYaml()));
    fs.writeFileSync(chartYaml(), 'apiVersion: v2\nname: devapp\nversion: 1.2.3\n');
    session = await LspSession.start({ workspace, settings: { keyrings: [path.join(workspace, 'hostile.gpg')] } });
  });

  after(async () => {
    await session.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  test('the .prov verifies (the key is in the keyring), so every place shows the user id', async () => {
    const status = await session.waitForStatus('chart status', (s) => s.scope === 'chart' && s.uri === uriOf(chartYaml()));
    assert.equal(status.state, 'verified', status.message);
    assert.equal(status.signer?.fingerprint, fingerprint);
    assert.ok(!/[\n\u202E]/.test(status.signer!.uid!), `status uid escaped: ${JSON.stringify(status.signer!.uid)}`);
    assert.match(status.signer!.uid!, /\\u000a/);
    assert.match(status.signer!.uid!, /\\u202e/);
  });

  test('CodeLens title: no newline, no bidi control, no live icon', async () => {
    await session.waitForStatus('chart status', (s) => s.scope === 'chart' && s.uri === uriOf(chartYaml()));
    const [lens] = await session.codeLens(uriOf(chartYaml()));
    const title = lens.command!.title;
    assert.ok(title.startsWith('✓ Signed by Mallory\\u000a\\$(check) [Open](command:workbench.action.quit) \\u202eevil'), title);
    assert.ok(title.endsWith(' · verified'), title);
    assert.ok(!/[\u0000-\u001f\u202a-\u202e]/.test(title), title);
  });

  test('hover: the Markdown link and the icon are inert text', async () => {
    const text = fs.readFileSync(prov(), 'utf8');
    const uri = await session.open(prov(), 'helm-provenance', text);
    await session.waitForDiagnostics(uri, { version: 1 });
    const sigLine = text.split('\n').indexOf('-----BEGIN PGP SIGNATURE-----');
    const hover = await session.hover(uri, { line: sigLine + 1, character: 0 });
    const value = (hover?.contents as { value: string }).value;
    assert.ok(!value.includes('](command:'), value);
    assert.ok(value.includes('\\[Open\\]\\(command\\:workbench\\.action\\.quit\\)'), value);
    assert.ok(!/[\n\u202E]evil/.test(value), value);
    assert.ok(value.includes('\\\\u202eevil'), value);
    await session.close(uri);
  });

  test('outline of a KEYS file: the name is escaped, the detail is the fingerprint from the key', async () => {
    const uri = await session.open(path.join(workspace, 'KEYS'), 'pgp-keys');
    await session.waitForDiagnostics(uri, { version: 1 });
    const [symbol] = await session.symbols(uri);
    assert.equal(symbol.detail, fingerprint);
    assert.ok(!/[\n\u202E]/.test(symbol.name), JSON.stringify(symbol.name));
    await session.close(uri);
  });

  test('a key listed in the workspace KEYS is information, never trust', async () => {
    const status = await session.waitForStatus('chart status with listing', (s) => s.uri === uriOf(chartYaml()) && !!s.signer?.listedInWorkspaceKeys);
    assert.deepEqual(status.signer!.listedInWorkspaceKeys, [uriOf(path.join(workspace, 'KEYS'))]);
  });
});
