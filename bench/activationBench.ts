// Extension activation in a real VS Code (code-server, through test/e2e's runTests harness), and the
// sizes of the bundles that ship.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { codeServerBinary, CodeServerInstallError } from '../test/e2e/codeServer';
import { codeServerDriver, runExtensionTests, vscodeExecutablePath } from '../test/e2e/runExtensionTests';
import { chromiumPath } from '../test/e2e/workbench';
import type { ActivationReport } from './activation/index';
import type { BenchContext } from './context';
import { profileTable, summarizeProfile } from './profile';
import { section, type Section } from './report';
import { summarize } from './stats';

const BUNDLES = ['dist/client.js', 'dist/clientFeatures.js', 'dist/server.js', 'dist/helm-prov.js'];
const ACTIVATE_TARGET_MS = 50;

function bundleSizes(root: string): string {
  const lines = ['| Bundle | Size | gzip |', '|---|---:|---:|'];
  for (const bundle of BUNDLES) {
    const file = path.join(root, bundle);
    if (!fs.existsSync(file)) { lines.push(`| ${bundle} | missing | — |`); continue; }
    const bytes = fs.readFileSync(file);
    lines.push(`| ${bundle} | ${(bytes.length / 1024).toFixed(0)} KiB | ${(gzipSync(bytes).length / 1024).toFixed(0)} KiB |`);
  }
  return lines.join('\n');
}

/**
 * What code-server needs and this machine lacks, or undefined. Installs code-server and Node 24 (and
 * Chromium, through apt) when they are missing: minutes on a fresh machine, cached after.
 */
async function missingForCodeServer(): Promise<string | undefined> {
  if (vscodeExecutablePath() !== codeServerDriver) return undefined; // another VS Code was asked for
  try {
    await codeServerBinary();
  } catch (e) {
    if (!(e instanceof CodeServerInstallError)) throw e;
    const detail = e.stderr.trim().split('\n').slice(-12).map((l) => `    ${l}`).join('\n');
    return `missing: ${e.installing ?? 'code-server, Node 24 or Chromium'}: scripts/e2e/install-code-server.sh could not install it (exit ${e.exitCode}).\n\nIts last lines:\n\n${detail}`;
  }
  if (!fs.existsSync(chromiumPath)) return `missing: Chromium at ${chromiumPath} (Debian: \`apt-get install chromium\`, or set E2E_CHROMIUM_PATH).`;
  return undefined;
}

export async function activation(ctx: BenchContext): Promise<Section> {
  const s = section('Extension activation', [
    'The extension as it is developed (this repository as extensionDevelopmentPath, main = dist/client.js) in code-server\'s',
    'extension host, started through the e2e harness (test/e2e/runExtensionTests.ts, runTests + code-server driver) on a folder',
    'with no chart, so nothing activates it at start-up. An in-host module (bench/activation/index.ts) times what VS Code counts as',
    'activation: loading the code (`require` of dist/client.js, timed first) and the activate call',
    '(`vscode.extensions.getExtension(id).activate()`, which then finds the module loaded). The language server starts after activate()',
    `returns and is not included, nor is dist/clientFeatures.js (the language client), which activate() requires on the next tick. Measured 4 s after the suite starts, once the workbench has settled. One VS Code start per sample: ${ctx.reps.activationRuns} runs.`,
  ].join(' '));
  s.notes.push(bundleSizes(ctx.repoRoot));
  if (!fs.existsSync(path.join(ctx.repoRoot, 'dist', 'client.js'))) {
    s.blocked = 'missing: dist/client.js (run `node scripts/build.mjs` first).';
    return s;
  }
  const missing = await missingForCodeServer();
  if (missing) {
    s.blocked = missing;
    return s;
  }
  const load: number[] = [];
  const activate: number[] = [];
  let hostNode = '';
  const emptyWorkspace = ctx.fixtures.dir('activation-workspace');
  fs.writeFileSync(path.join(emptyWorkspace, 'README.md'), 'No chart here: the extension stays inactive until the benchmark activates it.\n');
  const results = ctx.fixtures.dir('activation-results');
  /** One VS Code start; answers the in-host report, or why there is none. */
  const runOnce = async (name: string, profile?: string): Promise<ActivationReport | string> => {
    const out = path.join(results, `${name}.json`);
    let code: number;
    try {
      code = await runExtensionTests({
        extensionDevelopmentPath: ctx.repoRoot,
        extensionTestsPath: path.join(__dirname, 'activation', 'index.js'),
        launchArgs: [emptyWorkspace],
        extensionTestsEnv: { BENCH_ACTIVATION_OUT: out, BENCH_ACTIVATION_PROFILE: profile, GNUPGHOME: ctx.gnupgHome },
      });
    } catch (e) {
      return `the code-server harness did not run: ${(e as Error).message}`;
    }
    if (code !== 0 || !fs.existsSync(out)) return `the in-host activation module failed (exit ${code}); its output is in the bench log`;
    return JSON.parse(fs.readFileSync(out, 'utf8')) as ActivationReport;
  };
  for (let i = 0; i < ctx.reps.activationRuns; i++) {
    const report = await runOnce(`run-${i}`);
    if (typeof report === 'string') {
      s.blocked = report;
      return s;
    }
    load.push(report.loadMs);
    activate.push(report.activateMs);
    hostNode = `${report.hostNode}, UI kind ${report.uiKind}`;
  }
  const total = { label: 'activation: loading + activate()', unit: 'ms' as const, summary: summarize(load.map((l, i) => l + activate[i])) };
  s.figures.push({ name: 'activation', ours: total, target: { text: `≤ ${ACTIVATE_TARGET_MS} ms`, pass: total.summary.median <= ACTIVATE_TARGET_MS } });
  s.extraRows.push(
    { label: 'loading dist/client.js (require)', unit: 'ms', summary: summarize(load) },
    { label: 'activate() call', unit: 'ms', summary: summarize(activate) },
  );
  s.notes.push(`Extension host: Node ${hostNode}.`);
  if (total.summary.median > ACTIVATE_TARGET_MS) {
    const profile = path.join(results, 'activation.cpuprofile');
    const report = await runOnce('profiled', profile);
    if (typeof report !== 'string' && fs.existsSync(profile)) {
      s.notes.push('Where loading + activate() spend their time (V8 profiler in the extension host, one more run; dist/client.js mapped to its sources):', profileTable(summarizeProfile(profile, ctx.repoRoot)));
    }
  }
  return s;
}
