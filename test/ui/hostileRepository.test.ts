// Issue 11 end to end: the installed .vsix in a real VS Code (code-server + Chromium) opens a hostile
// repository (hostileRepository.ts) as its victim would, with path settings written the way people
// write them (`$HOME/.gnupg/pubring.gpg`, `gnupgHome: "$HOME/.gnupg"`, the gpg backend), once in a
// trusted window and once in Restricted Mode. What must hold: the repository's archive is not signed
// as its source's, its `$HOME` keyring, GnuPG home and programs are never used, a folder name never
// becomes an icon, invisible characters in a user id are shown escaped, and nothing is run or written
// beyond what the user asked for. Screenshots go to test-results/ui/hostile-*/.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { Browser } from 'playwright-core';
import { CodeServerProfile, quietUserSettings } from '../e2e/codeServer';
import { withWorkbench, type SessionOptions } from '../e2e/session';
import { launchChromium, testResultsDir, type Workbench } from '../e2e/workbench';
import { helm, signedKeys, tempDir } from '../support/tools';
import { extensionId, statusBarItemId } from '../vscode/fixtureWorkspace';
import {
  changedEntries, createHostileRepository, iconName, invisibleEscapes, snapshotTree, type HostileRepository,
} from './hostileRepository';
import { saveExtensionLogs } from './extensionLogs';
import { packagedExtension } from './packagedExtension';
import { renderWatch, waitForRendered, watchRenders } from './renderWatch';

const statusItem = `${extensionId}.${statusBarItemId}`;
const testTimeout = { timeout: 8 * 60_000 };
/** The icon name's text after its `$(…)`: wherever it is shown, no icon may stand before it. */
const folderNeedle = 'Verified by Mallory';
const prebuiltArchive = path.join('charts', 'prebuilt-0.1.0.tgz');

/** The KEYS file's hover (the attacker's key), as a user gets it: cursor in the key block, Show Hover. */
async function keysHover(workbench: Workbench): Promise<string> {
  await workbench.openFile('KEYS');
  await workbench.runCommand('Show or Focus Hover');
  const hover = workbench.page.locator('.monaco-hover:visible', { hasText: 'information only' }).first();
  await hover.waitFor();
  return hover.innerText();
}

/** Waits for the chart status in the status bar; a timeout says what it showed instead. */
async function waitForStatus(workbench: Workbench, expected: string): Promise<string> {
  try {
    return await workbench.waitForStatusBarText(statusItem, expected);
  } catch (err) {
    const shown = await workbench.statusBarText(statusItem).catch(() => '(no item)');
    throw new Error(`the status bar shows "${shown}", not "${expected}": ${(err as Error).message}`);
  }
}

/**
 * Opens a file the way a user does in the Explorer, not with Quick Open: VS Code's own Quick Open
 * renders `$(…)` in the folder path it shows, which is VS Code's behaviour, not the extension's.
 */
async function openFromExplorer(workbench: Workbench, folderText: string, file: string): Promise<void> {
  const rows = workbench.page.locator('.explorer-folders-view .monaco-list-row');
  const folderRow = rows.filter({ hasText: folderText }).first();
  await folderRow.click(); // never opened before: the click expands it
  await rows.and(workbench.page.locator('[aria-expanded="true"]')).filter({ hasText: folderText }).waitFor();
  // The folder holds one file: the row right below it.
  const below = Number(await folderRow.getAttribute('data-index')) + 1;
  await rows.and(workbench.page.locator(`[data-index="${below}"]`)).filter({ hasText: file }).click();
  await workbench.page.locator('.tabs-container .tab.active', { hasText: file }).waitFor();
}

/**
 * The indexing progress in the status bar names each KEYS file and chart folder it checks. The KEYS
 * files come first, one after the other, each slow enough (its whole checking budget) for its name to be
 * shown; the watch sees the icon name go by — as text; as an icon it would be a leak.
 */
async function watchIndexingProgress(workbench: Workbench): Promise<void> {
  // Starting the extension host, activating, loading the keys and reading the KEYS files: a deadline
  // for a loaded machine, not a claim about speed.
  await waitForRendered(workbench.page, 'statusbar', iconName, 180_000);
}

