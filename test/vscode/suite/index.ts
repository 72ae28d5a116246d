// The --extensionTestsPath module: runs every *.suite.js next to it with mocha in the extension host.
import { runMochaFiles, suiteFilesIn } from '../../e2e/suiteRunner';

export function run(): Promise<void> {
  return runMochaFiles(suiteFilesIn(__dirname));
}
