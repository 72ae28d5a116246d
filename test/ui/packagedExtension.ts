// The .vsix a user installs, made once per test run by the same script as `npm run package`.
import * as path from 'node:path';
import { runBounded, tail } from '../e2e/processes';
import { repoRoot } from '../support/tools';

let packaged: Promise<string> | undefined;

/** Builds and packs the extension into `<outDir>/helm-provenance.vsix` (once per process). */
export function packagedExtension(outDir: string): Promise<string> {
  packaged ??= (async () => {
    const vsix = path.join(outDir, 'helm-provenance.vsix');
    const run = await runBounded(process.execPath, [path.join(repoRoot, 'scripts', 'package.mjs'), '--out', vsix], { timeoutMs: 5 * 60_000 });
    if (run.code !== 0) throw new Error(`scripts/package.mjs failed (exit ${run.code}):\n${tail(run.stdout + run.stderr)}`);
    return vsix;
  })();
  return packaged;
}
