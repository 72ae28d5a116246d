// CodeLens on Chart.yaml over a real LSP connection, for a workspace with charts in every state, and the
// live update: an archive replaced on disk + workspace/didChangeWatchedFiles changes the lens, the
// diagnostics of the .prov and the chart's status. The time that takes is printed, never asserted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileChangeType } from 'vscode-languageserver-protocol/node';
import { ChartsRequest, ChartStatusRequest, COMMANDS, VerifyRequest, type StatusParams } from '../../server/src/lsp/protocol';
import { signedCases, signedKeyrings, tempDir } from '../support/tools';
import { LspSession, uriOf } from './lspSession';

const keyring = path.join(signedKeyrings, 'pubring.gpg');

/** Copies a corpus case's archive (and .prov) into `dir`, and unpacks its chart (the archive's source) into `chartDir`. */
function placeChart(caseName: string, dir: string, chartDir: string, options: { prov?: boolean; chartFrom?: string } = {}): void {
  const from = path.join(signedCases, caseName);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(from)) {
    if (f.endsWith('.tgz') || (options.prov !== false && f.endsWith('.prov'))) fs.copyFileSync(path.join(from, f), path.join(dir, f));
  }
  const archive = path.join(signedCases, options.chartFrom ?? caseName, fs.readdirSync(path.join(signedCases, options.chartFrom ?? caseName)).find((f) => f.endsWith('.tgz'))!);
  const name = path.basename(chartDir);
  const unpack = tempDir('lsp-unpack-');
  execFileSync('tar', ['xzf', archive, '-C', unpack]);
  fs.mkdirSync(chartDir, { recursive: true });
  fs.cpSync(path.join(unpack, name), chartDir, { recursive: true });
  fs.rmSync(unpack, { recursive: true, force: true });
}

