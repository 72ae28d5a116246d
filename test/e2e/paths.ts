// Where the e2e fixtures live: sources under test/e2e/fixtures, compiled suites next to this file.
import * as path from 'node:path';
import { repoRoot } from '../support/tools';

const fixtureSources = path.join(repoRoot, 'test', 'e2e', 'fixtures');
/** Plain-JS extension that needs no build: loaded from its source folder. */
export const helloExtension = path.join(fixtureSources, 'hello-extension');
/** A folder with hello.txt, which activates the hello extension. */
export const helloWorkspace = path.join(fixtureSources, 'hello-workspace');

/** The compiled `index.js` of an in-host suite under test/e2e/fixtures/<name>. */
export function compiledSuite(name: string): string {
  return path.join(__dirname, 'fixtures', name, 'index.js');
}

/** The compiled CLI that runs an in-host suite through runTests(). */
export const runExtensionTestsCli = path.join(__dirname, 'runExtensionTests.js');