/** Subtests of one window; a failing one leaves a screenshot of the window as it was. */
function stepsIn(t: TestContext, workbench: Workbench): (name: string, body: () => Promise<void>) => Promise<void> {
  let failures = 0;
  return (name, body) => t.test(name, async () => {
    try {
      await body();
    } catch (err) {
      await workbench.screenshot(`failed-${++failures}`).catch(() => undefined);
      throw err;
    }
  });
}

function assertEscapedUid(text: string): void {
  for (const escape of invisibleEscapes) assert.ok(text.toLowerCase().includes(escape), `${escape} is not shown in:\n${text}`);
  for (const raw of ['\u2060', '\u00AD', '\u180E', '\u{E0041}']) assert.equal(text.includes(raw), false, `U+${raw.codePointAt(0)!.toString(16)} reached the screen raw`);
}

function gpgRuns(repo: HostileRepository): string[] {
  return fs.existsSync(repo.gpgRuns) ? fs.readFileSync(repo.gpgRuns, 'utf8').split('\n').filter(Boolean) : [];
}

describe('a hostile repository opened in a real VS Code with the installed extension (issue 11)', () => {
  const scratch = tempDir('helm-prov-ui-hostile-');
  let repo: HostileRepository;
  let vsix: string;
  let browser: Browser;

  before(async () => {
    repo = await createHostileRepository(scratch);
    vsix = await packagedExtension();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    // gpg (run by the extension in the trusted window) left an agent for the victim's GnuPG home.
    if (repo) spawnSync('gpgconf', ['--homedir', path.join(repo.home, '.gnupg'), '--kill', 'all']);
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  /** The victim's profile: path settings written with `$HOME`, the gpg backend through the recording gpg. */
  function victimProfile(workspaceTrust: boolean): CodeServerProfile {
    const profile = new CodeServerProfile();
    // code-server is a remote window: machine-scoped settings are read from the remote ("Machine") settings.
    const machineSettings = path.join(profile.userDataDir, 'Machine', 'settings.json');
    fs.mkdirSync(path.dirname(machineSettings), { recursive: true });
    fs.writeFileSync(machineSettings, JSON.stringify({
      'helmProvenance.keyrings': ['$HOME/.gnupg/pubring.gpg'],
      'helmProvenance.gnupgHome': '$HOME/.gnupg',
      'helmProvenance.signingBackend': 'gpg',
      'helmProvenance.gpgPath': repo.gpgWrapper,
    }, null, 2));
    profile.writeUserSettings({ ...quietUserSettings, 'security.workspace.trust.enabled': workspaceTrust });
    return profile;
  }

  function keepLogsAndRemove(profile: CodeServerProfile, name: string): void {
    saveExtensionLogs(profile.root, path.join(testResultsDir, 'ui', name));
    profile.remove();
  }

  /** One window on a fresh copy of the repository; `untouched` gets the copy's state before anything starts. */
  function session(name: string, profile: CodeServerProfile, workspaceTrust: boolean, untouched: (snapshot: Map<string, string>) => void): SessionOptions {
    return {
      name, workspace: repo.root, vsix: [vsix], profile, workspaceTrust,
      env: { HOME: repo.home, GNUPGHOME: path.join(repo.home, '.gnupg') },
      prepare: (folder) => {
        // Each window starts with no marker: what the other window ran is not counted here.
        for (const marker of [repo.gpgRuns, repo.agentMarker]) fs.rmSync(marker, { force: true });
        untouched(snapshotTree(folder));
      },
      beforeLoad: (page) => watchRenders(page, folderNeedle, 'codicon-verified-filled'),
    };
  }

  /** The charts every window must show the same way: the maintainer's verified, the attacker's not. */
  async function assertVerdicts(workbench: Workbench): Promise<void> {
    // `$HOME/.gnupg/pubring.gpg` is the victim's: the maintainer's chart is verified...
    await workbench.openFile('charts/devapp/Chart.yaml');
    assert.equal(await waitForStatus(workbench, 'Verified'), 'Verified');
    // ...and the archive the attacker signed is not, though the repository's own `$HOME/.gnupg/pubring.gpg` holds their key.
    await workbench.openFile('charts/prebuilt/Chart.yaml');
    assert.equal(await waitForStatus(workbench, 'Unknown signer'), 'Unknown signer');
    await workbench.codeLens('Unknown signer').waitFor();
    const lenses = await workbench.codeLensTexts();
    assert.ok(lenses.some((l) => /^✗ Unknown signer — key .* is not in your keyrings$/.test(l)), lenses.join(' | '));
    assert.equal(lenses.some((l) => /verified/i.test(l)), false, lenses.join(' | '));
    await workbench.screenshot('attacker-signed-not-verified');
  }

  /** What must hold at the end of either window. */
  async function assertNothingLeaked(workbench: Workbench): Promise<void> {
    assert.equal(fs.existsSync(repo.agentMarker), false, `the repository's evil-agent.sh ran: ${fs.existsSync(repo.agentMarker) ? fs.readFileSync(repo.agentMarker, 'utf8') : ''}`);
    const watch = await renderWatch(workbench.page);
    fs.writeFileSync(path.join(workbench.artifactsDir, 'rendered-texts.json'), JSON.stringify(watch, null, 1));
    // VS Code's own Quick Open renders `$(…)` in the file names and folder paths it lists: VS Code's
    // doing, kept in the artifact, not the extension's.
    assert.deepEqual(watch.iconLeaks.filter((leak) => leak.where !== 'quick-open-file'), [], 'a name was rendered with the verified icon');
  }

  test('trusted window: Sign Chart refuses the shipped archive, gpg runs only in the victim\'s home, no icon, no invisible character', testTimeout, async (t) => {
    const profile = victimProfile(false);
    t.after(() => keepLogsAndRemove(profile, 'hostile-trusted'));
    let untouched = new Map<string, string>();
    await withWorkbench(browser, session('hostile-trusted', profile, false, (s) => { untouched = s; }), async (workbench, folder) => {
      const step = stepsIn(t, workbench);
      await step('the indexing progress in the status bar shows the icon name as text', () => watchIndexingProgress(workbench));
      await step('the maintainer\'s chart is verified, the attacker-signed archive is not', () => assertVerdicts(workbench));

      await step('Sign Chart on charts/prebuilt is refused, naming the file that differs; nothing is written', async () => {
        await workbench.runCommand('Helm Provenance: Sign Chart');
        await workbench.pickQuickInputRow('dev Rsa Signer');
        const refusal = await workbench.waitForNotification(/Cannot sign prebuilt/);
        assert.match(refusal, /prebuilt-0\.1\.0\.tgz is not what packaging .*prebuilt writes now — 1 file differs: templates\/job\.yaml \(differs\)\. Nothing was signed/);
        await workbench.screenshot('sign-refused-archive-differs');
        assert.deepEqual(changedEntries(untouched, snapshotTree(folder)), [], 'a file in the repository was written');
        // Listing the keys ran gpg: in the victim's home, with the victim's GnuPG home, never in the repository.
        const runs = gpgRuns(repo);
        assert.ok(runs.length > 0, 'the gpg backend never ran: the checks on its runs prove nothing');
        for (const run of runs) {
          const [cwd, args] = run.split('\t');
          assert.equal(cwd, repo.home, run);
          assert.ok(args.includes(`--homedir ${path.join(repo.home, '.gnupg')}`), run);
          assert.equal(run.includes(folder), false, run);
        }
      });

      await step('Package and Sign from the refusal rebuilds the archive from the source, and only it and its .prov are written', async () => {
        const toast = workbench.page.locator('.notifications-toasts .notification-list-item', { hasText: 'Cannot sign prebuilt' }).first();
        await toast.getByRole('button', { name: 'Package and Sign' }).click();
        await workbench.pickQuickInputRow('dev Rsa Signer');
        assert.match(await workbench.waitForNotification(/Signed prebuilt-0\.1\.0\.tgz/), /\(packaged first\) with dev Rsa Signer <rsa2048@dev\.example>/);
        await waitForStatus(workbench, 'Verified');
        await workbench.screenshot('package-and-sign-verified');
        const archive = path.join(folder, prebuiltArchive);
        const job = spawnSync('tar', ['-xzOf', archive, 'prebuilt/templates/job.yaml'], { encoding: 'utf8' });
        assert.equal(job.stdout, 'kind: Job\nspec:\n  command: ["echo", "hello"]\n', job.stderr);
        const verified = helm(['verify', '--keyring', path.join(signedKeys, 'rsa2048.pub.gpg'), archive]);
        assert.equal(verified.status, 0, verified.stdout + verified.stderr);
        // The chart folder's own listing changes with the rename of each atomic write.
        assert.deepEqual(changedEntries(untouched, snapshotTree(folder)), ['charts', prebuiltArchive, `${prebuiltArchive}.prov`]);
      });

      await step('the icon folder is listed as text in the chart picker', async () => {
        await workbench.runCommand('View: Close All Editors');
        await workbench.runCommand('Helm Provenance: Sign Chart');
        const row = workbench.quickInput.locator('.quick-input-list .monaco-list-row', { hasText: folderNeedle }).first();
        await row.waitFor();
        assert.ok((await row.innerText()).includes(iconName), await row.innerText());
        assert.equal(await row.locator('.codicon-verified-filled').count(), 0, 'the folder name became an icon');
        await workbench.screenshot('chart-picker-icon-folder');
        await workbench.page.keyboard.press('Escape');
      });

      await step('the KEYS hover shows the attacker\'s user id with its invisible characters escaped', async () => {
        assertEscapedUid(await keysHover(workbench));
        await workbench.screenshot('keys-hover-invisible-escaped');
        await workbench.page.keyboard.press('Escape');
      });

      await step('no icon from a name, and the repository\'s agent-program never ran', () => assertNothingLeaked(workbench));
    });
  });

  test('Restricted Mode: the same repository verifies read-only, nothing is spawned and nothing written', testTimeout, async (t) => {
    const profile = victimProfile(true);
    t.after(() => keepLogsAndRemove(profile, 'hostile-restricted'));
    let untouched = new Map<string, string>();
    await withWorkbench(browser, session('hostile-restricted', profile, true, (s) => { untouched = s; }), async (workbench, folder) => {
      const step = stepsIn(t, workbench);
      await workbench.restrictedModeBanner().waitFor();
      await step('the indexing progress in the status bar shows the icon name as text', () => watchIndexingProgress(workbench));
      await step('the maintainer\'s chart is verified, the attacker-signed archive is not', () => assertVerdicts(workbench));

      await step('the icon folder\'s lens says Package and Sign is off in Restricted Mode; Sign Chart and Select Signing Key are not offered', async () => {
        await openFromExplorer(workbench, folderNeedle, 'Chart.yaml');
        await workbench.page.locator('.monaco-editor .codelens-decoration', { hasText: 'Package and Sign is off in Restricted Mode (it writes files)' }).waitFor();
        await workbench.screenshot('restricted-sign-refused');
        const offered = await workbench.paletteEntries('Helm Provenance:');
        assert.ok(offered.some((row) => row.includes('Verify Chart')), offered.join('\n'));
        assert.deepEqual(offered.filter((row) => /Sign Chart|Package Chart|Select Signing Key/.test(row)), []);
      });

      await step('the KEYS hover shows the attacker\'s user id with its invisible characters escaped', async () => {
        assertEscapedUid(await keysHover(workbench));
        await workbench.screenshot('restricted-keys-hover');
        await workbench.page.keyboard.press('Escape');
      });

      await step('gpg never ran, the agent-program never ran, no file in the repository was written, no icon from a name', async () => {
        assert.deepEqual(gpgRuns(repo), [], 'gpg ran in Restricted Mode');
        assert.deepEqual(changedEntries(untouched, snapshotTree(folder)), [], 'a file in the repository was written in Restricted Mode');
        await assertNothingLeaked(workbench);
        await workbench.screenshot('restricted-mode');
      });
    });
  });
});
