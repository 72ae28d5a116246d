// Issue 17, "In the editor", on the installed .vsix in a real VS Code (code-server): a chart signed by a
// key that no keyring of the user holds shows the unknown-signer state; the "Look up the key" quick fix
// asks the keyserver of the machine settings, shows the key it found (fingerprint, user id) and imports
// it only when the user confirms, after which the lens says verified. The same for "Import from this
// repository's KEYS", which asks no keyserver; and, with no keyring configured, the user picks the
// keyring file and adds it to helmProvenance.keyrings, which must land in the Remote settings. The
// keyserver is test/support/keyServer.ts on loopback: a protocol-level stand-in (VKS/HKP wire protocol
// only), since no real keyserver software is packaged here. Screenshots of each step are kept in
// test-results/ui/key-lookup/ and test-results/ui/key-lookup-pick-keyring/.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { groupedFingerprint, shortFingerprint } from '../../server/src/lsp/keyText';
import { loadKeyringFile } from '../../server/src/provenance/keyring';
import { CodeServerProfile, quietUserSettings } from '../e2e/codeServer';
import { withWorkbench } from '../e2e/session';
import { launchChromium, testResultsDir, type Workbench } from '../e2e/workbench';
import { KeyServer } from '../support/keyServer';
import { fixtureFingerprint, signedCases, signedKeys, tempDir } from '../support/tools';
import { unpackChart } from '../vscode/fixtureWorkspace';
import { saveExtensionLogs } from './extensionLogs';
import { moveCursor, quickFixRow } from './editorCursor';
import { packagedExtension } from './packagedExtension';

/** Served by the keyserver only. */
const RSA2048 = fixtureFingerprint('rsa2048');
/** Listed in the repository's KEYS file only. */
const ED25519 = fixtureFingerprint('ed25519');
const STRANGER = fixtureFingerprint('stranger');

/** A chart folder and its signed archive + .prov from a fixture case, under `<root>/<folder>/`. */
function addSignedChart(root: string, folder: string, caseName: string): void {
  const into = path.join(root, folder);
  fs.mkdirSync(into, { recursive: true });
  for (const file of ['devapp-1.2.3.tgz', 'devapp-1.2.3.tgz.prov']) fs.copyFileSync(path.join(signedCases, caseName, file), path.join(into, file));
  unpackChart(path.join(into, 'devapp-1.2.3.tgz'), into);
}

/**
 * Opens a `.prov`, puts the cursor in its signature block (where the unknown-signer diagnostic is) and
 * picks the quick fix whose title starts with `title` from Ctrl+. — as a user does.
 */
async function quickFix(workbench: Workbench, folder: string, prov: string, title: string, screenshot: string): Promise<void> {
  await workbench.openFile(prov);
  const lines = fs.readFileSync(path.join(folder, prov), 'utf8').split('\n');
  await moveCursor(workbench, { line: lines.indexOf('-----BEGIN PGP SIGNATURE-----'), character: 0 });
  const row = await quickFixRow(workbench, title).catch(async (err: unknown) => {
    await workbench.screenshot(`${screenshot}-not-offered`);
    throw err;
  });
  await workbench.screenshot(screenshot);
  await row.click();
}

/** The keyring file's bytes now (undefined while it does not exist). */
function snapshot(keyring: string): Buffer | undefined {
  return fs.existsSync(keyring) ? fs.readFileSync(keyring) : undefined;
}

/**
 * The modal that asks before importing: its text (message and detail), then the user's Import. Until
 * the user answers, the keyring is as it was before the look-up (`untouched`): importing is the user's act.
 */
async function confirmImport(workbench: Workbench, screenshot: string, keyring: string, untouched: Buffer | undefined): Promise<string> {
  const dialog = workbench.page.locator('.monaco-dialog-box', { hasText: 'Import this key into' });
  await dialog.waitFor();
  const text = await dialog.innerText();
  await workbench.screenshot(screenshot);
  assert.deepEqual(snapshot(keyring), untouched, 'the keyring was written before the user chose Import');
  await dialog.locator('.monaco-button', { hasText: /^Import$/ }).click();
  await dialog.waitFor({ state: 'detached' });
  return text;
}

async function keyringFingerprints(file: string): Promise<string[]> {
  const ring = await loadKeyringFile(file);
  assert.ok(ring.ok, ring.ok ? '' : ring.error.message);
  return ring.value.keys.map((k) => k.info.fingerprint).sort();
}

