// A signer whose user id carries a newline, a VS Code icon, a Markdown command link and a bidi override,
// or invisible characters: the key is real and in the user's keyring, the .prov verifies, and everywhere
// the server shows the user id (hover, CodeLens title, status, outline of a KEYS file) the text is
// escaped and cannot act. A chart folder named like a VS Code icon reaches the progress messages escaped.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as openpgp from 'openpgp';
import { signedCases, tempDir } from '../support/tools';
import { LspSession, messageOf, uriOf } from './lspSession';

const HOSTILE_NAME = 'Mallory\n$(check) [Open](command:workbench.action.quit) \u202Eevil';
/** Word joiner, soft hyphen, Mongolian vowel separator, tag letter A: all invisible, none a control. */
const INVISIBLE_NAME = 'Mal\u2060lo\u00adry\u180e\u{e0041}';
/** Anything a screen would not show as it is (the classes untrustedText escapes, marks aside). */
const RAW = /[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\p{Zl}\p{Zp}\p{Cs}]/u;

/** A workspace with the corpus chart devapp 1.2.3, its .prov signed by a fresh key with user id `name`, that key's keyring and a KEYS file. */
async function signedWorkspace(name: string): Promise<{ workspace: string; fingerprint: string }> {
  const workspace = tempDir('lsp-hostile-');
  const { privateKey, publicKey } = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name, email: 'm@example.org' }], format: 'object' });
  fs.writeFileSync(path.join(workspace, 'hostile.gpg'), publicKey.write());
  fs.writeFileSync(path.join(workspace, 'KEYS'), publicKey.armor());
  // Sign the same signed text as a real Helm .prov (the archive is the corpus archive it names).
  const source = path.join(signedCases, 'valid-rsa2048');
  fs.copyFileSync(path.join(source, 'devapp-1.2.3.tgz'), path.join(workspace, 'devapp-1.2.3.tgz'));
  const helmProv = fs.readFileSync(path.join(source, 'devapp-1.2.3.tgz.prov'), 'utf8');
  const body = helmProv.slice(helmProv.indexOf('\n\n') + 2, helmProv.indexOf('-----BEGIN PGP SIGNATURE-----')).replace(/\n$/, '');
  const signed = await openpgp.sign({ message: await openpgp.createCleartextMessage({ text: body }), signingKeys: privateKey });
  fs.writeFileSync(path.join(workspace, 'devapp-1.2.3.tgz.prov'), (signed as string).replace(/\r\n/g, '\n'));
  // The chart folder is the archive's source (else the archive would be out of date with it).
  execFileSync('tar', ['xzf', path.join(workspace, 'devapp-1.2.3.tgz'), '-C', workspace]);
  return { workspace, fingerprint: publicKey.getFingerprint().toUpperCase() };
}

/** A session over a signed workspace for signer `name`, started before the describe block's tests and removed after. */
function signedSession(name: string): { workspace: string; session: LspSession; fingerprint: string } {
  const ctx = {} as { workspace: string; session: LspSession; fingerprint: string };
  before(async () => {
    Object.assign(ctx, await signedWorkspace(name));
    ctx.session = await LspSession.start({ workspace: ctx.workspace, settings: { keyrings: [path.join(ctx.workspace, 'hostile.gpg')] } });
  });
  after(async () => {
    await ctx.session.stop();
    fs.rmSync(ctx.workspace, { recursive: true, force: true });
  });
  return ctx;
}

describe('hostile user ids over LSP', () => {
  const ctx = signedSession(HOSTILE_NAME);
  const chartYaml = () => path.join(ctx.workspace, 'devapp', 'Chart.yaml');
  const prov = () => path.join(ctx.workspace, 'devapp-1.2.3.tgz.prov');


  test('the .prov verifies (the key is in the keyring), so every place shows the user id', async () => {
    const status = await ctx.session.waitForStatus('chart status', (s) => s.scope === 'chart' && s.uri === uriOf(chartYaml()));
    assert.equal(status.state, 'verified', status.message);
    assert.equal(status.signer?.fingerprint, ctx.fingerprint);
    assert.ok(!/[\n\u202E]/.test(status.signer!.uid!), `status uid escaped: ${JSON.stringify(status.signer!.uid)}`);
    assert.match(status.signer!.uid!, /\\u000a/);
    assert.match(status.signer!.uid!, /\\u202e/);
  });

  test('CodeLens title: no newline, no bidi control, no live icon', async () => {
    await ctx.session.waitForStatus('chart status', (s) => s.scope === 'chart' && s.uri === uriOf(chartYaml()));
    const [lens] = await ctx.session.codeLens(uriOf(chartYaml()));
    const title = lens.command!.title;
    assert.ok(title.startsWith('✓ Signed by Mallory\\u000a\\$(check) [Open](command:workbench.action.quit) \\u202eevil'), title);
    assert.ok(title.endsWith(' · verified'), title);
    assert.ok(!/[\u0000-\u001f\u202a-\u202e]/.test(title), title);
  });

  test('hover: the Markdown link and the icon are inert text', async () => {
    const text = fs.readFileSync(prov(), 'utf8');
    const uri = await ctx.session.open(prov(), 'helm-provenance', text);
    await ctx.session.waitForDiagnostics(uri, { version: 1 });
    const sigLine = text.split('\n').indexOf('-----BEGIN PGP SIGNATURE-----');
    const hover = await ctx.session.hover(uri, { line: sigLine + 1, character: 0 });
    const value = (hover?.contents as { value: string }).value;
    assert.ok(!value.includes('](command:'), value);
    assert.ok(value.includes('\\[Open\\]\\(command\\:workbench\\.action\\.quit\\)'), value);
    assert.ok(!/[\n\u202E]evil/.test(value), value);
    assert.ok(value.includes('\\\\u202eevil'), value);
    await ctx.session.close(uri);
  });

  test('outline of a KEYS file: the name is escaped, the detail is the fingerprint from the key', async () => {
    const uri = await ctx.session.open(path.join(ctx.workspace, 'KEYS'), 'pgp-keys');
    await ctx.session.waitForDiagnostics(uri, { version: 1 });
    const [symbol] = await ctx.session.symbols(uri);
    assert.equal(symbol.detail, ctx.fingerprint);
    assert.ok(!/[\n\u202E]/.test(symbol.name), JSON.stringify(symbol.name));
    await ctx.session.close(uri);
  });

  test('a key listed in the workspace KEYS is information, never trust', async () => {
    const status = await ctx.session.waitForStatus('chart status with listing', (s) => s.uri === uriOf(chartYaml()) && !!s.signer?.listedInWorkspaceKeys);
    assert.deepEqual(status.signer!.listedInWorkspaceKeys, [uriOf(path.join(ctx.workspace, 'KEYS'))]);
  });
});

