// Verify Sigstore Signature (issue 14) on the installed .vsix in a real VS Code: a chart archive with a
// cosign bundle beside it, signed in setup by the test Sigstore instance (test/support/sigstorePki.ts)
// whose trusted_root.json is the machine setting (with half an identity entry, which trusts no one). With
// no trusted signer the chart's lens says identity-required and which setting trusts an identity (never
// "Unsigned": the chart is signed with cosign only); the command asks whom to expect, says the verdict in
// words (no ✓/✗, as the other verify commands) with the identity and the log time, and remembers the
// signer in the machine settings (never the workspace's), keeping the entries the user wrote; the
// Chart.yaml lens then says verified (Sigstore) above the cosign line. The bundle's hover names the
// certificate's identity; a tampered archive turns the bundle's diagnostic and the lenses into
// digest-mismatch. A workspace's own settings.json cannot add a trusted signer. Screenshots of
// each step are kept in test-results/ui/sigstore*/.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { CodeServerProfile, quietUserSettings } from '../e2e/codeServer';
import { delay, withTimeout } from '../e2e/processes';
import { withWorkbench } from '../e2e/session';
import { launchChromium, testResultsDir, uiTimeoutMs, type Workbench } from '../e2e/workbench';
import { bundleJsonOf, TestSigstore } from '../support/sigstorePki';
import { signedCases, signedKeyrings, tempDir } from '../support/tools';
import { extensionId, statusBarItemId } from '../vscode/fixtureWorkspace';
import { saveExtensionLogs } from './extensionLogs';
import { packagedExtension } from './packagedExtension';

const IDENTITY = 'release@example.com';
const ISSUER = 'https://issuer.test';
const ARCHIVE = 'devapp-1.2.3.tgz';
const BUNDLE = `${ARCHIVE}.sigstore.json`;
const IDENTITIES_SETTING = 'helmProvenance.sigstore.trustedIdentities';
const HALF_ENTRY = { identity: 'half@example.com' };
const testTimeout = { timeout: 6 * 60_000 };
/** The first wait of a session also waits for the extension to start, slow on a loaded machine. */
const extensionStartMs = 4 * uiTimeoutMs;

/** A Problems row (its visible text carries the source and code) once it shows `text`. */
async function problemRow(workbench: Workbench, text: string, timeout = uiTimeoutMs): Promise<string> {
  await workbench.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
  const row = workbench.page.locator('.markers-panel .monaco-list-row', { hasText: text }).first();
  await row.waitFor({ timeout });
  return (await row.innerText()).trim();
}

/** A Problems row's source and code, shown `helm-provenance(<code>)` (the parentheses are CSS: not in the row's text). */
const diagnosticCode = (code: string) => new RegExp(`\\nhelm-provenance\\s*\\(?${code}\\)?\\s*\\[Ln \\d+`);

/** Waits (polling the file, bounded as the UI waits are) until a settings file's `key` mentions `text`, and answers the file parsed. */
async function settingsWith(file: string, key: string, text: string): Promise<Record<string, unknown>> {
  let waiting = true;
  const poll = async () => {
    while (waiting) {
      try {
        const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
        if (JSON.stringify(parsed[key] ?? null).includes(text)) return parsed;
      } catch {
        // not written yet, or being written
      }
      await delay(100);
    }
    return {};
  };
  try {
    return await withTimeout(poll(), uiTimeoutMs, `${key} in ${file}`);
  } finally {
    waiting = false;
  }
}

/**
 * Picks a file in VS Code's own file dialog (a remote window's): once it has listed the folder it
 * starts in (it fills its input with that folder itself), types the path, waits for the list to
 * follow it, and accepts.
 */
async function pickFile(workbench: Workbench, file: string): Promise<void> {
  await workbench.quickInput.filter({ hasText: 'Select the file to verify' }).waitFor();
  const rows = workbench.quickInput.locator('.quick-input-list .monaco-list-row');
  await rows.filter({ hasText: '..' }).first().waitFor();
  const input = workbench.quickInput.locator('input.input');
  await input.fill(file);
  await rows.filter({ hasText: path.basename(file) }).first().waitFor();
  assert.equal(await input.inputValue(), file);
  await workbench.screenshot('2-pick-archive');
  await input.press('Enter');
}

/** Moves the cursor of the active editor to a 1-based line and column (Quick Open's `:line:column`; Ctrl+G opens Quick Open without the colon here). */
async function goTo(workbench: Workbench, line: number, column: number): Promise<void> {
  await workbench.page.locator('.monaco-editor .view-lines').first().click();
  await workbench.page.keyboard.press('Control+G');
  const input = workbench.quickInput.locator('input.input');
  await input.waitFor();
  await input.fill(`:${line}:${column}`);
  await input.press('Enter');
  await workbench.quickInput.waitFor({ state: 'hidden' });
}

