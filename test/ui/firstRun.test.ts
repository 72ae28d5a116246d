// The first run of a new user (issue 13, point 2 and the Playwright first-run path), on the installed
// .vsix in a real VS Code: a GnuPG 2 home with a fresh, passphrase-protected key — kept by gpg-agent,
// no secring.gpg, no exported keyring — and no setting but helmProvenance.gnupgHome. Sign Chart lists
// the key as a GnuPG agent key that needs a passphrase, asks it in VS Code, signs through gpg, says so,
// and the CodeLens shows the chart verified by that key; the real `helm verify` agrees. Screenshots of
// each step are kept in test-results/ui/first-run/. The lens and the status bar never show "Unsigned"
// on the way (the archive exists before its .prov does); Package Chart then asks before replacing the
// signed archive. In Restricted Mode the palette says why signing and packaging are off.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { shortFingerprint } from '../../server/src/lsp/keyText';
import { CodeServerProfile, quietUserSettings } from '../e2e/codeServer';
import { withWorkbench } from '../e2e/session';
import { launchChromium } from '../e2e/workbench';
import { GpgHome, helm, tempDir, unpackSignedChart } from '../support/tools';
import { packagedExtension } from './packagedExtension';
import { renderWatch, watchRenders } from './renderWatch';

const PASSPHRASE = 'first run passphrase';
const UID = 'New Maintainer <new@example.test>';

