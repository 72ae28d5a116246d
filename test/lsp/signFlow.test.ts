// Sign Chart as a person meets it (issue 13, points 1 and 4): re-signing while the `.prov` is open in a
// tab names the key just used — in the response, the status and the lens — never the old content the
// tab still holds; a watcher event that arrives while the server is writing does not publish "Unsigned"
// after "Signed"; a failed Sign or Package says in the log what it tried.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileChangeType } from 'vscode-languageserver-protocol/node';
import { shortFingerprint } from '../../server/src/lsp/keyText';
import { PackageRequest, SignRequest, VerifyRequest } from '../../server/src/lsp/protocol';
import { fixtureFingerprint, signedCases, signedKeyrings, signedKeys, tempDir, unpackSignedChart } from '../support/tools';
import { LspSession, uriOf } from './lspSession';

const pubring = path.join(signedKeyrings, 'pubring.gpg');
const oldSigner = fixtureFingerprint('rsa2048');
const newSigner = fixtureFingerprint('ed25519');
const lockedFingerprint = fixtureFingerprint('locked');
const passphrase = fs.readFileSync(path.join(signedKeys, 'locked.passphrase'), 'utf8').trim();

describe('re-signing while the .prov is open in a tab', () => {
  let workspace: string;
  let session: LspSession;

  before(async () => {
    workspace = tempDir('lsp-resign-');
    unpackSignedChart('valid-locked', path.join(workspace, 'charts'));
    // Two unprotected secret keys in one keyring file (binary keyrings concatenate).
    const secring = path.join(workspace, 'two.sec.gpg');
    fs.writeFileSync(secring, Buffer.concat(['rsa2048', 'ed25519'].map((k) => fs.readFileSync(path.join(signedKeys, `${k}.sec.gpg`)))));
    session = await LspSession.start({ workspace, settings: { keyrings: [pubring], secretKeyring: secring, signingBackend: 'openpgp' } });
  });

  after(async () => {
    await session.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  test('the response, the chart status and the lens name the key just used, not the open buffer\'s old signer', async () => {
    const chartYaml = path.join(workspace, 'charts', 'devlocked', 'Chart.yaml');
    const first = await session.connection.sendRequest(SignRequest.type, { uri: uriOf(chartYaml), key: oldSigner });
    assert.ok(first.ok, JSON.stringify(first));
    assert.equal(first.status.signer?.fingerprint, oldSigner);
    const provPath = path.join(workspace, 'charts', 'devlocked-0.1.0.tgz.prov');
    // The editor has the .prov open with the old signer's content, and has not reloaded it yet.
    const provUri = await session.open(provPath, 'helm-provenance');
    await session.waitForStatus('the open .prov checked', (s) => s.uri === provUri && s.state === 'verified');

    const second = await session.connection.sendRequest(SignRequest.type, { uri: uriOf(chartYaml), key: newSigner });
    assert.ok(second.ok, JSON.stringify(second));
    assert.equal(second.status.state, 'verified');
    assert.equal(second.status.signer?.fingerprint, newSigner, 'the status after signing is judged from the file just written');
    assert.equal(second.signedBy.fingerprint, newSigner, 'who signed comes from the signing itself');
    assert.equal(second.signedBy.backend, 'openpgp');
    const [lens] = await session.codeLens(uriOf(chartYaml));
    assert.ok(lens.command!.title.includes(shortFingerprint(newSigner)), lens.command!.title);
    assert.ok(!lens.command!.title.includes(shortFingerprint(oldSigner)), lens.command!.title);
    const chartStatus = session.statuses.filter((s) => s.uri === uriOf(chartYaml)).at(-1);
    assert.equal(chartStatus?.signer?.fingerprint, newSigner);

    // The editor reloads the tab with the new content: the buffer is what is read again (and still agrees).
    const reloaded = await session.change(provUri, fs.readFileSync(provPath, 'utf8'));
    await session.waitForDiagnostics(provUri, { version: reloaded });
    // The user edits the buffer away from disk: the buffer counts again (an edit is the user's to make).
    const before = session.statuses.length;
    await session.change(provUri, fs.readFileSync(provPath, 'utf8').replace(/sha256:[0-9a-f]{8}/, 'sha256:00000000'));
    const edited = await session.waitForStatus('the chart re-judged from the edited buffer', (s) => s.uri === uriOf(chartYaml) && s.state !== 'verified', before);
    assert.equal(edited.state, 'rejected');
  });

  test('Package Chart does not replace a signed archive unless asked: archive-has-signature, nothing written', async () => {
    const chartYaml = path.join(workspace, 'charts', 'devlocked', 'Chart.yaml');
    const archive = path.join(workspace, 'charts', 'devlocked-0.1.0.tgz');
    fs.appendFileSync(path.join(workspace, 'charts', 'devlocked', 'values.yaml'), '\nextra: 1\n');
    const before = fs.readFileSync(archive);
    const refused = await session.connection.sendRequest(PackageRequest.type, { uri: uriOf(chartYaml) });
    assert.ok(!refused.ok);
    assert.equal(refused.error.code, 'archive-has-signature');
    assert.ok(refused.error.message.includes(archive), refused.error.message);
    assert.ok(fs.readFileSync(archive).equals(before), 'the signed archive was not touched');
    const replaced = await session.connection.sendRequest(PackageRequest.type, { uri: uriOf(chartYaml), replaceSigned: true });
    assert.ok(replaced.ok, JSON.stringify(replaced));
    assert.ok(!fs.readFileSync(archive).equals(before), 'replaced when asked');
  });
});

describe('watcher events while the server writes', () => {
  let workspace: string;
  let session: LspSession;

  before(async () => {
    workspace = tempDir('lsp-held-events-');
    unpackSignedChart('valid-locked', path.join(workspace, 'charts'));
    session = await LspSession.start({
      workspace,
      settings: { keyrings: [pubring], secretKeyring: path.join(signedKeys, 'locked.sec.gpg'), defaultSigningKey: lockedFingerprint },
      // While the server waits for the passphrase the archive is written and its .prov is not: the
      // editor's watcher reports the new archive now, and the test waits until the server dealt with it.
      passphrase: async () => {
        const archive = path.join(workspace, 'charts', 'devlocked-0.1.0.tgz');
        const seen = session.statuses.length;
        await session.fileChanged(archive, FileChangeType.Created);
        await session.waitFor('the event handled (held, or a status published)', () =>
          session.logs.some((l) => l.includes(`file event for ${archive} held`)) || session.statuses.slice(seen).some((s) => s.uri === uriOf(chartYaml())) || undefined);
        return passphrase;
      },
    });
  });
  const chartYaml = () => path.join(workspace, 'charts', 'devlocked', 'Chart.yaml');

  after(async () => {
    await session.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  test('no "Unsigned" is published for the chart between asking to sign and the signed answer', async () => {
    await session.waitForStatus('not packaged yet', (s) => s.uri === uriOf(chartYaml()) && s.state === 'not-packaged');
    const from = session.statuses.length;
    const result = await session.connection.sendRequest(SignRequest.type, { uri: uriOf(chartYaml()) });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.status.state, 'verified');
    const states = session.statuses.slice(from).filter((s) => s.uri === uriOf(chartYaml())).map((s) => s.state);
    assert.deepEqual(states.filter((s) => s === 'unsigned'), [], `chart states while signing: ${states.join(', ')}`);
    // The held event is handled after the answer, and agrees with it.
    const after = await session.waitFor('the held event handled', () => session.logs.some((l) => /file event .* held/.test(l)) || undefined);
    assert.ok(after);
    const [lens] = await session.codeLens(uriOf(chartYaml()));
    assert.match(lens.command!.title, /^✓ Signed by .* · verified$/);
  });
});

describe('a failed Sign, Package or Verify says what it tried', () => {
  let workspace: string;
  let session: LspSession;
  let gnupgHome: string;

  before(async () => {
    workspace = tempDir('lsp-sign-log-');
    gnupgHome = tempDir('lsp-sign-log-gnupg-');
    fs.chmodSync(gnupgHome, 0o700);
    unpackSignedChart('valid-locked', path.join(workspace, 'charts'));
    session = await LspSession.start({ workspace, settings: { keyrings: [pubring], gnupgHome } });
  });

  after(async () => {
    await session.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(gnupgHome, { recursive: true, force: true });
  });

  test('Sign Chart with a key no backend holds: the log names the backends, the key, the keyrings and the GnuPG home', async () => {
    const chartYaml = path.join(workspace, 'charts', 'devlocked', 'Chart.yaml');
    const result = await session.connection.sendRequest(SignRequest.type, { uri: uriOf(chartYaml), key: 'nobody@example.invalid' });
    assert.ok(!result.ok);
    assert.equal(result.error.code, 'key-not-found');
    const line = await session.waitFor('the failure logged', () => session.logs.find((l) => l.includes('Sign Chart failed')));
    assert.match(line, /\[key-not-found\]/);
    assert.match(line, /backend auto \(tried gpg\)/, 'no keyring file exists: only gpg was asked');
    assert.match(line, /key nobody@example\.invalid/);
    assert.ok(line.includes(`GnuPG home ${gnupgHome}`), line);
    assert.ok(line.includes(`${path.join(gnupgHome, 'secring.gpg')} (absent)`), `the keyring file looked for: ${line}`);
    assert.ok(line.includes(uriOf(chartYaml)), `the chart: ${line}`);
    // The key is looked up before anything is packaged, as the CLI does.
    assert.equal(fs.existsSync(path.join(workspace, 'charts', 'devlocked-0.1.0.tgz')), false, 'nothing packaged for a key no backend holds');
  });

  test('Package Chart into an output folder that cannot be written: the log names the chart and the folder', async () => {
    const chartDir = path.join(workspace, 'charts', 'devlocked');
    const blocked = path.join(workspace, 'a-file');
    fs.writeFileSync(blocked, 'not a folder');
    const result = await session.connection.sendRequest(PackageRequest.type, { uri: uriOf(chartDir), outDir: uriOf(path.join(blocked, 'out')) });
    assert.ok(!result.ok);
    const line = await session.waitFor('the failure logged', () => session.logs.find((l) => l.includes('Package Chart failed')));
    assert.ok(line.includes(`[${result.error.code}]`), line);
    assert.ok(line.includes(`output folder ${path.join(blocked, 'out')}`), line);
    assert.ok(line.includes(`chart folder ${chartDir}`), line);
  });

  test('Verify that does not verify: the log names the archive, the .prov and the keyrings it read', async () => {
    const dir = path.join(workspace, 'downloaded');
    fs.cpSync(path.join(signedCases, 'unknown-signer'), dir, { recursive: true });
    const archive = path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
    const result = await session.connection.sendRequest(VerifyRequest.type, { uri: uriOf(archive) });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.status.code, 'unknown-signer');
    const line = await session.waitFor('the verdict logged', () => session.logs.find((l) => l.includes(`Verify ${archive}`)));
    assert.match(line, /\[unknown-signer\]/);
    assert.ok(line.includes(`provenance ${archive}.prov`), line);
    assert.ok(line.includes(`keyrings ${pubring} (`), line);
    assert.match(line, /trusted fingerprints any key in the keyrings/);
  });
});