describe('invisible characters in a user id over LSP', () => {
  const ctx = signedSession(INVISIBLE_NAME);
  const chartYaml = () => path.join(ctx.workspace, 'devapp', 'Chart.yaml');
  const prov = () => path.join(ctx.workspace, 'devapp-1.2.3.tgz.prov');
  const escaped = 'Mal\\u2060lo\\u00adry\\u180e\\u{e0041}';


  test('status: the user id, the message and every other text arrive escaped', async () => {
    const status = await ctx.session.waitForStatus('chart status', (s) => s.scope === 'chart' && s.uri === uriOf(chartYaml()));
    assert.equal(status.state, 'verified', status.message);
    assert.ok(status.signer!.uid!.startsWith(escaped), status.signer!.uid);
    assert.ok(status.signer!.uids.every((u) => u.startsWith(escaped)), JSON.stringify(status.signer!.uids));
    assert.ok(status.message.includes(escaped), status.message);
    assert.ok(!RAW.test(JSON.stringify(status)), JSON.stringify(status));
  });

  test('hover and CodeLens: escaped, for Markdown and for a title', async () => {
    await ctx.session.waitForStatus('chart status', (s) => s.scope === 'chart' && s.uri === uriOf(chartYaml()));
    const [lens] = await ctx.session.codeLens(uriOf(chartYaml()));
    assert.ok(lens.command!.title.startsWith(`✓ Signed by ${escaped}`), lens.command!.title);
    assert.ok(!RAW.test(lens.command!.title), lens.command!.title);

    const text = fs.readFileSync(prov(), 'utf8');
    const uri = await ctx.session.open(prov(), 'helm-provenance', text);
    const diagnostics = await ctx.session.waitForDiagnostics(uri, { version: 1 });
    for (const d of diagnostics) assert.ok(!RAW.test(messageOf(d)), messageOf(d));
    const sigLine = text.split('\n').indexOf('-----BEGIN PGP SIGNATURE-----');
    const hover = await ctx.session.hover(uri, { line: sigLine + 1, character: 0 });
    const value = (hover?.contents as { value: string }).value;
    for (const line of value.split('\n')) assert.ok(!RAW.test(line), line); // the hover's own line breaks aside
    // Markdown escapes the escapes' backslashes and braces, so they show as written.
    assert.ok(value.includes('Signed by: Mal\\\\u2060lo\\\\u00adry\\\\u180e\\\\u\\{e0041\\}'), value);
    await ctx.session.close(uri);
  });
});

describe('a chart folder named like a VS Code icon', () => {
  const FOLDER = '$(verified-filled) Verified by x\u2060';
  let workspace: string;
  let session: LspSession;
  const chartYaml = () => path.join(workspace, FOLDER, 'Chart.yaml');

  before(async () => {
    workspace = tempDir('lsp-icon-folder-');
    fs.mkdirSync(path.join(workspace, FOLDER));
    fs.writeFileSync(chartYaml(), 'apiVersion: v2\nname: iconchart\nversion: 1.0.0\n');
    session = await LspSession.start({ workspace });
  });

  after(async () => {
    await session.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  test('indexing progress names the folder with `$(` escaped, so no icon is rendered', async () => {
    await session.waitFor('indexing progress to end', () => [...session.progress.values()].find((k) => k.includes('end')));
    assert.ok(session.progressTexts.includes('\\$(verified-filled) Verified by x\\u2060'), JSON.stringify(session.progressTexts));
    for (const text of session.progressTexts) {
      assert.ok(!/(^|[^\\])\$\(/.test(text), `a live icon in progress text ${JSON.stringify(text)}`);
      assert.ok(!RAW.test(text), JSON.stringify(text));
    }
  });

  test('the chart status carries the folder only escaped', async () => {
    const status = await session.waitForStatus('chart status', (s) => s.scope === 'chart' && s.uri === uriOf(chartYaml()));
    assert.equal(status.state, 'not-packaged', status.message);
    assert.ok(status.message.includes('Verified by x\\u2060'), status.message);
    assert.ok(!RAW.test(JSON.stringify(status)), JSON.stringify(status));
    assert.ok(!status.summary.includes('$('), status.summary);
  });
});
