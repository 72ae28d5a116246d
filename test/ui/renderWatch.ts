// Watches everything the workbench ever renders (a MutationObserver installed before the page loads),
// so text shown only for a moment — the status bar's indexing progress — is seen too. It records the
// texts that contain a needle (where they were shown), and every icon of a given codicon rendered next
// to that needle: an icon made from the text itself.
import type { Page } from 'playwright-core';

export interface RenderedText {
  /** The part of the workbench (one of REGIONS), else the id of the nearest element that has one. */
  where: string;
  text: string;
}

/**
 * Parts of the workbench a record is attributed to, the first that contains it. `quick-open-file` is a
 * row of VS Code's own file list (Quick Open): its rows carry file icons, the extension's pickers do not.
 */
const REGIONS: Array<[selector: string, name: string]> = [
  ['.quick-input-widget .monaco-list-row:has(.monaco-icon-label.file-icon)', 'quick-open-file'],
  ['.notifications-center', 'notifications-center'], ['.notifications-toasts', 'notifications-toasts'],
  ['.part.statusbar', 'statusbar'], ['.quick-input-widget', 'quick-input'], ['.monaco-hover', 'hover'],
  ['.explorer-folders-view', 'explorer'], ['.codelens-decoration', 'codelens'], ['.breadcrumbs-control', 'breadcrumbs'],
  ['.tabs-container', 'tabs'],
];

export interface RenderWatch {
  texts: RenderedText[];
  /** Icons of the watched codicon whose label contains the needle. */
  iconLeaks: RenderedText[];
}

/** Most records kept: a flood of renders must not grow the page's memory without bound. */
const MAX_RECORDS = 500;

// Plain JavaScript run in the page (the test project has no DOM types).
const script = (needle: string, iconClass: string): string => `(() => {
  const needle = ${JSON.stringify(needle)};
  const regions = ${JSON.stringify(REGIONS)};
  const iconClass = ${JSON.stringify(iconClass)};
  const state = { texts: [], iconLeaks: [] };
  window.__renderWatch = state;
  const push = (list, node, text) => {
    if (list.length >= ${MAX_RECORDS}) return;
    const element = node.nodeType === 1 ? node : node.parentElement;
    const region = element && regions.find(([selector]) => element.closest(selector));
    const owner = element && element.closest('[id]');
    const at = text.indexOf(needle);
    const where = region ? region[1] : owner ? owner.id : element ? String(element.className) : '?';
    list.push({ where, text: text.slice(Math.max(0, at - 120), at + needle.length + 60) });
  };
  // The label an icon belongs to: its parent while attached, else the text rendered after it.
  const labelOf = (icon) => {
    if (icon.parentNode) return icon.parentNode.textContent || '';
    let text = '';
    for (let n = icon.nextSibling; n; n = n.nextSibling) text += n.textContent || '';
    return text;
  };
  const inspect = (node) => {
    if (node.nodeType !== 1) {
      // A text node: a label is rendered as several (text, icon, text), so record the whole label.
      const parent = node.parentElement;
      if (!(node.textContent || '').includes(needle)) return;
      const label = parent ? parent.textContent || '' : node.textContent;
      push(state.texts, parent || node, label);
      if (parent && parent.querySelector('.' + iconClass)) push(state.iconLeaks, parent, label);
      return;
    }
    const text = node.textContent || '';
    if (text.includes(needle)) push(state.texts, node, text);
    const icons = node.classList.contains(iconClass) ? [node] : Array.from(node.querySelectorAll('.' + iconClass));
    for (const icon of icons) {
      const label = labelOf(icon);
      if (label.includes(needle)) push(state.iconLeaks, icon.parentNode || icon, label);
    }
  };
  const observer = new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === 'characterData') inspect(record.target);
      else for (const node of record.addedNodes) inspect(node);
    }
  });
  observer.observe(document, { childList: true, subtree: true, characterData: true });
})();`;

/** Installs the watch; call before the workbench loads (SessionOptions.beforeLoad). */
export async function watchRenders(page: Page, needle: string, iconClass: string): Promise<void> {
  await page.addInitScript({ content: script(needle, iconClass) });
}

/** Waits (up to `timeoutMs`) until a text containing `text` was rendered in `where`. */
export async function waitForRendered(page: Page, where: string, text: string, timeoutMs: number): Promise<void> {
  const seen = `window.__renderWatch.texts.some((t) => t.where === ${JSON.stringify(where)} && t.text.includes(${JSON.stringify(text)}))`;
  await page.waitForFunction(seen, undefined, { timeout: timeoutMs });
}

/** What the watch recorded so far. */
export async function renderWatch(page: Page): Promise<RenderWatch> {
  return page.evaluate('window.__renderWatch') as Promise<RenderWatch>;
}
