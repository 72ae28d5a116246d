// Debian's Chromium driven by playwright-core, and the few things a test does in the VS Code
// workbench as a user would: palette commands, quick open, status bar, CodeLens, notifications,
// Problems, screenshots. Selectors are the ones measured on VS Code 1.139 (shared/notes/e2e.md).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Browser, BrowserContext, Locator, Page, chromium } from 'playwright-core';
import { repoRoot } from '../support/tools';

const LENS_ITEMS = '.monaco-editor .codelens-decoration > a, .monaco-editor .codelens-decoration > span';

/** Screenshots, logs and other artifacts of the e2e tests. */
export const testResultsDir = path.join(repoRoot, 'test-results');

export const chromiumPath = process.env.E2E_CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags that let Chromium run headless as root and offline without phoning home. */
export const chromiumArgs = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];

/** How long a single wait in the workbench may take before the test fails. */
export const uiTimeoutMs = 30_000;

export async function launchChromium(): Promise<Browser> {
  // Chromium keeps a crash database under XDG_CONFIG_HOME whatever the flags: give it a private one.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-chromium-'));
  const env = { ...process.env, XDG_CONFIG_HOME: home, XDG_CACHE_HOME: home };
  try {
    // Never `npx playwright install`: it downloads a browser; Debian's is on the machine.
    const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, env, headless: true, timeout: 60_000 });
    browser.on('disconnected', () => fs.rmSync(home, { recursive: true, force: true }));
    return browser;
  } catch (err) {
    fs.rmSync(home, { recursive: true, force: true });
    throw err;
  }
}

export interface OpenOptions {
  /** Where screenshots and the browser console log go; created if missing. */
  artifactsDir: string;
  /** Called before the page loads, e.g. to expose functions the workbench calls. */
  beforeLoad?: (page: Page) => Promise<void>;
  timeoutMs?: number;
}

/** One browser tab showing the VS Code workbench. */
export class Workbench {
  private constructor(
    readonly page: Page,
    private readonly context: BrowserContext,
    readonly artifactsDir: string,
  ) {}

  static async open(browser: Browser, url: string, options: OpenOptions): Promise<Workbench> {
    fs.mkdirSync(options.artifactsDir, { recursive: true });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(uiTimeoutMs);
    const consoleLog = path.join(options.artifactsDir, 'browser-console.log');
    page.on('console', (m) => fs.appendFileSync(consoleLog, `[${m.type()}] ${m.text()}\n`));
    page.on('pageerror', (e) => fs.appendFileSync(consoleLog, `[pageerror] ${e.stack ?? e.message}\n`));
    await options.beforeLoad?.(page);
    const timeout = options.timeoutMs ?? 60_000;
    await page.goto(url, { timeout });
    await page.locator('.monaco-workbench').waitFor({ timeout });
    return new Workbench(page, context, options.artifactsDir);
  }

  async close(): Promise<void> {
    await this.context.close();
  }

  /** Runs a command by its palette title (`Category: Title` or just the title), as a user does with F1. */
  async runCommand(title: string): Promise<void> {
    await this.openQuickInput('F1', `>${title}`);
    await this.pickQuickInputRow(title);
  }

