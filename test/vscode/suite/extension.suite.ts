// Runs inside the extension host of a real VS Code with the real extension (its bundles in dist/) and
// its real language server, on the fixture workspace (fixtureWorkspace.ts).
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PackageResult, SignResult, StatusParams, VerifyFileResult } from '../../../server/src/lsp/protocol';
import { COMMAND_IDS } from '../../../client/src/commandIds';
import { findSettings, openMachineSettings } from '../../../client/src/settingsPlacement';
import { ignoredSettings, ignoredSettingsMessage, machineSettingsScope } from '../../../client/src/settingsScope';
import { helm, repoRoot } from '../../support/tools';
import { chartPaths, extensionId, publicKeyring, rsa2048Fingerprint } from '../fixtureWorkspace';
import { waitFor } from './waitFor';

/** What the extension's activate() returns (client/src/extension.ts). */
interface HelmProvenanceApi {
  readonly serverReady: Promise<void>;
  statusOf(uri: vscode.Uri, scope: StatusParams['scope']): StatusParams | undefined;
}

const workspaceRoot = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
const charts = chartPaths(workspaceRoot);
const section = 'helmProvenance';

/**
 * The signer's settings, as a user sets them. They are machine-scoped: in a remote window (code-server
 * is one) VS Code writes and reads them in the remote settings, which this target chooses by itself.
 */
async function applyUserSettings(): Promise<void> {
  const settings = JSON.parse(process.env.HELM_PROV_TEST_SETTINGS ?? '{}') as Record<string, unknown>;
  const config = vscode.workspace.getConfiguration();
  for (const [key, value] of Object.entries(settings)) await config.update(key, value, vscode.ConfigurationTarget.Global);
}

/** The lens titles of a file, shown in an editor as a user would see them. */
async function codeLensTitles(file: string): Promise<string[]> {
  const uri = vscode.Uri.file(file);
  if (vscode.window.activeTextEditor?.document.uri.fsPath !== file) await vscode.window.showTextDocument(uri);
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 10);
  return lenses.map((lens) => lens.command?.title ?? '').filter(Boolean);
}

/**
 * Runs a command that shows a quick pick, and answers it as a user would with the keyboard: `down`
 * times the Down key, then Enter (repeated until the command is done, as the pick appears later).
 */
async function answeringQuickPicks<T>(command: string, args: unknown[], down: number): Promise<T | undefined> {
  let done = false;
  const answered = Promise.resolve(vscode.commands.executeCommand<T | undefined>(command, ...args)).finally(() => { done = true; });
  while (!done) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (let i = 0; i < down && !done; i++) await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    if (!done) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  }
  return answered;
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

