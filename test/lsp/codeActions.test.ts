// Quick fixes over JSON-RPC (issue 13.5): textDocument/codeAction on a `.prov`'s diagnostics answers the
// next steps that can work, attached to the diagnostic with their code, and the chart's status carries
// the same list (the Verify notification's buttons): hash mismatch → Sign again (only when the archive
// is what the folder packages to) / Re-package and sign; unknown signer → Copy fingerprint; expired or
// revoked key → Select another key and sign; stale or out-of-date archive → Package and sign (on the
// Chart.yaml). Restricted Mode offers no write; a client without its own commands gets none of them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CodeActionKind, CodeActionRequest, type CodeAction, type Diagnostic } from 'vscode-languageserver-protocol/node';
import { packageChart } from '../../server/src/provenance/package';
import { CLIENT_COMMANDS, COMMANDS, SignRequest, type StatusParams } from '../../server/src/lsp/protocol';
import { fixtureFingerprint, signedCases, signedKeyrings, signedKeys, tempDir } from '../support/tools';
import { LspSession, messageOf, uriOf, type SessionOptions } from './lspSession';

const fingerprint = fixtureFingerprint('ed25519');
const keyrings = [path.join(signedKeyrings, 'pubring.gpg')];
const WRITE_COMMANDS = new Set<string>([COMMANDS.signChart, COMMANDS.packageAndSignChart]);