describe('a new user\'s first Sign Chart, with nothing but a GnuPG 2 home', () => {
  const scratch = tempDir('helm-prov-first-run-');
  let gpg: GpgHome;
  let fingerprint: string;
  let vsix: string;
  let browser: Browser;

  before(async () => {
    gpg = new GpgHome();
    const made = gpg.run(['--pinentry-mode', 'loopback', '--passphrase', PASSPHRASE, '--quick-gen-key', UID, 'ed25519', 'sign', '2y']);
    assert.equal(made.status, 0, made.stderr);
    fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(gpg.run(['--with-colons', '--list-secret-keys', UID]).stdout)![1];
    // A new gpg-agent: the passphrase typed when the key was made is not cached.
    spawnSync('gpg-connect-agent', ['--homedir', gpg.dir, 'KILLAGENT', '/bye']);
    unpackSignedChart('valid-locked', path.join(scratch, 'workspace'));
    vsix = await packagedExtension();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    spawnSync('gpg-connect-agent', ['--homedir', gpg.dir, 'KILLAGENT', '/bye']);
    gpg.dispose();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  test('Sign Chart → passphrase in VS Code → signed through gpg → the lens shows the chart verified by that key', { timeout: 6 * 60_000 }, async () => {
    const profile = new CodeServerProfile();
    // The one setting, where a remote window reads machine-scoped settings (code-server is remote).
    const machineSettings = path.join(profile.userDataDir, 'Machine', 'settings.json');
    fs.mkdirSync(path.dirname(machineSettings), { recursive: true });
    fs.writeFileSync(machineSettings, JSON.stringify({ 'helmProvenance.gnupgHome': gpg.dir }, null, 2));
    profile.writeUserSettings({ ...quietUserSettings, 'security.workspace.trust.enabled': false });
    // $GNUPGHOME names an empty home: only the setting can lead to the key.
    const emptyHome = path.join(scratch, 'empty-gnupg');
    fs.mkdirSync(emptyHome, { mode: 0o700 });
    try {
      await withWorkbench(browser, {
        name: 'first-run', workspace: path.join(scratch, 'workspace'), vsix: [vsix], profile, workspaceTrust: false, env: { GNUPGHOME: emptyHome },
        // Everything rendered with "Unsigned", however briefly: packaging then signing must never show it.
        beforeLoad: (page) => watchRenders(page, 'Unsigned', 'codicon-zap'),
      }, async (workbench, folder) => {
        await workbench.openFile('devlocked/Chart.yaml');
        await workbench.codeLens('Not packaged').waitFor();
        await workbench.screenshot('1-not-packaged');

        await workbench.runCommand('Helm Provenance: Sign Chart');
        const row = workbench.quickInput.locator('.quick-input-list .monaco-list-row', { hasText: 'New Maintainer' }).first();
        await row.waitFor();
        const rowText = await row.innerText();
        assert.match(rowText, /GnuPG agent/, rowText);
        assert.match(rowText, /passphrase needed/, rowText);
        assert.ok(rowText.includes(fingerprint.slice(-16)), rowText);
        await workbench.screenshot('2-key-picker');
        await row.click();

        const passphrase = workbench.quickInput.locator('input[type="password"]');
        await passphrase.waitFor();
        await workbench.screenshot('3-passphrase');
        await passphrase.fill(PASSPHRASE);
        await passphrase.press('Enter');

        const message = await workbench.waitForNotification(/Signed devlocked-0\.1\.0\.tgz/);
        assert.match(message, /with New Maintainer <new@example\.test> \(key [0-9A-F]{16}\) through the GnuPG agent/);
        const lens = workbench.codeLens('verified');
        await lens.waitFor();
        const title = (await lens.innerText()).trim();
        assert.ok(title.startsWith('✓ Signed by New Maintainer <new@example.test>') && title.includes(shortFingerprint(fingerprint)), title);
        await workbench.screenshot('4-signed-verified');
        const unsigned = (await renderWatch(workbench.page)).texts.filter((t) => t.where === 'codelens' || t.where === 'statusbar');
        assert.deepEqual(unsigned, [], 'the archive was shown as Unsigned between packaging and its signature');

        // Package Chart now would replace the signed archive: it asks first, and Cancel leaves it as it is.
        const archive = path.join(folder, 'devlocked-0.1.0.tgz');
        const signedBytes = fs.readFileSync(archive);
        await workbench.runCommand('Helm Provenance: Package Chart');
        const dialog = workbench.page.locator('.monaco-dialog-box', { hasText: 'Replace the signed archive of' });
        await dialog.waitFor();
        await workbench.screenshot('5-package-asks');
        const dialogText = await dialog.innerText();
        for (const button of ['Package and Sign', 'Replace Archive']) assert.ok(dialogText.includes(button), dialogText);
        await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
        await dialog.waitFor({ state: 'detached' });
        assert.ok(fs.readFileSync(archive).equals(signedBytes), 'the signed archive was replaced without asking');

        assert.equal(fs.existsSync(path.join(gpg.dir, 'secring.gpg')), false, 'no secret keyring was exported');
        const pubring = path.join(scratch, 'maintainer.pub.gpg');
        assert.equal(gpg.run(['--output', pubring, '--export', fingerprint]).status, 0);
        const verified = helm(['verify', '--keyring', pubring, archive]);
        assert.equal(verified.status, 0, verified.stdout + verified.stderr);
      });
    } finally {
      profile.remove();
    }
  });

  test('the same user in Restricted Mode: the palette says why signing and packaging are off', { timeout: 6 * 60_000 }, async () => {
    const profile = new CodeServerProfile();
    profile.writeUserSettings({ ...quietUserSettings, 'security.workspace.trust.enabled': true });
    try {
      await withWorkbench(browser, { name: 'first-run-restricted', workspace: path.join(scratch, 'workspace'), vsix: [vsix], profile, workspaceTrust: true }, async (workbench) => {
        await workbench.restrictedModeBanner().waitFor();
        // The extension is up (it verifies in Restricted Mode too) once the lens is there.
        await workbench.openFile('devlocked/Chart.yaml');
        await workbench.codeLens('Not packaged').waitFor();
        const offered = await workbench.paletteEntries('Helm Provenance:');
        assert.ok(offered.some((row) => row.includes('Why Are Signing and Packaging Off? (Restricted Mode)')), offered.join('\n'));
        await workbench.runCommand('Helm Provenance: Why Are Signing and Packaging Off? (Restricted Mode)');
        const message = await workbench.waitForNotification(/off in Restricted Mode/);
        assert.match(message, /write files from this repository's content and may run gpg/);
        await workbench.screenshot('6-restricted-why');
      });
    } finally {
      profile.remove();
    }
  });
});
