// Black-box tests of the installed .vsix in a real VS Code (code-server) driven through Chromium, the
// way a user works: open files, read the CodeLens and the status bar, look at Problems, run Sign Chart
// from the palette and type the passphrase. Screenshots of the key moments go to test-results/ui/.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { CodeServerProfile, quietUserSettings } from '../e2e/codeServer';
import { withWorkbench } from '../e2e/session';
import { launchChromium, testResultsDir, type Workbench } from '../e2e/workbench';
import { helm, signedKeys, tempDir } from '../support/tools';
import {
  chartPaths, createFixtureWorkspace, extensionId, lockedFingerprint, lockedPassphrase, publicKeyring, statusBarItemId,
  userSettingsFor, type FixtureWorkspace,
} from '../vscode/fixtureWorkspace';
import { saveExtensionLogs } from './extensionLogs';
import { createHostileSignedChart, type HostileChart } from './hostileSigner';
import { packagedExtension } from './packagedExtension';
import { describeVsixContents } from './vsixContents';

const statusItem = `${extensionId}.${statusBarItemId}`;
const testTimeout = { timeout: 6 * 60_000 };

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Every log file under `dir` (code-server's, the workbench's, each extension's output channel), concatenated. */
function readLogs(dir: string): string {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && (e.name.endsWith('.log') || e.parentPath.split(path.sep).includes('logs')))
    .map((e) => fs.readFileSync(path.join(e.parentPath, e.name)).toString('latin1'))
    .join('\n');
}

/**
 * The Explorer's context menu for a workspace file (or, with `parent`, for its folder), as a user
 * opens it: reveal the file, move to its folder with Left, Shift+F10. Answers the menu's entries.
 */
async function explorerMenu(workbench: Workbench, relativePath: string, parent = false, screenshot?: string): Promise<string[]> {
  await workbench.openFile(relativePath);
  await workbench.runCommand('File: Reveal Active File in Explorer View');
  const focused = workbench.page.locator('.explorer-folders-view .monaco-list-row.focused');
  await focused.filter({ hasText: path.basename(relativePath) }).waitFor();
  if (parent) {
    await workbench.page.keyboard.press('ArrowLeft');
    await focused.filter({ hasText: path.basename(path.dirname(relativePath)) }).waitFor();
  }
  await workbench.page.keyboard.press('Shift+F10');
  const entries = workbench.page.locator('.monaco-menu .action-item .action-label');
  await entries.first().waitFor();
  const labels = (await entries.allInnerTexts()).map((t) => t.trim()).filter(Boolean);
  if (screenshot) await workbench.screenshot(screenshot);
  await workbench.page.keyboard.press('Escape');
  return labels;
}

function verifiedLens(workbench: Workbench) {
  return workbench.codeLens('verified');
}

describeVsixContents();

