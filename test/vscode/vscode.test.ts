// Runs the extension's in-host mocha suite (suite/) in a real VS Code through @vscode/test-electron's
// runTests: here through code-server (test/e2e's driver), elsewhere $VSCODE_EXECUTABLE_PATH or a
// downloaded VS Code. Needs the bundles: `node scripts/build.mjs` first.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { runExtensionTests } from '../e2e/runExtensionTests';
import { repoRoot, tempDir } from '../support/tools';
import { addReleaseArtifact, createFixtureWorkspace, rsa2048Fingerprint, userSettingsFor } from './fixtureWorkspace';

test('the extension passes its suite in the extension host of a real VS Code', async () => {
  for (const bundle of ['dist/client.js', 'dist/server.js']) {
    assert.ok(fs.existsSync(path.join(repoRoot, bundle)), `${bundle} is missing: run node scripts/build.mjs`);
  }
  const workspace = createFixtureWorkspace();
  addReleaseArtifact(workspace.root);
  // An empty GnuPG home: nothing of the user's ~/.gnupg is read before the suite sets the keyrings.
  const gnupgHome = tempDir('helm-prov-gnupg-');
  fs.chmodSync(gnupgHome, 0o700);
  try {
    const code = await runExtensionTests({
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: path.join(__dirname, 'suite', 'index.js'),
      launchArgs: [workspace.root],
      extensionTestsEnv: {
        GNUPGHOME: gnupgHome,
        HELM_PROV_TEST_SETTINGS: JSON.stringify(userSettingsFor('rsa2048', rsa2048Fingerprint)),
      },
    });
    assert.equal(code, 0, 'the in-host suite failed: its mocha report is above, screenshots under test-results/extension-tests/');
  } finally {
    workspace.remove();
    fs.rmSync(gnupgHome, { recursive: true, force: true });
  }
});
