// Runs a mocha suite inside the extension host of a real VS Code through @vscode/test-electron's
// runTests(). Which VS Code: $VSCODE_EXECUTABLE_PATH if set; else, with E2E_DOWNLOAD_VSCODE=1,
// the one test-electron downloads (needs the internet); else code-server through our driver.
//
// CLI: node out/test/e2e/runExtensionTests.js --extensionDevelopmentPath=<dir>
//        --extensionTestsPath=<compiled suite index.js> [--workspace=<folder, copied first>]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests, TestRunFailedError } from '@vscode/test-electron';

export const codeServerDriver = path.join(__dirname, 'code-server-driver.js');

export interface ExtensionTestsOptions {
  extensionDevelopmentPath: string;
  /** The compiled module whose `run()` runs the tests in the extension host. */
  extensionTestsPath: string;
  /** Folder to open; a copy is opened, so tests may write into it. */
  workspace?: string;
  /** Extra environment for the extension host. */
  extensionTestsEnv?: Record<string, string | undefined>;
  launchArgs?: string[];
}

/** The executable runTests starts, or undefined to let it download VS Code. */
export function vscodeExecutablePath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.VSCODE_EXECUTABLE_PATH) return env.VSCODE_EXECUTABLE_PATH;
  if (env.E2E_DOWNLOAD_VSCODE === '1') return undefined;
  fs.chmodSync(codeServerDriver, 0o755); // tsc does not keep the executable bit runTests needs
  return codeServerDriver;
}

/** Runs the suite and returns the exit code: 0 when every test passed. */
export async function runExtensionTests(options: ExtensionTestsOptions): Promise<number> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-extension-tests-'));
  try {
    const launchArgs = [
      // Fresh profile folders, so no state carries over from an earlier run.
      `--user-data-dir=${path.join(scratch, 'user-data')}`, `--extensions-dir=${path.join(scratch, 'extensions')}`,
      '--disable-extensions', ...(options.launchArgs ?? []),
    ];
    if (options.workspace) {
      const copy = path.join(scratch, 'workspace', path.basename(options.workspace));
      fs.cpSync(options.workspace, copy, { recursive: true });
      launchArgs.unshift(copy);
    }
    return await runTests({
      vscodeExecutablePath: vscodeExecutablePath(),
      extensionDevelopmentPath: path.resolve(options.extensionDevelopmentPath),
      extensionTestsPath: path.resolve(options.extensionTestsPath),
      extensionTestsEnv: options.extensionTestsEnv,
      launchArgs,
    });
  } catch (err) {
    if (err instanceof TestRunFailedError) return err.code ?? 1;
    throw err;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function parseCli(argv: string[]): ExtensionTestsOptions {
  const values = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--(extensionDevelopmentPath|extensionTestsPath|workspace)=(.+)$/.exec(arg);
    if (!match) throw new Error(`unknown argument ${arg}`);
    values.set(match[1], match[2]);
  }
  const extensionDevelopmentPath = values.get('extensionDevelopmentPath');
  const extensionTestsPath = values.get('extensionTestsPath');
  if (!extensionDevelopmentPath || !extensionTestsPath) {
    throw new Error('usage: runExtensionTests --extensionDevelopmentPath=<dir> --extensionTestsPath=<file> [--workspace=<dir>]');
  }
  return { extensionDevelopmentPath, extensionTestsPath, workspace: values.get('workspace') };
}

if (require.main === module) {
  let options: ExtensionTestsOptions;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  runExtensionTests(options).then((code) => process.exit(code), (err: Error) => {
    console.error(err.stack ?? err.message);
    process.exit(2);
  });
}
