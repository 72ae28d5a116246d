// One UI test's VS Code: code-server with its own profile, a copy of a workspace folder, a tab in
// a shared browser, artifacts under test-results/ui/<name>/, and everything stopped afterwards.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Browser } from 'playwright-core';
import { tempDir } from '../support/tools';
import { CodeServer, CodeServerOptions } from './codeServer';
import { testResultsDir, Workbench } from './workbench';

export interface SessionOptions extends Omit<CodeServerOptions, 'folder' | 'logFile'> {
  /** Names the artifacts folder: test-results/ui/<name>/. */
  name: string;
  /** Folder opened in the workbench; a fresh copy is opened, so the test may change it. */
  workspace: string;
}

/** Runs `body` against a workbench; on failure saves `failure.png` next to the other artifacts. */
export async function withWorkbench(
  browser: Browser, options: SessionOptions, body: (workbench: Workbench, folder: string) => Promise<void>,
): Promise<void> {
  const { name, workspace, ...serverOptions } = options;
  const artifactsDir = path.join(testResultsDir, 'ui', name);
  fs.rmSync(artifactsDir, { recursive: true, force: true });
  const scratch = tempDir('e2e-workspace-');
  const folder = path.join(scratch, path.basename(workspace));
  fs.cpSync(workspace, folder, { recursive: true });
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  try {
    server = await CodeServer.start({ ...serverOptions, logFile: path.join(artifactsDir, 'code-server.log') });
    workbench = await Workbench.open(browser, server.url({ folder }), { artifactsDir });
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
