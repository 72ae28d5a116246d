// The cursor of the active editor, moved as a user does (Go to Line), for tests that act on a position
// (Ctrl+. quick fixes, hovers).
import type { Locator } from 'playwright-core';
import type { Workbench } from '../e2e/workbench';

/** The active editor has keyboard focus (keys pressed next reach it, not a closing quick input). */
async function editorFocused(workbench: Workbench): Promise<void> {
  await workbench.quickInput.waitFor({ state: 'hidden' });
  await workbench.page.locator('.editor-instance .monaco-editor.focused').first().waitFor();
}

/** Puts the cursor at a (0-based) position of the active editor with Go to Line (Ctrl+G's quick input). */
export async function moveCursor(workbench: Workbench, at: { line: number; character: number }): Promise<void> {
  const column = at.character + 2; // one character into the token (columns count from 1)
  try {
    await editorFocused(workbench);
    await workbench.page.keyboard.press('Control+G');
    const input = workbench.quickInput.locator('input.input');
    await input.waitFor();
    await input.fill(`:${at.line + 1}:${column}`); // the leading ":" makes it Go to Line whichever quick input opened
    await workbench.page.keyboard.press('Enter');
    await workbench.statusBarItem('status.editor.selection').filter({ hasText: `Ln ${at.line + 1}, Col ${column}` }).waitFor();
    await editorFocused(workbench);
  } catch (err) {
    await workbench.screenshot(`cursor-not-moved-to-${at.line + 1}-${column}`);
    throw err;
  }
}

/**
 * Opens the quick fixes at the cursor with Ctrl+. and returns the row whose title contains `title`. The
 * action widget can miss a Ctrl+. pressed while the editor still asks the server for its code actions (seen on
 * a loaded machine): a user presses it again, and so does this, a bounded number of times.
 */
export async function quickFixRow(workbench: Workbench, title: string): Promise<Locator> {
  const row = workbench.page.locator('.action-widget .monaco-list-row', { hasText: title }).first();
  const attempts = 4;
  for (let attempt = 1; ; attempt++) {
    await editorFocused(workbench);
    await workbench.page.keyboard.press('Control+.');
    try {
      await row.waitFor({ timeout: 10_000 });
      return row;
    } catch (err) {
      if (attempt === attempts) throw err;
      await workbench.page.keyboard.press('Escape');
    }
  }
}