  /**
   * Opens a workspace file with Quick Open (Ctrl+P) and waits for its editor tab. The row is the one
   * with exactly that name and folder: several files share a name (Chart.yaml, devapp-1.2.3.tgz.prov),
   * and Quick Open ranks recently opened ones first.
   */
  async openFile(relativePath: string): Promise<void> {
    const exactly = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    const name = path.basename(relativePath);
    const folder = path.dirname(relativePath);
    await this.openQuickInput('Control+P', relativePath);
    await this.quickInput.locator('.quick-input-list .monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: exactly(name) }) })
      .filter(folder === '.'
        ? { hasNot: this.page.locator('.label-description', { hasText: /\S/ }) }
        : { has: this.page.locator('.label-description', { hasText: exactly(folder) }) })
      .first().click();
    await this.page.locator('.tabs-container .tab.active', { hasText: name }).waitFor();
  }

  /** The quick input (palette, quick pick or input box) while it is shown. */
  get quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  private async openQuickInput(key: string, text: string): Promise<void> {
    await this.focusWorkbench();
    await this.page.keyboard.press(key);
    const input = this.quickInput.locator('input.input');
    await input.waitFor();
    await input.fill(text);
  }

  /** Waits for a row of the shown quick pick containing `label` and picks it. */
  async pickQuickInputRow(label: string): Promise<void> {
    const row = this.quickInput.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
    await row.waitFor();
    await row.click();
  }

  /** Keyboard shortcuts only reach the workbench once it has focus. */
  private async focusWorkbench(): Promise<void> {
    await this.page.locator('.monaco-workbench .part.statusbar').click({ position: { x: 600, y: 5 } });
  }

  /**
   * A status bar item by its DOM id: `<publisher>.<name>.<item id>` for an extension's item
   * (`createStatusBarItem(id, …)`), e.g. `status.workspaceTrust` for the workbench's own.
   */
  statusBarItem(id: string): Locator {
    return this.page.locator(`.part.statusbar [id="${id}"]`);
  }

  /** Waits for a status bar item and returns its text, without the leading space an icon leaves. */
  async statusBarText(id: string): Promise<string> {
    return (await this.statusBarItem(id).locator('.statusbar-item-label').innerText()).trim();
  }

  /** Waits until a status bar item shows `expected` (substring or pattern) and returns its text. */
  async waitForStatusBarText(id: string, expected: string | RegExp): Promise<string> {
    const label = this.statusBarItem(id).locator('.statusbar-item-label');
    await label.filter({ hasText: expected }).waitFor();
    return (await label.innerText()).trim();
  }

  /**
   * The first CodeLens in the visible editors whose text matches: a link, or a span for a lens without
   * a command (the cosign line; a lens that says what Restricted Mode turns off).
   */
  codeLens(text: string | RegExp): Locator {
    return this.page.locator(LENS_ITEMS, { hasText: text }).first();
  }

  /**
   * A lens the server answered, with its command and tooltip. Until it answers, VS Code shows the lenses
   * it cached for the file as plain spans, with their titles only.
   */
  liveCodeLens(text: string | RegExp): Locator {
    return this.page.locator('.monaco-editor .codelens-decoration > a[title]', { hasText: text }).first();
  }

  /** CodeLens texts in the visible editors, waiting for at least one. */
  async codeLensTexts(): Promise<string[]> {
    const lenses = this.page.locator(LENS_ITEMS);
    await lenses.first().waitFor();
    return (await lenses.allInnerTexts()).map((t) => t.trim());
  }

  /**
   * A shown notification whose text matches: a toast, or a row of the notification center while that is open
   * (the workbench shows no toasts then).
   */
  private shownNotification(text: string | RegExp): Locator {
    const message = this.page.locator('.notification-list-item-message', { hasText: text });
    return this.page.locator('.notifications-toasts .notification-list-item, .notifications-center .notification-list-item', { has: message })
      .filter({ visible: true }).first();
  }

  /** Waits for a shown notification whose message matches and returns the message. */
  async waitForNotification(message: string | RegExp): Promise<string> {
    const shown = this.shownNotification(message).locator('.notification-list-item-message');
    await shown.waitFor();
    return (await shown.innerText()).trim();
  }

  /**
   * Runs `act` (a click whose command shows a notification) and returns that notification: its toast, or its
   * row in the notification center once the toast has hidden itself. A click can reach a CodeLens while the
   * editor re-renders its lenses and run nothing (seen on a loaded machine): as a user would, this acts
   * again, a bounded number of times.
   */
  async notificationAfter(act: () => Promise<void>, message: string | RegExp): Promise<Locator> {
    const shown = this.shownNotification(message);
    const attempts = 3;
    for (let attempt = 1; ; attempt++) {
      await act();
      try {
        await shown.waitFor({ timeout: 10_000 });
        return shown;
      } catch {
        // Its toast hidden already, or never shown: the center lists every notification still open.
      }
      await this.runCommand('Notifications: Show Notifications');
      try {
        await shown.waitFor({ timeout: 5_000 });
        return shown;
      } catch (err) {
        if (attempt === attempts) throw err;
        await this.runCommand('Notifications: Hide Notifications');
      }
    }
  }

  /**
   * Presses a notification's button and waits for the notification to close, as pressing any of its buttons
   * does. The notification list re-lays out when a notification above it goes (a finished progress): a click
   * aimed during that lands beside the button (seen on a loaded machine). As a user would, this presses
   * again, a bounded number of times.
   */
  async pressNotificationButton(notification: Locator, label: string | RegExp): Promise<void> {
    const attempts = 3;
    for (let attempt = 1; ; attempt++) {
      await notification.locator('.monaco-button', { hasText: label }).click();
      try {
        await notification.waitFor({ state: 'hidden', timeout: 5_000 });
        return;
      } catch (err) {
        if (attempt === attempts) throw err;
      }
    }
  }

  /** Messages of the notification toasts shown now. */
  async notificationMessages(): Promise<string[]> {
    return this.page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts();
  }

  /**
   * Opens the Problems view and returns its rows as the screen reader reads them (file rows and
   * marker rows, e.g. `Warning: <message> at line 1 column 1`), waiting for at least `atLeast` rows.
   */
  async problems(atLeast = 1): Promise<string[]> {
    await this.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    const rows = this.page.locator('.markers-panel .monaco-list-row');
    await rows.nth(atLeast - 1).waitFor();
    return (await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''))).filter((l) => l);
  }

  /** The palette's entries for a query (`No matching commands` when there are none); closes it again. */
  async paletteEntries(query: string): Promise<string[]> {
    await this.openQuickInput('F1', `>${query}`);
    const rows = this.quickInput.locator('.quick-input-list .monaco-list-row');
    await rows.first().waitFor();
    const labels = (await rows.allInnerTexts()).map((t) => t.trim());
    await this.page.keyboard.press('Escape');
    return labels;
  }

  /** The Restricted Mode banner across the top of the window. */
  restrictedModeBanner(): Locator {
    return this.page.locator('[id="workbench.parts.banner"]', { hasText: 'Restricted Mode' });
  }

  /** Shows the installed extensions and returns the row of one of them (`publisher.name`). */
  async installedExtensionRow(extensionId: string): Promise<Locator> {
    await this.runCommand('Extensions: Show Installed Extensions');
    const row = this.page.locator(`.extensions-viewlet .monaco-list-row[data-extension-id="${extensionId}"]`);
    await row.waitFor();
    return row;
  }

  /** Saves a PNG of the whole window as `<artifactsDir>/<name>.png` and returns its path. */
  async screenshot(name: string): Promise<string> {
    const file = path.join(this.artifactsDir, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }
}