describe('CodeLens on Chart.yaml over LSP', () => {
  let workspace: string;
  let session: LspSession;
  const chart = (...parts: string[]) => path.join(workspace, ...parts, 'Chart.yaml');

  before(async () => {
    workspace = tempDir('lsp-workspace-');
    // verified: archive next to the chart folder
    placeChart('valid-rsa2048', path.join(workspace, 'good'), path.join(workspace, 'good', 'devapp'));
    // hash mismatch: the archive was replaced after signing
    placeChart('tgz-replaced', path.join(workspace, 'tampered'), path.join(workspace, 'tampered', 'devapp'), { chartFrom: 'valid-rsa2048' });
    // unsigned: archive without .prov
    placeChart('unsigned', path.join(workspace, 'plain'), path.join(workspace, 'plain', 'devlists'));
    // not packaged: a chart alone
    fs.mkdirSync(path.join(workspace, 'fresh', 'newchart'), { recursive: true });
    fs.writeFileSync(chart('fresh', 'newchart'), 'apiVersion: v2\nname: newchart\nversion: 0.1.0\n');
    // stale: Chart.yaml moved on to 1.3.0, the archive still holds 1.2.3
    placeChart('valid-rsa2048', path.join(workspace, 'moved'), path.join(workspace, 'moved', 'devapp'));
    fs.writeFileSync(chart('moved', 'devapp'), fs.readFileSync(chart('moved', 'devapp'), 'utf8').replace('version: 1.2.3', 'version: 1.3.0'));
    // verified by a signing subkey, archive in a configured output folder
    placeChart('valid-subkey', path.join(workspace, 'dist'), path.join(workspace, 'src', 'devsub'));
    // verified, archive inside the chart folder
    placeChart('dash-escaped', path.join(workspace, 'inside', 'devlists'), path.join(workspace, 'inside', 'devlists'));
    // unknown signer
    placeChart('unknown-signer', path.join(workspace, 'stray'), path.join(workspace, 'stray', 'devstray'));
    // not regular files: an archive that is a link to /dev/zero, a .prov that is a FIFO
    placeChart('valid-rsa2048', path.join(workspace, 'device'), path.join(workspace, 'device', 'devapp'), { prov: false });
    fs.rmSync(path.join(workspace, 'device', 'devapp-1.2.3.tgz'));
    fs.symlinkSync('/dev/zero', path.join(workspace, 'device', 'devapp-1.2.3.tgz'));
    placeChart('valid-rsa2048', path.join(workspace, 'fifo'), path.join(workspace, 'fifo', 'devapp'), { prov: false });
    execFileSync('mkfifo', [path.join(workspace, 'fifo', 'devapp-1.2.3.tgz.prov')]);

    session = await LspSession.start({ workspace, settings: { keyrings: [keyring], chartOutputFolders: ['dist'] } });
  });

  after(async () => {
    await session.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  async function settledLens(file: string): Promise<string[]> {
    await session.waitForStatus(`chart status for ${file}`, (s) => s.scope === 'chart' && s.uri === uriOf(file));
    const lenses = await session.codeLens(uriOf(file));
    return lenses.map((l) => l.command!.title);
  }

  test('a lens per state, from the background index (the charts were never opened)', async () => {
    assert.deepEqual(await settledLens(chart('good', 'devapp')), ['✓ Signed by dev Rsa Signer <rsa2048@dev.example> · 95E9…0E24 · verified', 'Open .prov']);
    assert.deepEqual(await settledLens(chart('tampered', 'devapp')), ['✗ Hash mismatch — archive changed after signing', 'Open .prov']);
    assert.deepEqual(await settledLens(chart('plain', 'devlists')), ['⚠ Unsigned — Sign Chart']);
    assert.deepEqual(await settledLens(chart('fresh', 'newchart')), ['Not packaged — Package and Sign']);
    assert.deepEqual(await settledLens(chart('moved', 'devapp')), ['Stale: archive holds 1.2.3, Chart.yaml says 1.3.0 — Package and Sign']);
    const subkey = await settledLens(chart('src', 'devsub'));
    assert.match(subkey[0], /^✓ Signed by .* · verified$/);
    assert.match((await settledLens(chart('inside', 'devlists')))[0], /^✓ Signed by .* · verified$/);
    assert.match((await settledLens(chart('stray', 'devstray')))[0], /^✗ Unknown signer — key [0-9A-F]{16,40} is not in your keyrings$/);
  });

  test('an archive or .prov that is not a regular file says what it is, never "Not packaged" or "Unsigned"', async () => {
    const device = await session.waitForStatus('device chart', (s) => s.scope === 'chart' && s.uri === uriOf(chart('device', 'devapp')));
    assert.equal(device.state, 'rejected');
    assert.equal(device.code, 'archive-invalid');
    assert.equal(device.summary, 'Not a regular file');
    assert.match(device.message, /devapp-1\.2\.3\.tgz is not a regular file \(it is a link to \/dev\/zero \(a device\)\)/);
    assert.deepEqual(await settledLens(chart('device', 'devapp')), ['✗ Not a regular file — devapp-1.2.3.tgz is a link to /dev/zero (a device)']);
    const fifo = await session.waitForStatus('fifo chart', (s) => s.scope === 'chart' && s.uri === uriOf(chart('fifo', 'devapp')));
    assert.equal(fifo.state, 'rejected');
    assert.equal(fifo.code, 'malformed');
    assert.match(fifo.message, /devapp-1\.2\.3\.tgz\.prov is not a regular file \(it is a FIFO\)/);
    assert.deepEqual(await settledLens(chart('fifo', 'devapp')), ['✗ Not a regular file — devapp-1.2.3.tgz.prov is a FIFO']);
  });

  test('indexing reported its progress (begin … end) on a server-created token', async () => {
    const kinds = await session.waitFor('indexing progress to end', () => [...session.progress.values()].find((k) => k.includes('end')));
    assert.equal(kinds[0], 'begin');
    assert.equal(kinds.at(-1), 'end');
  });

  test('lens commands carry the chart, archive and .prov', async () => {
    await settledLens(chart('good', 'devapp'));
    const [verify, open] = await session.codeLens(uriOf(chart('good', 'devapp')));
    assert.equal(verify.command!.command, COMMANDS.verifyChart);
    assert.deepEqual(verify.command!.arguments, [{
      chartYaml: uriOf(chart('good', 'devapp')),
      archive: uriOf(path.join(workspace, 'good', 'devapp-1.2.3.tgz')),
      prov: uriOf(path.join(workspace, 'good', 'devapp-1.2.3.tgz.prov')),
    }]);
    assert.equal(open.command!.command, COMMANDS.openProvenance);
    // A narrow window cuts the line off: the verdict lens's tooltip is the status's whole sentence.
    const good = await session.waitForStatus('good chart', (s) => s.scope === 'chart' && s.uri === uriOf(chart('good', 'devapp')));
    assert.equal(verify.command!.tooltip, good.message);
    assert.match(good.message, /\(95E98777AE4EA9D88D9EA5553B255F9CBB150E24\)/);
    const [sign] = await session.codeLens(uriOf(chart('plain', 'devlists')));
    assert.equal(sign.command!.command, COMMANDS.signChart);
    const [pack] = await session.codeLens(uriOf(chart('fresh', 'newchart')));
    assert.equal(pack.command!.command, COMMANDS.packageAndSignChart);
  });

  test('chart status: per chart, and for any file inside a chart', async () => {
    const good = await session.waitForStatus('good chart', (s) => s.scope === 'chart' && s.uri === uriOf(chart('good', 'devapp')));
    assert.equal(good.state, 'verified');
    assert.equal(good.severity, 'ok');
    assert.equal(good.code, 'verified');
    assert.equal(good.signer?.fingerprint, '95E98777AE4EA9D88D9EA5553B255F9CBB150E24');
    assert.equal(good.signer?.uid, 'dev Rsa Signer <rsa2048@dev.example>');
    const inner = path.join(workspace, 'good', 'devapp', 'values.yaml');
    const asked = await session.connection.sendRequest(ChartStatusRequest.type, { uri: uriOf(inner) });
    assert.equal(asked?.uri, uriOf(chart('good', 'devapp')));
    assert.equal(asked?.state, 'verified');
    const tampered = await session.waitForStatus('tampered chart', (s) => s.scope === 'chart' && s.uri === uriOf(chart('tampered', 'devapp')));
    assert.equal(tampered.state, 'rejected');
    assert.equal(tampered.code, 'hash-mismatch');
    assert.equal(tampered.severity, 'error');
    const stale = await session.waitForStatus('stale chart', (s) => s.scope === 'chart' && s.uri === uriOf(chart('moved', 'devapp')));
    assert.equal(stale.state, 'stale');
  });

  test('the Problems view gets the hash mismatch of a .prov nobody opened', async () => {
    const diagnostics = await session.waitForDiagnostics(uriOf(path.join(workspace, 'tampered', 'devapp-1.2.3.tgz.prov')));
    assert.deepEqual(diagnostics.filter((d) => d.severity === 1).map((d) => d.code), ['hash-mismatch']);
  });

  test('an unsaved version bump in Chart.yaml makes the lens stale; undoing it restores it', async () => {
    const file = chart('good', 'devapp');
    await settledLens(file);
    const text = fs.readFileSync(file, 'utf8');
    const uri = await session.open(file, 'yaml', text);
    let seen = session.statuses.length;
    await session.change(uri, text.replace('version: 1.2.3', 'version: 2.0.0'));
    await session.waitForStatus('stale after bump', (s) => s.uri === uri && s.state === 'stale', seen);
    assert.deepEqual((await session.codeLens(uri)).map((l) => l.command!.title), ['Stale: archive holds 1.2.3, Chart.yaml says 2.0.0 — Package and Sign']);
    seen = session.statuses.length;
    await session.change(uri, text);
    await session.waitForStatus('verified after undo', (s) => s.uri === uri && s.state === 'verified', seen);
    await session.close(uri);
  });

  test('replacing an archive on disk + didChangeWatchedFiles updates lens, diagnostics and status', async (t) => {
    const file = chart('good', 'devapp');
    const archive = path.join(workspace, 'good', 'devapp-1.2.3.tgz');
    const provUri = uriOf(`${archive}.prov`);
    const original = fs.readFileSync(archive);
    assert.match((await settledLens(file))[0], /verified$/);
    assert.ok(session.registrations.some((r) => r.method === 'workspace/didChangeWatchedFiles'), 'the server asked to watch files');

    const statusesBefore = session.statuses.length;
    const diagnosticsBefore = session.diagnostics.get(provUri)?.length ?? 0;
    const refreshesBefore = session.codeLensRefreshes;
    const started = process.hrtime.bigint();
    fs.copyFileSync(path.join(signedCases, 'tgz-replaced', 'devapp-1.2.3.tgz'), archive);
    await session.fileChanged(archive);
    const status = await session.waitForStatus('hash-mismatch status', (s: StatusParams) => s.uri === uriOf(file) && s.code === 'hash-mismatch', statusesBefore);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    t.diagnostic(`archive replaced → status notification: ${elapsedMs.toFixed(1)} ms`);
    assert.equal(status.state, 'rejected');
    const diagnostics = await session.waitForDiagnostics(provUri, { after: diagnosticsBefore, where: (d) => d.some((x) => x.code === 'hash-mismatch') });
    assert.equal(diagnostics.find((d) => d.code === 'hash-mismatch')!.severity, 1);
    await session.waitFor('a CodeLens refresh', () => (session.codeLensRefreshes > refreshesBefore ? true : undefined));
    assert.deepEqual((await session.codeLens(uriOf(file))).map((l) => l.command!.title), ['✗ Hash mismatch — archive changed after signing', 'Open .prov']);

    // Only the affected chart was re-checked: no other chart sent a new status.
    const others = session.statuses.slice(statusesBefore).filter((s) => s.scope === 'chart' && s.uri !== uriOf(file));
    assert.deepEqual(others, []);

    // Putting the signed archive back makes it verified again.
    const again = session.statuses.length;
    fs.writeFileSync(archive, original);
    await session.fileChanged(archive);
    await session.waitForStatus('verified again', (s) => s.uri === uriOf(file) && s.state === 'verified', again);
  });

  for (const changed of ['archive', '.prov'] as const) {
    test(`a changed ${changed} on disk publishes the diagnostics of the .prov once`, async () => {
      const archive = path.join(workspace, 'good', 'devapp-1.2.3.tgz');
      const prov = `${archive}.prov`;
      const target = changed === 'archive' ? archive : prov;
      const provUri = uriOf(prov);
      const original = fs.readFileSync(target);
      const code = changed === 'archive' ? 'hash-mismatch' : 'signature-invalid';
      const isBroken = (d: { code?: number | string }[]) => d.some((x) => x.code === code);
      const isVerified = (d: { code?: number | string }[]) => d.length === 0; // a verified .prov has no diagnostics
      // A verified .prov on disk that never had diagnostics gets no publication (the client has none): the chart's status is the fence.
      await session.waitForStatus('the chart verified', (s) => s.scope === 'chart' && s.uri === uriOf(chart('good', 'devapp')) && s.state === 'verified');
      const before = session.diagnostics.get(provUri)?.length ?? 0;

      if (changed === 'archive') fs.copyFileSync(path.join(signedCases, 'tgz-replaced', 'devapp-1.2.3.tgz'), archive);
      else fs.writeFileSync(prov, original.toString('utf8').replace('name: devapp', 'name: devapq'));
      await session.fileChanged(target);
      await session.waitForDiagnostics(provUri, { after: before, where: isBroken });
      // Putting the file back is the fence: what the change published comes before the verdict that follows it.
      fs.writeFileSync(target, original);
      await session.fileChanged(target);
      const published = session.diagnostics.get(provUri)!;
      const first = published.findIndex((p, i) => i >= before && isBroken(p.diagnostics));
      await session.waitForDiagnostics(provUri, { after: first, where: isVerified });
      const fence = published.findIndex((p, i) => i > first && isVerified(p.diagnostics));
      assert.deepEqual(published.slice(first, fence).map((p) => p.diagnostics.filter((d) => d.severity === 1).map((d) => d.code)), [[code]],
        `the ${code} published once`);
    });
  }

  test('the charts request lists the charts the index found; a Chart.yaml created or deleted changes it, and is announced', async () => {
    const found = ['good/devapp', 'tampered/devapp', 'plain/devlists', 'fresh/newchart', 'moved/devapp', 'src/devsub', 'inside/devlists', 'stray/devstray', 'device/devapp', 'fifo/devapp']
      .map((c) => chart(c)).sort((a, b) => a.localeCompare(b));
    const listed = await session.connection.sendRequest(ChartsRequest.type, {});
    assert.deepEqual(listed.map((c) => c.chartYaml), found.map(uriOf));
    assert.deepEqual(listed.find((c) => c.chartYaml === uriOf(chart('good', 'devapp'))), { chartYaml: uriOf(chart('good', 'devapp')), folder: uriOf(path.join(workspace, 'good', 'devapp')) });

    const extra = chart('listed', 'extra');
    fs.mkdirSync(path.dirname(extra), { recursive: true });
    fs.writeFileSync(extra, 'apiVersion: v2\nname: extra\nversion: 1.0.0\n');
    let changes = session.chartListChanges;
    await session.fileChanged(extra, FileChangeType.Created);
    await session.waitFor('charts changed (created)', () => (session.chartListChanges > changes ? true : undefined));
    assert.ok((await session.connection.sendRequest(ChartsRequest.type, {})).some((c) => c.chartYaml === uriOf(extra)), 'the new chart is listed');

    fs.rmSync(path.dirname(extra), { recursive: true });
    changes = session.chartListChanges;
    await session.fileChanged(extra, FileChangeType.Deleted);
    await session.waitFor('charts changed (deleted)', () => (session.chartListChanges > changes ? true : undefined));
    assert.deepEqual((await session.connection.sendRequest(ChartsRequest.type, {})).map((c) => c.chartYaml), found.map(uriOf));
  });

  test('deleting the .prov makes the chart unsigned; a new Chart.yaml appears in the index', async () => {
    const prov = path.join(workspace, 'inside', 'devlists', 'devlists-0.1.0.tgz.prov');
    const file = chart('inside', 'devlists');
    await settledLens(file);
    let seen = session.statuses.length;
    fs.rmSync(prov);
    await session.fileChanged(prov, FileChangeType.Deleted);
    await session.waitForStatus('unsigned after delete', (s) => s.uri === uriOf(file) && s.state === 'unsigned', seen);
    assert.deepEqual((await session.codeLens(uriOf(file))).map((l) => l.command!.title), ['⚠ Unsigned — Sign Chart']);

    const added = chart('later', 'another');
    fs.mkdirSync(path.dirname(added), { recursive: true });
    fs.writeFileSync(added, 'apiVersion: v2\nname: another\nversion: 1.0.0\n');
    seen = session.statuses.length;
    await session.fileChanged(added, FileChangeType.Created);
    await session.waitForStatus('new chart', (s) => s.uri === uriOf(added) && s.state === 'not-packaged', seen);
  });

  test('the verify request answers the chart status', async () => {
    const answer = await session.connection.sendRequest(VerifyRequest.type, { uri: uriOf(path.join(workspace, 'tampered', 'devapp')) });
    assert.ok(answer.ok);
    assert.equal(answer.status.code, 'hash-mismatch');
    assert.equal(answer.status.uri, uriOf(chart('tampered', 'devapp')));
    assert.equal(answer.status.digest?.actual?.length, 64);
  });
});
