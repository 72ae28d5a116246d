// The archive goes out of date when its chart folder changes (issue 13.9), over JSON-RPC: Package and
// Sign a chart, edit values.yaml on disk, and the chart's status and lens say "archive out of date:
// values.yaml changed since packaging" with Package and Sign as the action; many files are named up to
// three, "and N more"; putting the file back makes the chart verified again. In Restricted Mode no
// lens offers to package or sign (it could only fail): it says what is off and why.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageChart } from '../../server/src/provenance/package';
import { COMMANDS, SignRequest, VerifyRequest, type StatusParams } from '../../server/src/lsp/protocol';
import { fixtureFingerprint, signedKeys, tempDir } from '../support/tools';
import { LspSession, uriOf } from './lspSession';

const fingerprint = fixtureFingerprint('ed25519');
const publicKeyring = path.join(signedKeys, 'ed25519.pub.gpg');

/** A chart `charts/<name>/` with values.yaml and two templates; answers its Chart.yaml. */
function writeChart(workspace: string, name: string, version = '0.1.0'): string {
  const dir = path.join(workspace, 'charts', name);
  fs.mkdirSync(path.join(dir, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: ${version}\n`);
  fs.writeFileSync(path.join(dir, 'values.yaml'), 'replicas: 1\n');
  fs.writeFileSync(path.join(dir, 'templates', 'a.yaml'), 'kind: ConfigMap\n');
  fs.writeFileSync(path.join(dir, 'templates', 'b.yaml'), 'kind: Secret\n');
  return path.join(dir, 'Chart.yaml');
}

describe('an archive older than its chart folder', () => {
  let workspace: string;
  let chartYaml: string;
  let session: LspSession;
  const chartStatus = (where: (s: StatusParams) => boolean, after = 0) =>
    session.waitForStatus('the chart status', (s) => s.scope === 'chart' && s.uri === uriOf(chartYaml) && where(s), after);
  const lensTitles = async () => (await session.codeLens(uriOf(chartYaml))).map((l) => l.command!.title);

  before(async () => {
    workspace = tempDir('lsp-freshness-');
    chartYaml = writeChart(workspace, 'app');
    session = await LspSession.start({
      workspace,
      settings: { keyrings: [publicKeyring], secretKeyring: path.join(signedKeys, 'ed25519.sec.gpg'), defaultSigningKey: fingerprint },
    });
  });

  after(async () => {
    await session.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  test('Package and Sign, then values.yaml edited on disk: out of date, naming values.yaml, with Package and Sign', async () => {
    await chartStatus((s) => s.state === 'not-packaged');
    const signed = await session.connection.sendRequest(SignRequest.type, { uri: uriOf(chartYaml), packageFirst: true });
    assert.ok(signed.ok, JSON.stringify(signed));
    await chartStatus((s) => s.state === 'verified');

    const values = path.join(path.dirname(chartYaml), 'values.yaml');
    const original = fs.readFileSync(values);
    const before = session.statuses.length;
    fs.writeFileSync(values, 'replicas: 3\n');
    await session.fileChanged(values);
    const stale = await chartStatus((s) => s.state !== 'verified', before);
    assert.equal(stale.state, 'stale');
    assert.equal(stale.severity, 'warning');
    assert.equal(stale.code, 'archive-differs-from-source');
    assert.equal(stale.summary, 'Out of date');
    assert.match(stale.message, /^Archive out of date: values\.yaml changed since packaging\. Its signature holds for the archive as it is, not for the chart folder\. Package and Sign/);
    assert.equal(stale.signer?.fingerprint, fingerprint, 'the signature is still named');
    const [lens, open] = await session.codeLens(uriOf(chartYaml));
    assert.equal(lens.command!.title, '⚠ Archive out of date: values.yaml changed since packaging — Package and Sign');
    assert.equal(lens.command!.command, COMMANDS.packageAndSignChart);
    assert.equal(open.command!.command, COMMANDS.openProvenance);

    // Put back as it was: the archive is current again (the folder is compared, not its times).
    const again = session.statuses.length;
    fs.writeFileSync(values, original);
    await session.fileChanged(values);
    await chartStatus((s) => s.state === 'verified', again);
    assert.match((await lensTitles())[0], /^✓ Signed by .* · verified$/);
  });

  test('many files changed: three named, "and N more"; a new and a removed file say so', async () => {
    const dir = path.dirname(chartYaml);
    const before = session.statuses.length;
    fs.writeFileSync(path.join(dir, 'values.yaml'), 'replicas: 5\n');
    fs.rmSync(path.join(dir, 'templates', 'a.yaml'));
    fs.writeFileSync(path.join(dir, 'templates', 'b.yaml'), 'kind: Secret\ndata: {}\n');
    fs.writeFileSync(path.join(dir, 'templates', 'c.yaml'), 'kind: Service\n');
    fs.writeFileSync(path.join(dir, 'README.md'), '# app\n');
    for (const f of ['values.yaml', 'templates/a.yaml', 'templates/b.yaml', 'templates/c.yaml', 'README.md']) await session.fileChanged(path.join(dir, f));
    const stale = await chartStatus((s) => s.state === 'stale' && /and 2 more/.test(s.message), before);
    assert.match(stale.message, /^Archive out of date: README\.md \(new\), templates\/a\.yaml \(removed\), templates\/b\.yaml and 2 more changed since packaging\./);
  });

  test('Verify Chart compares again even when no watcher reported the change', async () => {
    const signed = await session.connection.sendRequest(SignRequest.type, { uri: uriOf(chartYaml), packageFirst: true });
    assert.ok(signed.ok, JSON.stringify(signed));
    assert.equal(signed.status.state, 'verified');
    fs.writeFileSync(path.join(path.dirname(chartYaml), 'values.yaml'), 'replicas: 7\n');
    const verified = await session.connection.sendRequest(VerifyRequest.type, { uri: uriOf(chartYaml) });
    assert.ok(verified.ok, JSON.stringify(verified));
    assert.equal(verified.status.state, 'stale');
    assert.match(verified.status.message, /^Archive out of date: values\.yaml changed since packaging/);
  });
});

describe('Restricted Mode: no lens offers what can only fail', () => {
  let workspace: string;
  let session: LspSession;
  const chart = (name: string) => path.join(workspace, 'charts', name, 'Chart.yaml');
  const settledLens = async (file: string, state: string) => {
    await session.waitForStatus(`${state} for ${file}`, (s) => s.scope === 'chart' && s.uri === uriOf(file) && s.state === state);
    return (await session.codeLens(uriOf(file))).map((l) => ({ title: l.command!.title, command: l.command!.command }));
  };

  before(async () => {
    workspace = tempDir('lsp-freshness-restricted-');
    writeChart(workspace, 'fresh');
    const unsigned = writeChart(workspace, 'plain');
    const outdated = writeChart(workspace, 'edited');
    const bumped = writeChart(workspace, 'bumped');
    for (const c of [unsigned, outdated, bumped]) assert.ok((await packageChart(path.dirname(c), { outDir: path.join(workspace, 'charts') })).ok);
    fs.writeFileSync(path.join(path.dirname(outdated), 'values.yaml'), 'replicas: 2\n');
    fs.writeFileSync(bumped, fs.readFileSync(bumped, 'utf8').replace('0.1.0', '0.2.0'));
    session = await LspSession.start({ workspace, settings: { keyrings: [publicKeyring] }, initializationOptions: { workspaceTrusted: false } });
  });

  after(async () => {
    await session.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  test('not packaged, unsigned, out of date and stale lenses say Package/Sign is off, and run nothing', async () => {
    assert.deepEqual(await settledLens(chart('fresh'), 'not-packaged'), [{ title: 'Not packaged — Package and Sign is off in Restricted Mode (it writes files)', command: '' }]);
    assert.deepEqual(await settledLens(chart('plain'), 'unsigned'), [{ title: '⚠ Unsigned — Sign Chart is off in Restricted Mode (it writes files)', command: '' }]);
    assert.deepEqual(await settledLens(chart('edited'), 'stale'), [{ title: '⚠ Archive out of date: values.yaml changed since packaging — Package and Sign is off in Restricted Mode (it writes files)', command: '' }]);
    assert.deepEqual(await settledLens(chart('bumped'), 'stale'), [{ title: 'Stale: archive holds 0.1.0, Chart.yaml says 0.2.0 — Package and Sign is off in Restricted Mode (it writes files)', command: '' }]);
  });
});
