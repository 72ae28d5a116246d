// The in-extension-host path: @vscode/test-electron's runTests() with our code-server driver as
// the VS Code executable, on the hello fixture extension, in a real VS Code.
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseLaunchArgs } from '../code-server-driver';
import { compiledSuite, helloExtension, helloWorkspace, runExtensionTestsCli } from '../paths';
import { BoundedRun, runBounded } from '../processes';

function runSuite(name: string): Promise<BoundedRun> {
  return runBounded(process.execPath, [
    runExtensionTestsCli, `--extensionDevelopmentPath=${helloExtension}`,
    `--extensionTestsPath=${compiledSuite(name)}`, `--workspace=${helloWorkspace}`,
  ], { timeoutMs: 6 * 60_000 });
}

describe('code-server driver: VS Code command line', () => {
  test('maps the arguments runTests passes onto code-server and the launch payload', () => {
    const request = parseLaunchArgs([
      '/w/folder', '--disable-extensions', '--no-sandbox', '--disable-gpu-sandbox', '--disable-updates',
      '--skip-welcome', '--skip-release-notes', '--disable-workspace-trust', '--extensionTestsPath=/x/suite/index.js',
      '--extensionDevelopmentPath=/x/ext', '--extensionDevelopmentPath', '/x/ext2', '--extensions-dir=/p/ext',
      '--user-data-dir', '/p/user', '--locale=de',
    ]);
    assert.deepEqual(request, {
      folder: '/w/folder', extensionDevelopmentPaths: ['/x/ext', '/x/ext2'], extensionTestsPath: '/x/suite/index.js',
      disableExtensions: true, disableWorkspaceTrust: true, userDataDir: '/p/user', extensionsDir: '/p/ext',
      codeServerArgs: ['--locale', 'de'],
      ignored: ['--no-sandbox', '--disable-gpu-sandbox', '--disable-updates', '--skip-welcome', '--skip-release-notes'],
    });
  });

  test('refuses flags it cannot honour instead of silently dropping them', () => {
    assert.throws(() => parseLaunchArgs(['--inspect-extensions=9229']), /does not know --inspect-extensions/);
    assert.throws(() => parseLaunchArgs(['--extensionTestsPath']), /needs a value/);
  });
});

describe('extension tests in a real VS Code (code-server)', () => {
  test('the hello suite passes and mocha\'s report reaches stdout', async () => {
    const run = await runSuite('hello-suite');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /✔ registers its command/);
    assert.match(run.stdout, /^\s*4 passing/m);
  });

  test('a failing assertion in the extension host makes the run exit 1', async () => {
    const run = await runSuite('failing-suite');
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /^\s*1 passing/m);
    assert.match(run.stdout, /^\s*1 failing/m);
    assert.match(run.stdout, /helloE2e\.noSuchCommand is not registered/);
  });
});