describe('an unknown signer in the editor: look the key up, see it, import it, verified', () => {
  const scratch = tempDir('helm-prov-ui-key-lookup-');
  const workspace = path.join(scratch, 'charts-workspace');
  /** The user's keyring, outside the workspace: it holds a stranger's key, not the signers'. */
  const userKeyring = path.join(scratch, 'user', 'pubring.gpg');
  const gnupgHome = path.join(scratch, 'gnupg');
  let keyServer: KeyServer;
  let vsix: string;
  let browser: Browser;

  before(async () => {
    addSignedChart(workspace, 'from-keyserver', 'valid-rsa2048');
    addSignedChart(workspace, 'from-keys', 'valid-ed25519');
    fs.copyFileSync(path.join(signedKeys, 'ed25519.pub.asc'), path.join(workspace, 'KEYS'));
    fs.mkdirSync(path.dirname(userKeyring), { recursive: true });
    fs.copyFileSync(path.join(signedKeys, 'stranger.pub.gpg'), userKeyring);
    fs.mkdirSync(gnupgHome, { mode: 0o700 });
    keyServer = await new KeyServer().start();
    await keyServer.serveKey(fs.readFileSync(path.join(signedKeys, 'rsa2048.pub.asc'), 'utf8'));
    vsix = await packagedExtension();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await keyServer?.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  test('Look up the key → the key is shown → Import → verified; and Import from this repository\'s KEYS', { timeout: 8 * 60_000 }, async (t) => {
    const profile = new CodeServerProfile();
    // Machine-scoped settings, where a remote window (code-server) reads them: the remote settings file.
    const machineSettings = path.join(profile.userDataDir, 'Machine', 'settings.json');
    fs.mkdirSync(path.dirname(machineSettings), { recursive: true });
    fs.writeFileSync(machineSettings, JSON.stringify({
      'helmProvenance.keyrings': [userKeyring],
      'helmProvenance.keyLookups': true,
      'helmProvenance.keyservers': [keyServer.url],
    }, null, 2));
    profile.writeUserSettings({ ...quietUserSettings, 'security.workspace.trust.enabled': false });
    t.after(() => {
      saveExtensionLogs(profile.root, path.join(testResultsDir, 'ui', 'key-lookup'));
      profile.remove();
    });

    await withWorkbench(browser, {
      name: 'key-lookup', workspace, vsix: [vsix], profile, workspaceTrust: false, env: { GNUPGHOME: gnupgHome },
    }, async (workbench, folder) => {
      await t.test('the unknown-signer state: the lens names the key that is not in the user\'s keyrings', async () => {
        await workbench.openFile('from-keyserver/devapp/Chart.yaml');
        await workbench.codeLens('Unknown signer').waitFor();
        const title = (await workbench.codeLens('Unknown signer').innerText()).trim();
        assert.equal(title, `✗ Unknown signer — key ${RSA2048} is not in your keyrings`);
        await workbench.screenshot('1-unknown-signer-lens');
        const rows = (await workbench.problems()).join('\n');
        assert.match(rows, /devapp-1\.2\.3\.tgz\.prov/, rows);
        await workbench.screenshot('2-unknown-signer-problems');
        assert.deepEqual(keyServer.requests, [], 'the keyserver was asked before the user chose to look up');
      });

      await t.test('Look up the key: the keyserver\'s key is shown (fingerprint, user id) and imported on Import; the lens turns verified', async () => {
        const untouched = snapshot(userKeyring);
        await quickFix(workbench, folder, 'from-keyserver/devapp-1.2.3.tgz.prov', `Look up the key ${groupedFingerprint(RSA2048)}`, '3-quick-fix-look-up');
        const shown = await confirmImport(workbench, '4-key-shown', userKeyring, untouched);
        assert.ok(shown.includes(`Import this key into ${userKeyring}?`), shown);
        assert.ok(shown.includes(`Fingerprint: ${groupedFingerprint(RSA2048)}`), shown);
        assert.ok(shown.includes('User id: dev Rsa Signer <rsa2048@dev.example>'), shown);
        assert.ok(shown.includes(`Found at: ${keyServer.url}`), shown);
        assert.deepEqual(keyServer.requests, [`/vks/v1/by-fingerprint/${RSA2048}`]);

        await workbench.waitForNotification(`Key ${groupedFingerprint(RSA2048)} imported in ${userKeyring}.`);
        assert.deepEqual(await keyringFingerprints(userKeyring), [RSA2048, STRANGER].sort());
        await workbench.openFile('from-keyserver/devapp/Chart.yaml');
        await workbench.codeLens('verified').waitFor();
        assert.equal((await workbench.codeLens('verified').innerText()).trim(), `✓ Signed by dev Rsa Signer <rsa2048@dev.example> · ${shortFingerprint(RSA2048)} · verified`);
        await workbench.screenshot('5-verified-after-look-up');
      });

      await t.test('Import from this repository\'s KEYS: the KEYS file\'s key is shown and imported on Import, no keyserver asked; verified', async () => {
        await workbench.openFile('from-keys/devapp/Chart.yaml');
        await workbench.codeLens(`key ${ED25519} is not in your keyrings`).waitFor();
        const untouched = snapshot(userKeyring);
        await quickFix(workbench, folder, 'from-keys/devapp-1.2.3.tgz.prov', `Import ${groupedFingerprint(ED25519)} from this repository's KEYS`, '6-quick-fix-keys');
        const shown = await confirmImport(workbench, '7-keys-key-shown', userKeyring, untouched);
        assert.ok(shown.includes(`Fingerprint: ${groupedFingerprint(ED25519)}`), shown);
        assert.ok(shown.includes(`Found at: ${path.join(folder, 'KEYS')} (keys-file)`), shown);

        await workbench.waitForNotification(`Key ${groupedFingerprint(ED25519)} imported in ${userKeyring}.`);
        assert.deepEqual(await keyringFingerprints(userKeyring), [ED25519, RSA2048, STRANGER].sort());
        assert.deepEqual(keyServer.requests, [`/vks/v1/by-fingerprint/${RSA2048}`], 'the KEYS path asked a keyserver');
        await workbench.openFile('from-keys/devapp/Chart.yaml');
        await workbench.codeLens('verified').waitFor();
        assert.match((await workbench.codeLens('verified').innerText()).trim(), new RegExp(`^✓ Signed by .* · ${shortFingerprint(ED25519)} · verified$`));
        await workbench.screenshot('8-verified-after-keys');
      });
    });
  });

  test('no keyring configured: the user picks a keyring file, imports, adds it to helmProvenance.keyrings where VS Code reads it; verified', { timeout: 8 * 60_000 }, async (t) => {
    const profile = new CodeServerProfile();
    const machineSettings = path.join(profile.userDataDir, 'Machine', 'settings.json');
    fs.mkdirSync(path.dirname(machineSettings), { recursive: true });
    fs.writeFileSync(machineSettings, JSON.stringify({ 'helmProvenance.keyLookups': true, 'helmProvenance.keyservers': [keyServer.url] }, null, 2));
    profile.writeUserSettings({ ...quietUserSettings, 'security.workspace.trust.enabled': false });
    // The save dialog offers ~/.gnupg/helm-provenance.gpg: a private home keeps the user's own out of the test.
    const home = path.join(scratch, 'home');
    const picked = path.join(home, '.gnupg', 'helm-provenance.gpg');
    fs.mkdirSync(path.dirname(picked), { recursive: true, mode: 0o700 });
    t.after(() => {
      saveExtensionLogs(profile.root, path.join(testResultsDir, 'ui', 'key-lookup-pick-keyring'));
      profile.remove();
    });

    await withWorkbench(browser, {
      name: 'key-lookup-pick-keyring', workspace, vsix: [vsix], profile, workspaceTrust: false, env: { GNUPGHOME: gnupgHome, HOME: home },
    }, async (workbench, folder) => {
      await workbench.openFile('from-keyserver/devapp/Chart.yaml');
      await workbench.codeLens('Unknown signer').waitFor();
      await quickFix(workbench, folder, 'from-keyserver/devapp-1.2.3.tgz.prov', `Look up the key ${groupedFingerprint(RSA2048)}`, '1-quick-fix-look-up');

      // VS Code's own save dialog (a path in the quick input in a browser window): the user takes the
      // file it offers. It ignores Enter while it lists the folder, so Enter again while it stays open.
      const dialogPath = workbench.quickInput.locator('input.input');
      await dialogPath.waitFor();
      await workbench.page.waitForFunction(({ input, want }) => (input as unknown as { value: string }).value === want, { input: await dialogPath.elementHandle(), want: picked });
      await workbench.screenshot('2-pick-keyring');
      for (let attempt = 1; ; attempt++) {
        await dialogPath.press('Enter');
        const closed = await workbench.quickInput.waitFor({ state: 'hidden', timeout: 5_000 }).then(() => true, () => false);
        if (closed) break;
        assert.ok(attempt < 6, 'the save dialog did not take the offered file');
      }
      const shown = await confirmImport(workbench, '3-key-shown', picked, undefined);
      assert.ok(shown.includes(`Import this key into ${picked}?`), shown);
      assert.ok(shown.includes(`Fingerprint: ${groupedFingerprint(RSA2048)}`), shown);

      await workbench.waitForNotification(`Key ${groupedFingerprint(RSA2048)} imported in ${picked}.`);
      assert.deepEqual(await keyringFingerprints(picked), [RSA2048]);
      const offer = workbench.page.locator('.notifications-toasts .notification-list-item', { hasText: 'is not among the keyrings Helm Provenance verifies with' }).first();
      await offer.waitFor();
      await workbench.screenshot('4-offer-to-use');
      await workbench.pressNotificationButton(offer, 'Add to helmProvenance.keyrings');

      await workbench.openFile('from-keyserver/devapp/Chart.yaml');
      await workbench.codeLens('verified').waitFor();
      await workbench.screenshot('5-verified');
      // Machine-scoped: in a remote window VS Code reads it from the Remote settings, so it must be there.
      const remote = JSON.parse(fs.readFileSync(machineSettings, 'utf8')) as Record<string, unknown>;
      assert.deepEqual(remote['helmProvenance.keyrings'], [picked]);
    });
  });
});
