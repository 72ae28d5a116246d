// Package, sign, list keys and verify a detached signature through the server's requests, with the
// passphrase asked from the client by the server→client request. The signed chart is checked by the real
// `helm verify`, not only by the server that signed it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListSigningKeysRequest, PackageRequest, SignRequest, VerifyFileRequest } from '../../server/src/lsp/protocol';
import { GpgHome, helm, signedKeyrings, signedKeys, tempDir, unpackSignedChart as unpackChart } from '../support/tools';
import { LspSession, uriOf } from './lspSession';

const pubring = path.join(signedKeyrings, 'pubring.gpg');
const lockedFingerprint = fs.readFileSync(path.join(signedKeys, 'locked.fpr'), 'utf8').trim();
const passphrase = fs.readFileSync(path.join(signedKeys, 'locked.passphrase'), 'utf8').trim();

describe('package and sign over LSP', () => {
  let workspace: string;
  let session: LspSession;
  let answers: (string | null)[];

  before(async () => {
    workspace = tempDir('lsp-sign-');
    unpackChart('valid-locked', path.join(workspace, 'charts'));
    answers = [];
    session = await LspSession.start({
      workspace,
      settings: { keyrings: [pubring], secretKeyring: path.join(signedKeys, 'locked.sec.gpg'), defaultSigningKey: lockedFingerprint },
      passphrase: () => (answers.length ? answers.shift()! : null),
    });
  });

  after(async () => {
    await session.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  test('listSigningKeys: the protected default key, usable', async () => {
    const list = await session.connection.sendRequest(ListSigningKeysRequest.type, {});
    assert.ok(list.ok, JSON.stringify(list));
    assert.equal(list.backend, 'auto');
    const key = list.keys.find((k) => k.fingerprint === lockedFingerprint);
    assert.ok(key, JSON.stringify(list.keys));
    assert.equal(key.backend, 'openpgp', 'a key in the exported keyring is signed by openpgp.js');
    assert.equal(key.protected, true);
    assert.equal(key.usable, true);
    assert.equal(key.isDefault, true);
  });

  test('Sign Chart on a chart that was never packaged: packages, asks the passphrase again after a wrong one, and helm verifies it', async () => {
    const chartYaml = path.join(workspace, 'charts', 'devlocked', 'Chart.yaml');
    await session.waitForStatus('not packaged yet', (s) => s.uri === uriOf(chartYaml) && s.state === 'not-packaged');
    answers.push('not the passphrase', passphrase);
    const result = await session.connection.sendRequest(SignRequest.type, { uri: uriOf(chartYaml) });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.packaged, true);
    assert.deepEqual(session.passphraseRequests.map((p) => [p.fingerprint, p.attempt, p.previousWrong]), [[lockedFingerprint, 1, false], [lockedFingerprint, 2, true]]);
    assert.equal(result.status.state, 'verified');
    assert.equal(result.status.signer?.fingerprint, lockedFingerprint);

    const archive = fileURLToPath(result.archive);
    assert.equal(path.dirname(archive), path.join(workspace, 'charts'), 'packaged next to the chart folder');
    assert.equal(fileURLToPath(result.prov), `${archive}.prov`);
    const verified = helm(['verify', '--keyring', pubring, archive]);
    assert.equal(verified.status, 0, verified.stderr);
    assert.match(verified.stdout, new RegExp(`Using Key With Fingerprint: ${lockedFingerprint}`));

    const [lens] = await session.codeLens(uriOf(chartYaml));
    assert.match(lens.command!.title, /^✓ Signed by .* · verified$/);

    // Both passphrases crossed the connection sealed: a protocol trace of every byte holds neither.
    const wire = Buffer.concat(session.wire);
    assert.ok(wire.includes('"recipientKey"'), 'the passphrase requests are on the wire');
    for (const secret of [passphrase, 'not the passphrase']) assert.equal(wire.includes(secret), false, `"${secret}" is on the wire`);
  });

  test('a cancelled passphrase prompt leaves nothing signed and says why', async () => {
    const chartDir = unpackChart('valid-locked', path.join(workspace, 'again'));
    const asked = session.passphraseRequests.length;
    const result = await session.connection.sendRequest(SignRequest.type, { uri: uriOf(chartDir) });
    assert.ok(!result.ok);
    assert.equal(result.error.code, 'passphrase-required');
    assert.equal(session.passphraseRequests.length, asked + 1);
    const archive = path.join(workspace, 'again', 'devlocked-0.1.0.tgz');
    // The archive this Sign Chart packaged is removed again: no unsigned archive is left behind (issue 13).
    assert.ok(!fs.existsSync(archive), 'the archive packaged for this signing is removed');
    assert.ok(session.logs.some((l) => l.includes(`Removed the unsigned ${archive}`)), session.logs.join('\n'));
    assert.ok(!fs.existsSync(`${archive}.prov`), 'no .prov was written');
  });

  test('package request with an output folder', async () => {
    const chartDir = unpackChart('dash-escaped', path.join(workspace, 'src'));
    const outDir = path.join(workspace, 'out-dir');
    const result = await session.connection.sendRequest(PackageRequest.type, { uri: uriOf(chartDir), outDir: uriOf(outDir) });
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.chart, { name: 'devlists', version: '0.1.0' });
    assert.equal(result.archive, uriOf(path.join(outDir, 'devlists-0.1.0.tgz')));
    assert.ok(fs.statSync(path.join(outDir, 'devlists-0.1.0.tgz')).size > 0);
  });

  test('a chart at the workspace root is packaged inside the workspace, not into the folder above it', async () => {
    const root = unpackChart('dash-escaped', tempDir('lsp-root-chart-'));
    const rootSession = await LspSession.start({ workspace: root, settings: { keyrings: [pubring] } });
    try {
      const result = await rootSession.connection.sendRequest(PackageRequest.type, { uri: uriOf(root) });
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.archive, uriOf(path.join(root, 'devlists-0.1.0.tgz')));
      assert.deepEqual(fs.readdirSync(path.dirname(root)), [path.basename(root)], 'nothing was written beside the workspace');
    } finally {
      await rootSession.stop();
      fs.rmSync(path.dirname(root), { recursive: true, force: true });
    }
  });

  test('verifyFile: a relative keyring path is refused, never read against the server\'s folder', async () => {
    const result = await session.connection.sendRequest(VerifyFileRequest.type, {
      file: uriOf(path.join(workspace, 'x')), signature: uriOf(path.join(workspace, 'x.asc')), keyring: 'test/fixtures/signed/keyrings/pubring.gpg',
    });
    assert.ok(!result.ok);
    assert.match(result.error.message, /neither a file uri nor an absolute path/);
  });

  test('verifyFile: a detached signature (made by gpg) against a chosen keyring, and a tampered file', async () => {
    const dir = tempDir('lsp-detached-');
    const gpg = new GpgHome();
    try {
      gpg.import(path.join(signedKeys, 'rsa2048.sec.gpg'));
      const file = path.join(dir, 'release.tar.gz');
      fs.writeFileSync(file, 'a release artifact\n');
      const signed = gpg.run(['--pinentry-mode', 'loopback', '--passphrase', '', '--armor', '--detach-sign', '--output', `${file}.asc`, file]);
      assert.equal(signed.status, 0, signed.stderr);
      const keyring = uriOf(path.join(signedKeys, 'rsa2048.pub.asc'));
      const good = await session.connection.sendRequest(VerifyFileRequest.type, { file: uriOf(file), signature: uriOf(`${file}.asc`), keyring });
      assert.ok(good.ok, JSON.stringify(good));
      assert.equal(good.verdict, 'verified', good.message);
      assert.equal(good.signer?.fingerprint, fs.readFileSync(path.join(signedKeys, 'rsa2048.fpr'), 'utf8').trim());
      assert.equal(good.keysFromWorkspace, undefined);

      // The same keys from a KEYS file inside the workspace: the verdict says what it proves.
      const ownKeys = path.join(workspace, 'KEYS');
      fs.copyFileSync(path.join(signedKeys, 'rsa2048.pub.asc'), ownKeys);
      const own = await session.connection.sendRequest(VerifyFileRequest.type, { file: uriOf(file), signature: uriOf(`${file}.asc`), keyring: uriOf(ownKeys) });
      assert.ok(own.ok, JSON.stringify(own));
      assert.equal(own.verdict, 'verified');
      assert.equal(own.keysFromWorkspace, uriOf(ownKeys));
      assert.match(own.message, /^Verified against the repository's own KEYS \(.*KEYS\): this proves only that the file matches that list/);

      fs.appendFileSync(file, 'one more line\n');
      const bad = await session.connection.sendRequest(VerifyFileRequest.type, { file: uriOf(file), signature: uriOf(`${file}.asc`), keyring });
      assert.ok(bad.ok);
      assert.equal(bad.verdict, 'rejected');
      assert.equal(bad.code, 'signature-invalid');
    } finally {
      gpg.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