/** A chart `charts/<name>/` with values.yaml and a template; answers its Chart.yaml. */
function writeChart(workspace: string, name: string): string {
  const dir = path.join(workspace, 'charts', name);
  fs.mkdirSync(path.join(dir, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`);
  fs.writeFileSync(path.join(dir, 'values.yaml'), 'replicas: 1\n');
  fs.writeFileSync(path.join(dir, 'templates', 'a.yaml'), 'kind: ConfigMap\n');
  return path.join(dir, 'Chart.yaml');
}

/** A corpus case's archive and .prov in `<workspace>/<folder>/`, with the chart folder unpacked from the archive next to them. */
function placeCase(workspace: string, caseName: string, folder: string): { prov: string; chartYaml: string } {
  const into = path.join(workspace, folder);
  fs.mkdirSync(into, { recursive: true });
  for (const f of fs.readdirSync(path.join(signedCases, caseName))) fs.copyFileSync(path.join(signedCases, caseName, f), path.join(into, f));
  const archive = fs.readdirSync(into).find((f) => f.endsWith('.tgz'))!;
  execFileSync('tar', ['xzf', path.join(into, archive), '-C', into]);
  const chartDir = fs.readdirSync(into).find((f) => fs.statSync(path.join(into, f)).isDirectory())!;
  return { prov: path.join(into, `${archive}.prov`), chartYaml: path.join(into, chartDir, 'Chart.yaml') };
}

const summary = (actions: CodeAction[]) => actions.map((a) => ({ title: a.title, command: a.command?.command, codes: (a.diagnostics ?? []).map((d) => d.code) }));

describe('quick fixes (textDocument/codeAction) and the status fixes', () => {
  let workspace: string;
  let app: string;
  let expired: { prov: string; chartYaml: string };
  let revoked: { prov: string; chartYaml: string };
  let stranger: { prov: string; chartYaml: string };
  let bumped: string;
  let edited: string;

  /** Diagnostics of the `.prov` once they hold `code`, and the code actions for them. */
  async function actionsFor(session: LspSession, prov: string, code: string): Promise<{ actions: CodeAction[]; diagnostics: Diagnostic[] }> {
    const uri = uriOf(prov);
    const diagnostics = await session.waitForDiagnostics(uri, { where: (d) => d.some((x) => x.code === code) });
    const answer = await session.connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri }, range: diagnostics[0].range, context: { diagnostics },
    });
    return { actions: (answer ?? []) as CodeAction[], diagnostics };
  }

  async function chartActions(session: LspSession, chartYaml: string, state: StatusParams['state']): Promise<CodeAction[]> {
    await session.waitForStatus(`${state} for ${chartYaml}`, (s) => s.scope === 'chart' && s.uri === uriOf(chartYaml) && s.state === state);
    const answer = await session.connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri: uriOf(chartYaml) }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: [] },
    });
    return (answer ?? []) as CodeAction[];
  }

  const start = (options: SessionOptions = {}) => LspSession.start({
    workspace, ...options,
    settings: { keyrings, secretKeyring: path.join(signedKeys, 'ed25519.sec.gpg'), defaultSigningKey: fingerprint, ...options.settings },
  });

  before(async () => {
    workspace = tempDir('lsp-code-actions-');
    app = writeChart(workspace, 'app');
    expired = placeCase(workspace, 'key-expired', 'expired');
    revoked = placeCase(workspace, 'key-revoked', 'revoked');
    stranger = placeCase(workspace, 'unknown-signer', 'stranger');
    bumped = writeChart(workspace, 'bumped');
    edited = writeChart(workspace, 'edited');
    for (const c of [bumped, edited]) assert.ok((await packageChart(path.dirname(c), { outDir: path.join(workspace, 'charts') })).ok);
    fs.writeFileSync(bumped, fs.readFileSync(bumped, 'utf8').replace('0.1.0', '0.2.0'));
    fs.writeFileSync(path.join(path.dirname(edited), 'values.yaml'), 'replicas: 9\n');
  });

  after(() => fs.rmSync(workspace, { recursive: true, force: true }));

  describe('a trusted workspace, a client with its own commands (VS Code)', () => {
    let session: LspSession;
    before(async () => { session = await start(); });
    after(async () => { await session.stop(); });

    test('hash mismatch, archive repackaged from the same folder: Sign again and Re-package and sign, on the hash-mismatch diagnostic', async () => {
      const signed = await session.connection.sendRequest(SignRequest.type, { uri: uriOf(app), packageFirst: true });
      assert.ok(signed.ok, JSON.stringify(signed));
      const archive = path.join(workspace, 'charts', 'app-0.1.0.tgz');
      // Same files, other entry times: other bytes than signed, still what the folder packages to.
      assert.ok((await packageChart(path.dirname(app), { outDir: path.dirname(archive), sourceDateEpoch: 1_000_000_000 })).ok);
      await session.fileChanged(archive);
      const { actions } = await actionsFor(session, `${archive}.prov`, 'hash-mismatch');
      assert.deepEqual(summary(actions), [
        { title: 'Sign again', command: COMMANDS.signChart, codes: ['hash-mismatch'] },
        { title: 'Re-package and sign', command: COMMANDS.packageAndSignChart, codes: ['hash-mismatch'] },
      ]);
      assert.ok(actions.every((a) => a.kind === CodeActionKind.QuickFix));
      assert.deepEqual(actions[0].command!.arguments, [{ chartYaml: uriOf(app), archive: uriOf(archive), prov: uriOf(`${archive}.prov`) }]);
      const status = await session.waitForStatus('the chart status with its fixes', (s) => s.scope === 'chart' && s.uri === uriOf(app) && s.code === 'hash-mismatch');
      assert.deepEqual(status.fixes?.map((f) => f.title), ['Sign again', 'Re-package and sign'], 'the notification buttons are the same fixes');

      // The folder changes: signing the archive as it is would be refused, so only Re-package and sign.
      const before = session.statuses.length;
      fs.writeFileSync(path.join(path.dirname(app), 'values.yaml'), 'replicas: 4\n');
      await session.fileChanged(path.join(path.dirname(app), 'values.yaml'));
      await session.waitForStatus('fixes without Sign again', (s) => s.uri === uriOf(app) && s.fixes?.length === 1, before);
      assert.deepEqual(summary((await actionsFor(session, `${archive}.prov`, 'hash-mismatch')).actions).map((a) => a.title), ['Re-package and sign']);
    });

    test('unknown signer: Copy fingerprint, with the fingerprint the signature names', async () => {
      const { actions, diagnostics } = await actionsFor(session, stranger.prov, 'unknown-signer');
      assert.deepEqual(summary(actions), [{ title: 'Copy fingerprint', command: CLIENT_COMMANDS.copyFingerprint, codes: ['unknown-signer'] }]);
      const [named] = actions[0].command!.arguments as string[];
      assert.match(named, /^[0-9A-F]{40}$/);
      assert.ok(diagnostics.some((d) => messageOf(d).includes(named.slice(-16))), 'the fingerprint is the one the diagnostic names');
    });

    for (const code of ['key-expired', 'key-revoked'] as const) {
      test(`${code}: Select another key and sign (asks for the key even with a default set)`, async () => {
        const placed = code === 'key-expired' ? expired : revoked;
        const { actions } = await actionsFor(session, placed.prov, code);
        assert.deepEqual(summary(actions), [{ title: 'Select another key and sign', command: COMMANDS.signChart, codes: [code] }]);
        assert.equal((actions[0].command!.arguments![0] as { pickKey?: boolean }).pickKey, true);
      });
    }

    test('stale (version bumped) and out of date (values.yaml edited): Package and sign on the Chart.yaml', async () => {
      assert.deepEqual(summary(await chartActions(session, bumped, 'stale')), [{ title: 'Package and sign', command: COMMANDS.packageAndSignChart, codes: [] }]);
      assert.deepEqual(summary(await chartActions(session, edited, 'stale')), [{ title: 'Package and sign', command: COMMANDS.packageAndSignChart, codes: [] }]);
    });
  });

  describe('Restricted Mode', () => {
    let session: LspSession;
    before(async () => { session = await start({ initializationOptions: { workspaceTrusted: false } }); });
    after(async () => { await session.stop(); });

    test('no fix that writes: hash mismatch, expired key and a stale chart get none; Copy fingerprint stays', async () => {
      const archive = path.join(workspace, 'charts', 'app-0.1.0.tgz');
      assert.deepEqual((await actionsFor(session, `${archive}.prov`, 'hash-mismatch')).actions, []);
      assert.deepEqual((await actionsFor(session, expired.prov, 'key-expired')).actions, []);
      assert.deepEqual(await chartActions(session, bumped, 'stale'), []);
      const copy = (await actionsFor(session, stranger.prov, 'unknown-signer')).actions;
      assert.deepEqual(copy.map((a) => a.title), ['Copy fingerprint']);
      assert.ok(!copy.some((a) => WRITE_COMMANDS.has(a.command!.command)));
    });
  });

  describe('an editor whose commands the server runs (Neovim, Helix)', () => {
    let session: LspSession;
    before(async () => { session = await start({ initializationOptions: { clientHandlesCommands: false } }); });
    after(async () => { await session.stop(); });

    test('no client-only command (Copy fingerprint) and no key picker; Package and sign stays', async () => {
      assert.deepEqual((await actionsFor(session, stranger.prov, 'unknown-signer')).actions, []);
      assert.deepEqual((await actionsFor(session, revoked.prov, 'key-revoked')).actions, []);
      assert.deepEqual(summary(await chartActions(session, bumped, 'stale')).map((a) => a.command), [COMMANDS.packageAndSignChart]);
    });
  });
});
