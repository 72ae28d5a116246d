// The .vsix a user installs, made once per test process by the same script as `npm run package`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runBounded, tail } from '../e2e/processes';
import { repoRoot, tempDir } from '../support/tools';

let packaged: Promise<string> | undefined;

/** Builds and packs the extension (once per process); the .vsix is removed when the process exits. */
export function packagedExtension(): Promise<string> {
  packaged ??= (async () => {
    const outDir = tempDir('helm-prov-vsix-');
    process.on('exit', () => fs.rmSync(outDir, { recursive: true, force: true }));
    const vsix = path.join(outDir, 'helm-provenance.vsix');
    const run = await runBounded(process.execPath, [path.join(repoRoot, 'scripts', 'package.mjs'), '--out', vsix], { timeoutMs: 5 * 60_000 });
    if (run.code !== 0) throw new Error(`scripts/package.mjs failed (exit ${run.code}):\n${tail(run.stdout + run.stderr)}`);
    return vsix;
  })();
  return packaged;
}
