// Runs mocha inside the VS Code extension host: the `run()` an `--extensionTestsPath` module
// exports resolves when every test passed and rejects otherwise (the driver turns that into the
// exit code). Output goes through console.log, which the host forwards to the test runner.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

/** The compiled `*.suite.js` files in a folder, sorted. */
export function suiteFilesIn(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.suite.js')).sort().map((f) => path.join(dir, f));
}

export function runMochaFiles(files: string[], timeoutMs = 60_000): Promise<void> {
  if (files.length === 0) return Promise.reject(new Error('no test files given to mocha'));
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: timeoutMs, reporter: 'spec' });
  for (const file of files) mocha.addFile(file);
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
  });
}
