// Issue 16 in a real VS Code (code-server) on the installed .vsix: a user who opens a
// `containers/policy.json` sees its mistakes before any runtime does. The policy holds three of them —
// a scope that is not fully expanded (`docker.io/busybox`), a field containers/image does not know, a
// keyPath to a file that does not exist — and Problems shows each with its code. The quick fix expands
// the scope and that finding goes away; a hover on a requirement says in plain words what it demands.
// Screenshots of each step are kept in test-results/ui/policy-file/.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { withWorkbench } from '../e2e/session';
import { launchChromium, type Workbench } from '../e2e/workbench';
import { signedKeys, tempDir } from '../support/tools';
import { moveCursor, quickFixRow } from './editorCursor';
import { packagedExtension } from './packagedExtension';

/**
 * The file once the save has reached it. The tab's dirty mark can go before code-server has written the
 * file (one e2e run read it empty): wait for the write, bounded, then the caller asserts on the text.
 */
async function savedText(file: string, written: RegExp): Promise<string> {
  let text = '';
  for (let tries = 0; tries < 100 && !written.test(text); tries++) {
    if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    text = fs.readFileSync(file, 'utf8');
  }
  return text;
}

/** The policy, with absolute key paths inside the opened copy of the workspace. */
function policyText(folder: string): string {
  const keyPath = (name: string) => JSON.stringify(path.join(folder, 'etc', 'containers', name));
  return `{
  "default": [{"type": "reject"}],
  "transports": {
    "docker": {
      "docker.io/busybox": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": ${keyPath('busybox.gpg')}}],
      "registry.example.com/team": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": ${keyPath('missing.gpg')}, "keyFile": "team.gpg"}]
    }
  }
}
`;
}

/** Line (0-based) and column of the first occurrence of `needle` in the policy. */
function positionOf(text: string, needle: string): { line: number; character: number } {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(needle));
  assert.ok(line >= 0, `${needle} is not in the policy`);
  return { line, character: lines[line].indexOf(needle) };
}

/** The Problems rows' text as shown (message, source, code), one string per marker row. */
async function problemTexts(workbench: Workbench, atLeast: number): Promise<string[]> {
  await workbench.problems(atLeast);
  return workbench.page.locator('.markers-panel .monaco-list-row').allInnerTexts();
}

describe('a containers/policy.json opened in VS Code', () => {
  const scratch = tempDir('helm-prov-ui-policy-');
  const workspace = path.join(scratch, 'policy-workspace');
  let vsix: string;
  let browser: Browser;

  before(async () => {
    fs.mkdirSync(path.join(workspace, 'etc', 'containers'), { recursive: true });
    fs.copyFileSync(path.join(signedKeys, 'ed25519.pub.gpg'), path.join(workspace, 'etc', 'containers', 'busybox.gpg'));
    vsix = await packagedExtension();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  test('Problems names each mistake by its code; the quick fix expands the scope; hover explains a requirement', { timeout: 6 * 60_000 }, async () => {
    let text = '';
    await withWorkbench(browser, {
      name: 'policy-file', workspace, vsix: [vsix],
      prepare: (folder) => {
        text = policyText(folder);
        fs.writeFileSync(path.join(folder, 'etc', 'containers', 'policy.json'), text);
      },
    }, async (workbench, folder) => {
      const policyFile = path.join(folder, 'etc', 'containers', 'policy.json');
      await workbench.openFile('etc/containers/policy.json');
      // The language the extension contributes, not plain JSON: the server checks it as a policy.
      await workbench.statusBarItem('status.editor.mode').filter({ hasText: 'Containers Policy' }).waitFor();
      await workbench.screenshot('1-policy-open');

      const rows = (await problemTexts(workbench, 4)).join('\n');
      for (const code of ['policy-scope-not-expanded', 'policy-unknown-field', 'policy-key-file']) {
        assert.ok(rows.includes(code), `Problems does not show ${code}:\n${rows}`);
      }
      assert.match(rows, /docker\.io\/library\/busybox/);
      assert.match(rows, /keyFile/);
      assert.ok(rows.includes('missing.gpg'), rows);
      await workbench.screenshot('2-problems');

      // The quick fix, as a user reaches it: cursor on the scope, Ctrl+. and the offered fix.
      await workbench.openFile('etc/containers/policy.json');
      await moveCursor(workbench, positionOf(text, 'docker.io/busybox'));
      const fix = await quickFixRow(workbench, 'Expand to "docker.io/library/busybox"');
      await workbench.screenshot('3-quick-fix');
      await fix.click();
      await workbench.page.locator('.monaco-editor .view-lines', { hasText: '"docker.io/library/busybox"' }).waitFor();

      const markers = workbench.page.locator('.markers-panel .monaco-list-row');
      await markers.filter({ hasText: 'policy-scope-not-expanded' }).waitFor({ state: 'detached' });
      const after = (await problemTexts(workbench, 3)).join('\n');
      assert.ok(!after.includes('policy-scope-not-expanded'), after);
      for (const code of ['policy-unknown-field', 'policy-key-file']) assert.ok(after.includes(code), `${code} went away too:\n${after}`);
      await workbench.screenshot('4-scope-expanded');
      await workbench.runCommand('File: Save');
      await workbench.page.locator('.tabs-container .tab.active.dirty').waitFor({ state: 'detached' });
      assert.match(await savedText(policyFile, /"docker\.io\/library\/busybox"/), /"docker\.io\/library\/busybox": \[\{"type": "signedBy"/);

      // Hover on the requirement: what it demands, in plain words.
      await workbench.openFile('etc/containers/policy.json');
      const fixedText = fs.readFileSync(policyFile, 'utf8');
      await moveCursor(workbench, positionOf(fixedText, 'signedBy'));
      await workbench.runCommand('Show or Focus Hover');
      const hover = workbench.page.locator('.monaco-hover', { hasText: 'simple-signing (GPG) signature' }).first();
      await hover.waitFor();
      const words = await hover.innerText();
      assert.match(words, /needs a simple-signing \(GPG\) signature by/, words);
      assert.match(words, /manifest digest/, words);
      await workbench.screenshot('5-hover-requirement');
    });
  });
});