describe('Helm Provenance in a real VS Code', function () {
  let api: HelmProvenanceApi;

  before(async () => {
    assert.ok(workspaceRoot, 'the fixture workspace is not open');
    const extension = vscode.extensions.getExtension<HelmProvenanceApi>(extensionId);
    assert.ok(extension, `${extensionId} is not loaded`);
    api = await extension.activate();
    await api.serverReady;
    await applyUserSettings();
  });

  it('activates when the workspace holds a chart and starts its language server', () => {
    const extension = vscode.extensions.getExtension(extensionId)!;
    assert.equal(extension.isActive, true);
    assert.equal(typeof api.statusOf, 'function');
  });

  it('registers every command it contributes, each with a handler', async () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };
    const contributed = manifest.contributes.commands.map((c) => c.command);
    assert.ok(contributed.length >= 7);
    // Activation registers what package.json lists; the command table has a handler for each COMMAND_IDS value.
    assert.deepEqual([...contributed].sort(), Object.values(COMMAND_IDS).sort());
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(contributed.filter((id) => !registered.has(id)), []);
  });

  it('takes keyrings and trusted fingerprints from the user settings only, never from the repository', async () => {
    const config = vscode.workspace.getConfiguration(section);
    assert.equal(config.inspect('keyrings')?.workspaceValue, undefined);
    assert.equal(config.inspect('trustedFingerprints')?.workspaceValue, undefined);
    assert.deepEqual(config.get('keyrings'), [publicKeyring]);
    // Were the repository's settings used, the stranger's keyring and trust list would make this unknown-signer.
    const status = await vscode.commands.executeCommand<StatusParams>('helmProvenance.verifyChart', vscode.Uri.file(charts.signedArchive));
    assert.equal(status.state, 'verified', status.message);
    assert.equal(status.signer?.fingerprint, rsa2048Fingerprint);
  });

  it('reports hash-mismatch on the digest of a tampered archive\'s .prov, with both digests', async () => {
    const document = await vscode.workspace.openTextDocument(charts.tamperedProv);
    await vscode.window.showTextDocument(document);
    assert.equal(document.languageId, 'helm-provenance');
    const diagnostic = await waitFor('a hash-mismatch diagnostic', () =>
      vscode.languages.getDiagnostics(document.uri).find((d) => d.code === 'hash-mismatch' || (typeof d.code === 'object' && d.code.value === 'hash-mismatch')));
    assert.equal(diagnostic.source, 'helm-provenance');
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Error);
    const flagged = document.getText(diagnostic.range);
    assert.match(flagged, /^(sha256:)?[0-9a-f]{64}$/, `the range covers "${flagged}", not the digest`);
    const actual = sha256(charts.tamperedProv.replace(/\.prov$/, ''));
    assert.notEqual(flagged.replace(/^sha256:/, ''), actual);
    assert.ok(diagnostic.message.includes(actual), diagnostic.message);
    assert.ok(diagnostic.message.includes(flagged.replace(/^sha256:/, '')), diagnostic.message);
  });

  it('shows the provenance status as a CodeLens on Chart.yaml', async () => {
    const signed = await waitFor('a verified lens', async () => (await codeLensTitles(charts.signedChartYaml)).find((t) => t.includes('verified')));
    assert.match(signed, /^✓ Signed by dev Rsa Signer <rsa2048@dev\.example>/);
    assert.ok(signed.includes('95E9…0E24') || signed.includes(rsa2048Fingerprint), signed);
    const tampered = await waitFor('a hash-mismatch lens', async () => (await codeLensTitles(charts.tamperedChartYaml)).find((t) => /hash mismatch/i.test(t)));
    assert.match(tampered, /^✗/);
    const fresh = await waitFor('a not-packaged lens', async () => (await codeLensTitles(charts.freshChartYaml)).find((t) => /not packaged/i.test(t)));
    assert.match(fresh, /Package and Sign/);
  });

  it('Verify Chart tells the verdict of a tampered archive', async () => {
    const status = await vscode.commands.executeCommand<StatusParams>('helmProvenance.verifyChart', vscode.Uri.file(charts.tamperedChartYaml));
    assert.equal(status.state, 'rejected');
    assert.equal(status.code, 'hash-mismatch');
    assert.equal(status.digest?.actual?.replace(/^sha256:/, ''), sha256(charts.tamperedProv.replace(/\.prov$/, '')));
  });

  it('offers the next step for the tampered archive: a quick fix on its hash-mismatch diagnostic, the same button on the Verify notification', async () => {
    const status = await vscode.commands.executeCommand<StatusParams>('helmProvenance.verifyChart', vscode.Uri.file(charts.tamperedChartYaml));
    // The archive cannot be read as a chart, so signing it again cannot work: only Re-package and sign.
    assert.deepEqual(status.fixes?.map((f) => [f.title, f.command]), [['Re-package and sign', COMMAND_IDS.packageAndSignChart]]);
    const prov = vscode.Uri.file(charts.tamperedProv);
    const diagnostic = await waitFor('the hash-mismatch diagnostic', () =>
      vscode.languages.getDiagnostics(prov).find((d) => typeof d.code === 'object' && d.code.value === 'hash-mismatch'));
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', prov, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => a.title === 'Re-package and sign');
    assert.ok(fix, `no quick fix: ${actions.map((a) => a.title).join(', ')}`);
    assert.equal(fix.command?.command, COMMAND_IDS.packageAndSignChart);
    assert.equal(fix.kind?.value, vscode.CodeActionKind.QuickFix.value);
    // No squiggle for success: the verified .prov has no diagnostic at all.
    const signedProv = vscode.Uri.file(`${charts.signedArchive}.prov`);
    await vscode.window.showTextDocument(signedProv);
    await waitFor('the verified .prov checked', () => api.statusOf(signedProv, 'document')?.state === 'verified' || undefined);
    assert.deepEqual(vscode.languages.getDiagnostics(signedProv), []);
  });

  it('Verify Chart with no chart named offers the charts the language server found, by path', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // fresh/devlists, packaging/devapp, signed/devapp, tampered/devapp: two Down keys pick the signed chart.
    const status = await answeringQuickPicks<StatusParams>('helmProvenance.verifyChart', [], 2);
    assert.equal(status && vscode.Uri.parse(status.uri).fsPath, charts.signedChartYaml);
    assert.equal(status?.state, 'verified');
  });

  it('Package Chart writes the archive next to the chart folder, and the chart is then Unsigned', async () => {
    assert.equal(fs.existsSync(charts.packagingArchive), false);
    const result = await vscode.commands.executeCommand<PackageResult | undefined>('helmProvenance.packageChart', vscode.Uri.file(path.dirname(charts.packagingChartYaml)));
    assert.ok(result, 'Package Chart answered nothing: see the Helm Provenance output');
    assert.equal(vscode.Uri.parse(result.archive).fsPath, charts.packagingArchive);
    assert.deepEqual(result.chart, { name: 'devapp', version: '1.2.3' });
    const shown = helm(['show', 'chart', charts.packagingArchive]);
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stdout, /^name: devapp$/m);
    assert.match(shown.stdout, /^version: 1\.2\.3$/m);
    const status = await waitFor('the packaged chart to be unsigned', () => {
      const s = api.statusOf(vscode.Uri.file(charts.packagingChartYaml), 'chart');
      return s?.state === 'unsigned' ? s : undefined;
    });
    assert.equal(vscode.Uri.parse(status.archive ?? '').fsPath, charts.packagingArchive);
  });

  it('Verify File Signature checks a release artifact against its .asc with the configured keyrings', async () => {
    // The command asks which keys to use; the first entry is the configured keyrings.
    const verify = () => answeringQuickPicks<VerifyFileResult>('helmProvenance.verifyFileSignature', [vscode.Uri.file(charts.releaseSignature)], 0);
    const good = await verify();
    assert.equal(good?.verdict, 'verified', good?.message);
    assert.equal(good?.signer?.fingerprint, rsa2048Fingerprint);

    fs.appendFileSync(charts.releaseFile, 'tampered');
    const bad = await verify();
    assert.equal(bad?.verdict, 'rejected');
    assert.equal(bad?.code, 'signature-invalid', bad?.message);
  });

  it('Sign Chart packages a never-packaged chart, signs it, and the real helm verify accepts the .prov', async () => {
    assert.equal(fs.existsSync(charts.freshArchive), false);
    const result = await vscode.commands.executeCommand<SignResult | undefined>('helmProvenance.signChart', vscode.Uri.file(charts.freshChartYaml));
    assert.ok(result, 'Sign Chart answered nothing: see the Helm Provenance output');
    assert.equal(result.packaged, true);
    assert.equal(vscode.Uri.parse(result.archive).fsPath, charts.freshArchive);
    assert.equal(vscode.Uri.parse(result.prov).fsPath, `${charts.freshArchive}.prov`);
    assert.equal(result.status.state, 'verified', result.status.message);

    const run = helm(['verify', '--keyring', publicKeyring, charts.freshArchive]);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, new RegExp(`Using Key With Fingerprint: ${rsa2048Fingerprint}`));
    assert.match(run.stdout, new RegExp(`Chart Hash Verified: sha256:${sha256(charts.freshArchive)}`));

    const chartStatus = await waitFor('the fresh chart to be verified', () => {
      const status = api.statusOf(vscode.Uri.file(charts.freshChartYaml), 'chart');
      return status?.state === 'verified' ? status : undefined;
    });
    assert.equal(chartStatus.signer?.fingerprint, rsa2048Fingerprint);
  });

  it('Select Signing Key saves the chosen key, or "ask each time", in the user settings', async () => {
    const defaultKey = () => vscode.workspace.getConfiguration(section).get<string>('defaultSigningKey');
    assert.equal(await answeringQuickPicks<string | null>('helmProvenance.selectSigningKey', [], 0), null);
    assert.equal(defaultKey(), '');
    // Below "Ask each time" and the "Can sign" separator: the one usable key of the secret keyring.
    assert.equal(await answeringQuickPicks<string | null>('helmProvenance.selectSigningKey', [], 1), rsa2048Fingerprint);
    assert.equal(defaultKey(), rsa2048Fingerprint);
    assert.equal(vscode.workspace.getConfiguration(section).inspect('defaultSigningKey')?.workspaceValue, undefined);
  });

  it('finds the keyring settings the repository sets (VS Code ignores them), and opens the Remote settings in this remote window', async () => {
    // code-server is a remote window: machine-scoped settings apply from the Remote settings only.
    assert.ok(vscode.env.remoteName, 'this VS Code is expected to be a remote window');
    assert.equal(machineSettingsScope(vscode.env.remoteName), 'remote');
    // inspect() hides a machine-scoped value in a workspace's settings.json; the file is read instead.
    const found = findSettings(vscode.Uri.file(path.join(workspaceRoot, 'no-global-storage')));
    assert.deepEqual(found.filter((f) => f.place === 'workspace').map((f) => f.key).sort(), ['helmProvenance.keyrings', 'helmProvenance.trustedFingerprints']);
    const message = ignoredSettingsMessage(ignoredSettings(found, 'remote'), 'remote');
    assert.match(message ?? '', /^helmProvenance\.keyrings, helmProvenance\.trustedFingerprints are set in this workspace's settings, where they are ignored: .* Set them in the Remote settings\.$/);
    // The command exists in this VS Code and takes the query (an unknown command id would reject).
    await openMachineSettings();
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
