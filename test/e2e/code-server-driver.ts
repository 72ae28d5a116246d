#!/usr/bin/env node
// Stands in for the VS Code executable that @vscode/test-electron's runTests() launches: it takes
// VS Code's command line, opens the same window in code-server + Chromium (smoke-test driver and
// launch payload), forwards the extension host's console to stdout, and exits with the code of the
// suite's run() (0 resolved, 1 rejected; 2 when the harness itself failed or timed out).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import { Browser } from 'playwright-core';
import { CodeServer, CodeServerProfile, OpenTarget } from './codeServer';
import { launchChromium, testResultsDir, Workbench } from './workbench';

/** What VS Code's command line asks for, in the terms code-server understands. */
export interface LaunchRequest {
  folder?: string;
  workspace?: string;
  extensionDevelopmentPaths: string[];
  extensionTestsPath?: string;
  disableExtensions: boolean;
  disableWorkspaceTrust: boolean;
  userDataDir?: string;
  extensionsDir?: string;
  /** Flags code-server takes as they are (`--locale`, `--enable-proposed-api`). */
  codeServerArgs: string[];
  /** Flags that only mean something to Electron or the desktop window. */
  ignored: string[];
}

const valueFlags = new Set(['extensionDevelopmentPath', 'extensionTestsPath', 'user-data-dir', 'extensions-dir', 'locale', 'enable-proposed-api']);
/** Desktop/Electron flags runTests or its callers pass, with no meaning in a browser. */
const desktopOnlyFlags = new Set([
  'no-sandbox', 'disable-gpu-sandbox', 'disable-gpu', 'disable-updates', 'skip-welcome', 'skip-release-notes',
  'no-cached-data', 'disable-chromium-sandbox', 'new-window', 'wait', 'disable-telemetry', 'disable-crash-reporter',
]);

export const harnessFailureCode = 2;

export function parseLaunchArgs(argv: string[]): LaunchRequest {
  const request: LaunchRequest = {
    extensionDevelopmentPaths: [], disableExtensions: false, disableWorkspaceTrust: false, codeServerArgs: [], ignored: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      const target = path.resolve(arg);
      if (target.endsWith('.code-workspace')) request.workspace = target;
      else request.folder = target;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (valueFlags.has(name)) {
      const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined) throw new Error(`${arg} needs a value`);
      if (name === 'extensionDevelopmentPath') request.extensionDevelopmentPaths.push(path.resolve(value));
      else if (name === 'extensionTestsPath') request.extensionTestsPath = path.resolve(value);
      else if (name === 'user-data-dir') request.userDataDir = path.resolve(value);
      else if (name === 'extensions-dir') request.extensionsDir = path.resolve(value);
      else request.codeServerArgs.push(`--${name}`, value);
    } else if (name === 'disable-extensions') {
      request.disableExtensions = true;
    } else if (name === 'disable-workspace-trust') {
      request.disableWorkspaceTrust = true;
    } else if (desktopOnlyFlags.has(name)) {
      request.ignored.push(arg);
    } else {
      throw new Error(`code-server-driver does not know ${arg}`);
    }
  }
  return request;
}

/** The workbench URL target: folder and the launch payload naming paths on the server. */
export function openTarget(request: LaunchRequest, server: Pick<CodeServer, 'remoteUri'>): OpenTarget {
  const payload: Array<[string, string]> = request.extensionDevelopmentPaths.map((p) => ['extensionDevelopmentPath', server.remoteUri(p)]);
  if (request.extensionTestsPath) payload.push(['extensionTestsPath', server.remoteUri(request.extensionTestsPath)]);
  if (request.disableExtensions) payload.push(['disableExtensions', 'true']);
  return { folder: request.folder, workspace: request.workspace, payload };
}

/** Formats one codeAutomationLog call (level, then console.log's arguments) as console.log would. */
export function automationLogLine(level: unknown, args: unknown): string {
  const text = format(...(Array.isArray(args) ? args : [args]));
  return level === 'error' || level === 'warn' ? `[${level}] ${text}` : text;
}

interface WorkbenchLogFile { relativePath: string; contents: string }

function suiteTimeoutMs(): number {
  const fromEnv = Number(process.env.E2E_SUITE_TIMEOUT_MS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 5 * 60_000;
}

async function runSuite(request: LaunchRequest, artifactsDir: string): Promise<number> {
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let workbench: Workbench | undefined;
  let finished = false;
  let exit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => { exit = resolve; });
  const fail = (why: string): void => {
    if (finished) return;
    process.stderr.write(`code-server-driver: ${why}\n`);
    exit(harnessFailureCode);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`code-server-driver: ${signal}, stopping\n`);
    exit(128 + (signal === 'SIGINT' ? 2 : 15));
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  const timeoutMs = suiteTimeoutMs();
  const timer = setTimeout(() => fail(`no result within ${timeoutMs} ms (E2E_SUITE_TIMEOUT_MS)`), timeoutMs);
  const profile = new CodeServerProfile({ userDataDir: request.userDataDir, extensionsDir: request.extensionsDir });
  // Every step is bounded by its own timeout, so waiting for it before cleaning up is bounded too.
  const started = (async () => {
    server = await CodeServer.start({
      profile, smokeTestDriver: true, workspaceTrust: !request.disableWorkspaceTrust,
      extraArgs: [...(request.disableWorkspaceTrust ? ['--disable-workspace-trust'] : []), ...request.codeServerArgs],
      logFile: path.join(artifactsDir, 'code-server.log'),
    });
    void server.whenExited().then((code) => fail(`code-server exited (${code})`));
    browser = await launchChromium();
    browser.on('disconnected', () => fail('the browser went away'));
    workbench = await Workbench.open(browser, server.url(openTarget(request, server)), {
      artifactsDir,
      beforeLoad: async (page) => {
        await page.exposeFunction('codeAutomationLog', (level: unknown, args: unknown) => {
          process.stdout.write(`${automationLogLine(level, args)}\n`);
        });
        await page.exposeFunction('codeAutomationExit', (code: number, logs: WorkbenchLogFile[]) => {
          if (code !== 0) saveWorkbenchLogs(artifactsDir, logs);
          exit(code);
        });
      },
    });
  })().catch((err: Error) => fail(err.message));
  try {
    const code = await exited;
    if (code !== 0) await workbench?.screenshot('at-exit').catch(() => undefined);
    return code;
  } finally {
    finished = true;
    clearTimeout(timer);
    await started;
    await browser?.close().catch(() => undefined);
    await server?.stop();
    profile.remove();
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

function saveWorkbenchLogs(artifactsDir: string, logs: WorkbenchLogFile[]): void {
  for (const log of logs ?? []) {
    const target = path.join(artifactsDir, 'workbench-logs', log.relativePath);
    if (!target.startsWith(path.join(artifactsDir, 'workbench-logs') + path.sep)) continue; // stay inside
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, log.contents);
  }
}

async function main(): Promise<number> {
  let request: LaunchRequest;
  try {
    request = parseLaunchArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`code-server-driver: ${(err as Error).message}\n`);
    return harnessFailureCode;
  }
  const suiteName = request.extensionTestsPath ? path.basename(path.dirname(request.extensionTestsPath)) : 'window';
  const artifactsDir = path.join(testResultsDir, 'extension-tests', suiteName);
  fs.rmSync(artifactsDir, { recursive: true, force: true });
  fs.mkdirSync(artifactsDir, { recursive: true });
  return runSuite(request, artifactsDir);
}

if (require.main === module) {
  void main().then((code) => process.exit(code));
}
