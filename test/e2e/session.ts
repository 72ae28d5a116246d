// One UI test's VS Code: code-server with its own profile, a copy of a workspace folder, a tab in
// a shared browser, artifacts under test-results/ui/<name>/, and everything stopped afterwards.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Browser, Page } from 'playwright-core';
import { tempDir } from '../support/tools';
import { CodeServer, CodeServerOptions } from './codeServer';
import { testResultsDir, Workbench } from './workbench';

export interface SessionOptions extends Omit<CodeServerOptions, 'folder' | 'logFile'> {
  /** Names the artifacts folder: test-results/ui/<name>/. */
  name: string;
  /** Folder opened in the workbench; a fresh copy is opened, so the test may change it. */
  workspace: string;
  /** Called with the fresh copy before code-server starts (e.g. to record its state untouched). */
  prepare?: (folder: string) => void;
  /** Called before the workbench page loads (e.g. to add an init script that watches the DOM). */
  beforeLoad?: (page: Page) => Promise<void>;
}

/** Runs `body` against a workbench; on failure saves `failure.png` next to the other artifacts. */
export async function withWorkbench(
  browser: Browser, options: SessionOptions, body: (workbench: Workbench, folder: string) => Promise<void>,
): Promise<void> {
  const { name, workspace, prepare, beforeLoad, ...serverOptions } = options;
  const artifactsDir = path.join(testResultsDir, 'ui', name);
  fs.rmSync(artifactsDir, { recursive: true, force: true });
  const scratch = tempDir('e2e-workspace-');
  const folder = path.join(scratch, path.basename(workspace));
  fs.cpSync(workspace, folder, { recursive: true });
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  try {
    prepare?.(folder);
    server = await CodeServer.start({ ...serverOptions, logFile: path.join(artifactsDir, 'code-server.log') });
    workbench = await Workbench.open(browser, server.url({ folder }), { artifactsDir, ...(beforeLoad ? { beforeLoad } : {}) });
    await body(workbench, folder);
  } catch (err) {
    await workbench?.screenshot('failure').catch(() => undefined);
    throw err;
  } finally {
    await workbench?.close().catch(() => undefined);
    await server?.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