describe('Verify Sigstore Signature in a real VS Code', () => {
  const scratch = tempDir('helm-prov-ui-sigstore-');
  const workspace = path.join(scratch, 'workspace');
  const rootFile = path.join(scratch, 'trusted_root.json');
  let bundleText: string;
  let vsix: string;
  let browser: Browser;
  const sigstore = new TestSigstore();

  before(async () => {
    fs.writeFileSync(rootFile, JSON.stringify(sigstore.trustedRootJson(), null, 2));
    // The devapp chart, its archive (no .prov: signed with cosign only) and the bundle cosign writes beside it.
    fs.mkdirSync(workspace);
    const archive = path.join(workspace, ARCHIVE);
    fs.copyFileSync(path.join(signedCases, 'gpg-clearsigned', ARCHIVE), archive);
    execFileSync('tar', ['xzf', archive, '-C', workspace]);
    const bytes = fs.readFileSync(archive);
    bundleText = JSON.stringify(bundleJsonOf(sigstore.signBlob(bytes, { identity: IDENTITY, issuer: ISSUER }), bytes), null, 2);
    fs.writeFileSync(path.join(workspace, BUNDLE), bundleText);
    vsix = await packagedExtension();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  /** A profile whose machine settings (where a remote window reads them) name the test's trusted root and no usable signer. */
  function sigstoreProfile(extraMachineSettings: Record<string, unknown> = {}): { profile: CodeServerProfile; machineSettings: string } {
    const profile = new CodeServerProfile();
    const machineSettings = path.join(profile.userDataDir, 'Machine', 'settings.json');
    fs.mkdirSync(path.dirname(machineSettings), { recursive: true });
    fs.writeFileSync(machineSettings, JSON.stringify({ 'helmProvenance.sigstore.trustedRoot': rootFile, ...extraMachineSettings }, null, 2));
    profile.writeUserSettings({ ...quietUserSettings, 'security.workspace.trust.enabled': false });
    return { profile, machineSettings };
  }

  test('no trusted signer: the command asks, verifies with identity and log time, remembers the signer in the machine settings; hover; a tampered archive', testTimeout, async (t) => {
    // Half an entry (no issuer) trusts no one, and remembering a signer must not drop what the user wrote.
    const { profile, machineSettings } = sigstoreProfile({ [IDENTITIES_SETTING]: [HALF_ENTRY] });
    t.after(() => {
      saveExtensionLogs(profile.root, path.join(testResultsDir, 'ui', 'sigstore'));
      profile.remove();
    });
    await withWorkbench(browser, { name: 'sigstore', workspace, vsix: [vsix], profile, workspaceTrust: false }, async (workbench, folder) => {
      await workbench.openFile('devapp/Chart.yaml');
      await workbench.codeLens('cosign ⚠ identity-required').waitFor({ timeout: extensionStartMs });
      const verdictLens = workbench.codeLens('⚠ Sigstore: Identity required');
      await verdictLens.waitFor();
      assert.equal((await verdictLens.innerText()).trim(), '⚠ Sigstore: Identity required — click to name the signer you expect');
      assert.ok(!(await workbench.codeLensTexts()).some((t) => t.includes('Unsigned')), 'a chart signed with cosign is not unsigned');
      await workbench.screenshot('1-identity-required-lens');

      // From the palette with no file open: the command asks which file, then whom to expect.
      await workbench.runCommand('View: Close All Editors');
      await workbench.runCommand('Helm Provenance: Verify Sigstore Signature');
      await pickFile(workbench, path.join(folder, ARCHIVE));

      const prompt = workbench.quickInput.locator('.quick-input-message', { hasText: 'The certificate identity you expect' });
      await prompt.waitFor();
      assert.match(await prompt.innerText(), /The signature claims "release@example\.com" from "https:\/\/issuer\.test"/);
      const identityInput = workbench.quickInput.locator('input.input');
      assert.equal(await identityInput.inputValue(), '', 'never prefilled from the signature');
      await identityInput.fill(IDENTITY);
      await workbench.screenshot('3-ask-identity');
      await identityInput.press('Enter');
      await workbench.quickInput.locator('.quick-input-message', { hasText: 'The OIDC issuer recorded in the certificate' }).waitFor();
      await workbench.quickInput.locator('input.input').fill(ISSUER);
      await workbench.screenshot('4-ask-issuer');
      await workbench.quickInput.locator('input.input').press('Enter');

      const verdict = await workbench.waitForNotification(`${ARCHIVE}.sigstore.json verified`);
      assert.match(verdict, /^devapp-1\.2\.3\.tgz\.sigstore\.json verified: signed by release@example\.com \(issuer https:\/\/issuer\.test\), logged 2025-03-01T12:01:00\.000Z \(log index \d+\)\.$/, 'in words, no ✓');
      // The offer's toast hides itself after a while (a loaded machine can be slower): it stays in the notification center.
      await workbench.runCommand('Notifications: Show Notifications');
      const offer = workbench.page.locator('.notifications-center .notification-list-item', { hasText: `Trust ${IDENTITY}` }).first();
      await offer.waitFor();
      assert.match(await offer.innerText(), /saved in your user settings .*never in the workspace/s);
      await workbench.screenshot('5-verdict-and-offer');
      await workbench.pressNotificationButton(offer, 'Remember this signer');

      // Written where a remote window keeps machine-scoped settings; neither the user's nor the workspace's file.
      const written = await settingsWith(machineSettings, IDENTITIES_SETTING, IDENTITY);
      assert.deepEqual(written[IDENTITIES_SETTING], [HALF_ENTRY, { identity: IDENTITY, issuer: ISSUER }]);
      assert.equal(written['helmProvenance.sigstore.trustedRoot'], rootFile, 'the other machine settings are kept');
      assert.ok(!fs.readFileSync(profile.userSettingsFile, 'utf8').includes(IDENTITY), 'written to the local user settings');
      assert.equal(fs.existsSync(path.join(folder, '.vscode', 'settings.json')), false, 'written to the workspace');

      await workbench.openFile('devapp/Chart.yaml');
      const verified = workbench.codeLens('cosign ✓');
      await verified.waitFor();
      assert.equal((await verified.innerText()).trim(), `cosign ✓ ${IDENTITY} (${ISSUER}) · logged 2025-03-01`);
      await workbench.codeLens('✓ Verified (Sigstore)').waitFor();
      await workbench.screenshot('6-cosign-verified-lens');

      // Step 2: the bundle — hover on the certificate names the identity; then the archive is tampered with.
      await workbench.openFile(BUNDLE);
      const lines = bundleText.split('\n');
      const certLine = lines.findIndex((l) => l.includes('"rawBytes"'));
      await goTo(workbench, certLine + 1, lines[certLine].indexOf('"rawBytes"') + '"rawBytes": "'.length + 2);
      await workbench.runCommand('Show or Focus Hover');
      const hover = workbench.page.locator('.monaco-hover', { hasText: 'Identity (SAN)' }).first();
      await hover.waitFor();
      const hoverText = await hover.innerText();
      assert.match(hoverText, /Identity \(SAN\): release@example\.com/);
      assert.match(hoverText, /OIDC issuer: https:\/\/issuer\.test/);
      await workbench.screenshot('7-certificate-hover');
      await workbench.page.keyboard.press('Escape');
      assert.match(await problemRow(workbench, 'verified'), diagnosticCode('verified'));

      const archive = path.join(folder, ARCHIVE);
      const bytes = fs.readFileSync(archive);
      bytes[bytes.length - 1] ^= 0xff;
      fs.writeFileSync(archive, bytes);
      assert.match(await problemRow(workbench, 'digest-mismatch'), diagnosticCode('digest-mismatch'));
      await workbench.screenshot('8-bundle-digest-mismatch');
      await workbench.openFile('devapp/Chart.yaml');
      await workbench.page.mouse.move(700, 400); // the tab's tooltip would cover the lens in the screenshot
      const rejected = workbench.codeLens('cosign ✗');
      await rejected.waitFor();
      assert.match((await rejected.innerText()).trim(), /^cosign ✗ digest-mismatch \(devapp-1\.2\.3\.tgz\.sigstore\.json\)$/);
      await workbench.codeLens('✗ Sigstore: Digest mismatch — the archive is not the one that was signed').waitFor();
      await workbench.screenshot('9-cosign-rejected-lens');
    });
  });

  test('a workspace settings.json naming the signer adds no trust: identity-required, and the command still asks', testTimeout, async (t) => {
    const { profile } = sigstoreProfile();
    t.after(() => {
      saveExtensionLogs(profile.root, path.join(testResultsDir, 'ui', 'sigstore-workspace-setting'));
      profile.remove();
    });
    await withWorkbench(browser, {
      name: 'sigstore-workspace-setting', workspace, vsix: [vsix], profile, workspaceTrust: false,
      prepare: (folder) => {
        fs.mkdirSync(path.join(folder, '.vscode'));
        fs.writeFileSync(path.join(folder, '.vscode', 'settings.json'), JSON.stringify({ [IDENTITIES_SETTING]: [{ identity: IDENTITY, issuer: ISSUER }] }, null, 2));
      },
    }, async (workbench) => {
      await workbench.openFile(BUNDLE);
      assert.match(await problemRow(workbench, 'identity-required', extensionStartMs), diagnosticCode('identity-required'));
      await workbench.screenshot('1-bundle-identity-required');

      await workbench.openFile('devapp/Chart.yaml');
      await workbench.codeLens('cosign ⚠ identity-required').waitFor();
      // A warning (nothing checked yet), not an error: the badge's icon is the warning's.
      const badge = workbench.statusBarItem(`${extensionId}.${statusBarItemId}`);
      await badge.filter({ hasText: 'Identity required' }).waitFor();
      assert.equal(await badge.locator('.codicon-warning').count(), 1, 'the badge shows the warning icon');
      await workbench.screenshot('2-lens-identity-required');

      // The lens runs Verify Chart, whose notification (a warning) offers the fix: Trust a Sigstore signer,
      // which asks whom to expect — the workspace's signer counted for nothing.
      const lens = workbench.codeLens('⚠ Sigstore: Identity required — click to name the signer you expect');
      const toast = await workbench.notificationAfter(() => lens.click(), 'devapp 1.2.3');
      assert.equal(await toast.locator('.codicon-warning').count(), 1, 'told as a warning, not an error');
      await workbench.screenshot('3-verify-chart-offers-trust');
      await workbench.pressNotificationButton(toast, 'Trust a Sigstore signer');
      await workbench.quickInput.locator('.quick-input-message', { hasText: 'The certificate identity you expect' }).waitFor();
      await workbench.screenshot('3-command-asks');
      await workbench.page.keyboard.press('Escape');
      // In words, as the other verify commands: the file, that nothing was checked and which setting names a signer.
      const refused = await workbench.waitForNotification('nothing was checked');
      assert.match(refused, /^devapp-1\.2\.3\.tgz\.sigstore\.json: A keyless \(certificate\) signature .*nothing was checked\..*helmProvenance\.sigstore\.trustedIdentities/s);
      assert.ok(!/[✓✗]/.test(refused), refused);
      await workbench.screenshot('4-not-verified');
    });
  });

  test('both signed: the .prov\'s signer and (OpenPGP + Sigstore); a cosign signature over other bytes fails a verified .prov', testTimeout, async (t) => {
    const { profile } = sigstoreProfile({
      [IDENTITIES_SETTING]: [{ identity: IDENTITY, issuer: ISSUER }],
      'helmProvenance.keyrings': [path.join(signedKeyrings, 'pubring.gpg')],
    });
    t.after(() => {
      saveExtensionLogs(profile.root, path.join(testResultsDir, 'ui', 'sigstore-both'));
      profile.remove();
    });
    await withWorkbench(browser, {
      name: 'sigstore-both', workspace, vsix: [vsix], profile, workspaceTrust: false,
      prepare: (folder) => fs.copyFileSync(path.join(signedCases, 'gpg-clearsigned', `${ARCHIVE}.prov`), path.join(folder, `${ARCHIVE}.prov`)),
    }, async (workbench, folder) => {
      const badge = workbench.statusBarItem(`${extensionId}.${statusBarItemId}`);
      await workbench.openFile('devapp/Chart.yaml');
      const both = workbench.codeLens('(OpenPGP + Sigstore)');
      await both.waitFor({ timeout: extensionStartMs });
      assert.match((await both.innerText()).trim(), /^✓ Signed by .+ · [0-9A-F]{4}…[0-9A-F]{4} · verified \(OpenPGP \+ Sigstore\)$/);
      assert.equal((await workbench.codeLens('cosign ✓').innerText()).trim(), `cosign ✓ ${IDENTITY} (${ISSUER}) · logged 2025-03-01`);
      await badge.filter({ hasText: 'Verified (OpenPGP + Sigstore)' }).waitFor();
      await workbench.screenshot('1-both-verified');

      // Signed by the trusted signer, but over other bytes: the .prov still verifies, the chart does not.
      const other = Buffer.from('not the chart');
      fs.writeFileSync(path.join(folder, BUNDLE), JSON.stringify(bundleJsonOf(sigstore.signBlob(other, { identity: IDENTITY, issuer: ISSUER }), other), null, 2));
      const failed = workbench.codeLens('✗ Sigstore:');
      await failed.waitFor();
      const failedText = (await failed.innerText()).trim();
      assert.match(failedText, /^✗ Sigstore: (Digest mismatch — the archive is not the one that was signed|Signature invalid — the signature does not match the archive)$/);
      assert.ok(!(await workbench.codeLensTexts()).some((l) => l.includes('verified')), 'no lens says verified');
      await badge.locator('.codicon-error').waitFor();
      assert.match(await badge.innerText(), /Digest mismatch|Signature invalid/);
      await workbench.screenshot('2-prov-verified-cosign-fails');
    });
  });
});
