// Black-box smoke test of the harness: the hello extension packaged into a .vsix, installed into
// code-server as a user installs it, and used through the workbench in Chromium.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Browser } from 'playwright-core';
import { tempDir } from '../../support/tools';
import { helloExtension, helloWorkspace } from '../paths';
import { withWorkbench } from '../session';
import { packageExtension } from '../vsix';
import { launchChromium } from '../workbench';

const extensionId = 'helm-provenance-test.hello-e2e';
const statusItem = `${extensionId}.helloE2e.status`;
const testTimeout = { timeout: 3 * 60_000 };

describe('hello extension from its .vsix in code-server + Chromium', () => {
  const packages = tempDir('e2e-vsix-');
  let vsix: string;
  let browser: Browser;

  before(async () => {
    vsix = await packageExtension(helloExtension, packages);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    fs.rmSync(packages, { recursive: true, force: true });
  });

  test('in a trusted folder: palette command, status bar, CodeLens, notification and Problems', testTimeout, async () => {
    await withWorkbench(browser, { name: 'hello-trusted', workspace: helloWorkspace, vsix: [vsix] }, async (workbench) => {
      assert.equal(await workbench.waitForStatusBarText(statusItem, 'Hello: waiting'), 'Hello: waiting');
      await workbench.openFile('hello.txt');
      assert.deepEqual(await workbench.codeLensTexts(), ['Say Hello from a CodeLens']);

      await workbench.runCommand('Hello E2E: Say Hello');
      assert.equal(await workbench.waitForNotification('Hello from the e2e fixture'), 'Hello from the e2e fixture (1)');
      assert.equal(await workbench.waitForStatusBarText(statusItem, 'greeted'), 'Hello: greeted 1');
      const problems = await workbench.problems(2);
      assert.ok(problems.some((row) => /^Warning: Hello was said 1 time\(s\) at line 1 /.test(row)), problems.join('\n'));
      await workbench.screenshot('after-say-hello');
    });
  });

  test('in Restricted Mode (workspace trust on): banner shown, extension disabled, command absent', testTimeout, async () => {
    await withWorkbench(browser, { name: 'hello-restricted', workspace: helloWorkspace, vsix: [vsix], workspaceTrust: true }, async (workbench) => {
      await workbench.restrictedModeBanner().waitFor();
      assert.equal(await workbench.statusBarText('status.workspaceTrust'), 'Restricted Mode');
      // The extension is installed but disabled by workspace trust (shield icon on its entry)...
      const row = await workbench.installedExtensionRow(extensionId);
      await row.locator('.extension-status.codicon-extension-workspace-trust').waitFor();
      // ...so it never ran: no command in the palette and no status bar item.
      assert.deepEqual(await workbench.paletteEntries('Hello E2E: Say Hello'), ['No matching commands']);
      assert.equal(await workbench.statusBarItem(statusItem).count(), 0);
      await workbench.screenshot('restricted-mode');
    });
  });
});