describe('the installed extension in a real VS Code', () => {
  const scratch = tempDir('helm-prov-ui-');
  // An empty GnuPG home: the user's own ~/.gnupg never takes part.
  const gnupgHome = path.join(scratch, 'gnupg');
  let vsix: string;
  let browser: Browser;
  let workspace: FixtureWorkspace;
  let hostile: HostileChart;
  /** The locked key and an expired one: the picker must list the expired key as unusable. */
  const secretKeyring = path.join(scratch, 'locked-and-expired.sec.gpg');

  before(async () => {
    fs.mkdirSync(gnupgHome, { mode: 0o700, recursive: true });
    vsix = await packagedExtension();
    browser = await launchChromium();
    workspace = createFixtureWorkspace();
    hostile = createHostileSignedChart(workspace.root, path.join(scratch, 'hostile-key'));
    fs.writeFileSync(secretKeyring, Buffer.concat(['locked', 'expired'].map((k) => fs.readFileSync(path.join(signedKeys, `${k}.sec.gpg`)))));
  });

  after(async () => {
    await browser?.close();
    workspace?.remove();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  /**
   * A profile whose remote ("Machine") settings hold the signer's keyrings. code-server is a remote
   * window: VS Code reads machine-scoped settings there from the remote settings, not the user's.
   */
  function signerProfile(userSettings: Record<string, unknown>, extraMachineSettings: Record<string, unknown> = {}): CodeServerProfile {
    const profile = new CodeServerProfile();
    const machineSettings = path.join(profile.userDataDir, 'Machine', 'settings.json');
    fs.mkdirSync(path.dirname(machineSettings), { recursive: true });
    fs.writeFileSync(machineSettings, JSON.stringify({
      ...userSettingsFor('locked'),
      'helmProvenance.keyrings': [publicKeyring, hostile.publicKeyring],
      'helmProvenance.secretKeyring': secretKeyring,
      'helmProvenance.rememberPassphrases': true,
      ...extraMachineSettings,
    }, null, 2));
    profile.writeUserSettings({ ...quietUserSettings, ...userSettings });
    return profile;
  }

  const session = (name: string, profile: CodeServerProfile, workspaceTrust: boolean) => ({
    name, workspace: workspace.root, vsix: [vsix], profile, workspaceTrust, env: { GNUPGHOME: gnupgHome },
  });

  test('signer CodeLens, status bar, hash-mismatch in Problems, ignored repository settings, Sign Chart with a passphrase', testTimeout, async (t) => {
    // Everything logged at trace level, the language client's message trace included, into a profile
    // the test reads afterwards: the passphrase must appear nowhere in it.
    const profile = signerProfile({ 'security.workspace.trust.enabled': false, 'helmProvenance.trace.server': 'verbose' });
    const options = { ...session('extension', profile, false), extraArgs: ['--log', 'trace'] };
    t.after(() => {
      saveExtensionLogs(profile.root, path.join(testResultsDir, 'ui', 'extension'));
      profile.remove();
    });
    await withWorkbench(browser, options, async (workbench, folder) => {
      const charts = chartPaths(folder);

      await t.test('a signed chart\'s Chart.yaml shows its signer in a CodeLens and "Verified" in the status bar', async () => {
        await workbench.openFile('signed/devapp/Chart.yaml');
        await verifiedLens(workbench).waitFor();
        assert.match((await verifiedLens(workbench).innerText()).trim(), /^✓ Signed by dev Rsa Signer <rsa2048@dev\.example> · 95E9…0E24 · verified$/);
        // What a narrow window cuts off is in the lens's tooltip: the whole fingerprint.
        const live = workbench.liveCodeLens('verified');
        await live.waitFor();
        assert.match((await live.getAttribute('title')) ?? '', /^Signed by dev Rsa Signer <rsa2048@dev\.example> \(95E98777AE4EA9D88D9EA5553B255F9CBB150E24\)/);
        assert.equal(await workbench.waitForStatusBarText(statusItem, 'Verified'), 'Verified');
        await workbench.screenshot('codelens-verified');
      });

      await t.test('the repository\'s own keyring and trust list in .vscode/settings.json are ignored', async () => {
        // They name only the stranger's key: were they used, the signed chart would be "Unknown signer".
        const settings = JSON.parse(fs.readFileSync(path.join(folder, '.vscode', 'settings.json'), 'utf8')) as Record<string, unknown>;
        assert.deepEqual(Object.keys(settings).sort(), ['helmProvenance.keyrings', 'helmProvenance.trustedFingerprints']);
        await workbench.runCommand('Helm Provenance: Verify Chart');
        const message = await workbench.waitForNotification(/devapp 1\.2\.3 verified/);
        assert.match(message, /Signed by dev Rsa Signer <rsa2048@dev\.example>/);
        await workbench.openFile('.vscode/settings.json');
        await workbench.screenshot('workspace-settings-ignored');
      });

      await t.test('the Explorer offers the chart commands on Chart.yaml, a chart folder and a .prov', async () => {
        const onChartYaml = await explorerMenu(workbench, 'signed/devapp/Chart.yaml');
        for (const entry of ['Sign Chart', 'Verify Chart', 'Package Chart']) assert.ok(onChartYaml.includes(entry), onChartYaml.join(' | '));
        const onFolder = await explorerMenu(workbench, 'signed/devapp/Chart.yaml', true, 'explorer-menu');
        for (const entry of ['Sign Chart', 'Verify Chart', 'Package Chart']) assert.ok(onFolder.includes(entry), onFolder.join(' | '));
        const onValues = await explorerMenu(workbench, 'signed/devapp/values.yaml');
        assert.deepEqual(onValues.filter((e) => /Chart/.test(e)), []);
        const onProv = await explorerMenu(workbench, 'tampered/devapp-1.2.3.tgz.prov');
        assert.ok(onProv.includes('Verify Chart'), onProv.join(' | '));
        assert.equal(onProv.includes('Sign Chart'), false);
      });

      await t.test('a tampered archive shows hash-mismatch in the Problems view and in the status bar', async () => {
        await workbench.openFile('tampered/devapp-1.2.3.tgz.prov');
        await workbench.waitForStatusBarText(statusItem, 'Hash mismatch');
        const actual = sha256(charts.tamperedProv.replace(/\.prov$/, ''));
        const rows = await workbench.problems(2);
        assert.ok(rows.some((row) => row.includes(actual)), `no Problems row names the archive's digest ${actual}:\n${rows.join('\n')}`);
        await workbench.screenshot('problems-hash-mismatch');

        // The language status badge of the .prov: error severity, the verdict in a few words, the short
        // detail, and the next step as its action (the quick fix; the full message is the link's tooltip).
        await workbench.statusBarItem('status.languageStatus').click();
        const badge = workbench.page.locator('.hover-language-status', { hasText: 'Hash mismatch' });
        await badge.waitFor();
        assert.equal(await badge.locator('.severity.sev3').count(), 1, 'the badge is not shown as an error');
        assert.match(await badge.innerText(), /Hash mismatch[\s\S]*The archive changed after signing[\s\S]*Re-package and sign/);
        assert.doesNotMatch(await badge.innerText(), /sha256 is/, 'the whole message is not the detail');
        await workbench.screenshot('language-status-hash-mismatch');
        await workbench.page.keyboard.press('Escape');
      });

      await t.test('Sign Chart from the palette with a passphrase-protected key: the real helm verify accepts the new .prov', async () => {
        await workbench.openFile('fresh/devlists/Chart.yaml');
        await workbench.waitForStatusBarText(statusItem, 'Not packaged');
        await workbench.screenshot('status-not-packaged');

        await workbench.runCommand('Helm Provenance: Sign Chart');
        await workbench.quickInput.locator('.quick-input-list .monaco-list-row', { hasText: 'dev Locked' }).waitFor();
        await workbench.screenshot('sign-pick-key');
        // The expired key is listed with its reason, and choosing it does not sign.
        const expired = workbench.quickInput.locator('.quick-input-list .monaco-list-row', { hasText: 'dev Expired' });
        assert.match(await expired.innerText(), /Cannot sign: .*expired/i);
        await expired.click();
        const refused = workbench.quickInput.locator('input.input[placeholder^="That key cannot sign"]');
        await refused.waitFor();
        assert.match(await refused.getAttribute('placeholder') ?? '', /That key cannot sign: .*expired/i);
        await workbench.pickQuickInputRow('dev Locked');
        const passphrase = workbench.quickInput.locator('input[type="password"]');
        await passphrase.waitFor();
        await workbench.screenshot('sign-passphrase');
        // Opt in to remembering this key's passphrase (the toggle exists because rememberPassphrases is on).
        await workbench.quickInput.locator('[aria-label="Remember this passphrase in SecretStorage: off"]').click();
        await workbench.quickInput.locator('[aria-label="Remember this passphrase in SecretStorage: on"]').waitFor();
        await passphrase.fill(lockedPassphrase);
        await passphrase.press('Enter');

        const message = await workbench.waitForNotification(/Signed devlists-0\.1\.0\.tgz/);
        assert.match(message, /dev Locked <locked@dev\.example>/);
        await workbench.waitForStatusBarText(statusItem, 'Verified');
        await verifiedLens(workbench).waitFor(); // the lens follows the new files too
        await workbench.screenshot('signed-verified');

        const run = helm(['verify', '--keyring', publicKeyring, charts.freshArchive]);
        assert.equal(run.status, 0, run.stdout + run.stderr);
        assert.match(run.stdout, new RegExp(`Using Key With Fingerprint: ${lockedFingerprint}`));
      });

      await t.test('a remembered passphrase signs again without asking, until Forget Saved Passphrases', async () => {
        const signAgain = async (): Promise<void> => {
          await workbench.runCommand('Notifications: Clear All Notifications');
          await workbench.runCommand('Helm Provenance: Sign Chart');
          await workbench.pickQuickInputRow('dev Locked');
        };
        await signAgain();
        await workbench.waitForNotification(/Signed devlists-0\.1\.0\.tgz/);
        assert.equal(helm(['verify', '--keyring', publicKeyring, charts.freshArchive]).status, 0);

        await workbench.runCommand('Helm Provenance: Forget Saved Passphrases');
        assert.equal(await workbench.waitForNotification(/Forgot/), 'Forgot 1 saved passphrase.');

        await signAgain();
        const passphrase = workbench.quickInput.locator('input[type="password"]');
        await passphrase.waitFor();
        await passphrase.press('Escape');
        await workbench.waitForNotification(/Cannot sign devlists/);
      });

      await t.test('a hostile user id is shown as text: no icon, no command link, no bidi override', async () => {
        await workbench.openFile('hostile/mallory/Chart.yaml');
        await verifiedLens(workbench).waitFor();
        await workbench.runCommand('Helm Provenance: Verify Chart');
        const toast = workbench.page.locator('.notifications-toasts .notification-list-item', { hasText: 'devlists 0.1.0 verified' }).first();
        await toast.waitFor();
        const message = await toast.locator('.notification-list-item-message').innerText();
        assert.ok(message.includes('Mallory $(zap) [click me]'), message);
        assert.ok(message.includes('\\u202e'), message);
        assert.equal(message.includes('\u202e'), false, 'the right-to-left override reached the screen');
        assert.equal(await toast.locator('a', { hasText: 'click me' }).count(), 0, 'the user id became a link');
        assert.equal(await toast.locator('.codicon-zap').count(), 0, 'the user id became an icon');
        await workbench.screenshot('hostile-user-id');
      });

      await t.test('the passphrase reached no log, though the protocol trace recorded its (sealed) response', async () => {
        // The trace line is written when the response is sent; the log file may lag behind. Up to 30 s:
        // a deadline for a loaded machine, not a claim about speed.
        const marker = '"sealed": {';
        let logs = '';
        for (let i = 0; i < 300 && !logs.includes(marker); i++) {
          logs = readLogs(profile.root);
          if (!logs.includes(marker)) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.ok(logs.includes(marker), 'the trace of the passphrase response is not in the logs: the check below would prove nothing');
        assert.equal(logs.includes(lockedPassphrase), false, 'the passphrase is in a log file');
      });
    });
  });

  test('in Restricted Mode: charts are still verified, Sign Chart, Package Chart and Select Signing Key are not offered, gpg never runs', testTimeout, async (t) => {
    // The gpg backend, through a "gpg" that leaves a mark whenever anything runs it.
    const gpgRan = path.join(scratch, 'restricted-gpg-ran');
    const gpgWrapper = path.join(scratch, 'restricted-gpg.sh');
    fs.writeFileSync(gpgWrapper, `#!/bin/sh\necho "$@" >> '${gpgRan}'\nexec gpg "$@"\n`, { mode: 0o755 });
    const profile = signerProfile({ 'security.workspace.trust.enabled': true }, { 'helmProvenance.signingBackend': 'gpg', 'helmProvenance.gpgPath': gpgWrapper });
    t.after(() => profile.remove());
    await withWorkbench(browser, session('restricted', profile, true), async (workbench, folder) => {
      await workbench.restrictedModeBanner().waitFor();
      await workbench.openFile('signed/devapp/Chart.yaml');
      await verifiedLens(workbench).waitFor();
      const menu = await explorerMenu(workbench, 'signed/devapp/Chart.yaml');
      assert.ok(menu.includes('Verify Chart'), menu.join(' | '));
      assert.deepEqual(menu.filter((e) => /Sign Chart|Package Chart/.test(e)), []);
      // The lens on a never-packaged chart offers nothing that can only fail: it says what is off and why.
      await workbench.openFile('fresh/devlists/Chart.yaml');
      await workbench.page.locator('.monaco-editor .codelens-decoration', { hasText: 'Not packaged — Package and Sign is off in Restricted Mode (it writes files)' }).waitFor();
      assert.equal(fs.existsSync(path.join(folder, 'fresh', 'devlists-0.1.0.tgz')), false);
      const offered = await workbench.paletteEntries('Helm Provenance:');
      assert.ok(offered.some((row) => row.includes('Verify Chart')), offered.join('\n'));
      assert.deepEqual(offered.filter((row) => /Sign Chart|Package Chart|Select Signing Key/.test(row)), []);
      assert.equal(fs.existsSync(gpgRan), false, 'gpg ran in Restricted Mode');
      await workbench.screenshot('restricted-mode');
    });
  });
});
