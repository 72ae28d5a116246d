// The --extensionTestsPath module of the activation benchmark, run in the extension host of a real
// VS Code (code-server). The workspace holds no chart, so nothing has activated the extension yet.
// VS Code's activation time is code loading + the activate() call; the two are timed apart: first
// `require` of the extension's main module (the host's own loader then finds it in Node's module
// cache), then `activate()`. The result goes to $BENCH_ACTIVATION_OUT; with $BENCH_ACTIVATION_PROFILE
// set, both run under the V8 profiler and its profile is written there (a separate run: profiling
// slows what it measures).
import * as fs from 'node:fs';
import { Session } from 'node:inspector';
import * as path from 'node:path';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'helm-provenance.helm-provenance';

/**
 * The suite starts while the workbench is still loading (builtin extensions, file watchers): waiting
 * this long first measures our code rather than the host's start-up contention.
 */
const SETTLE_MS = 4000;

export interface ActivationReport { loadMs: number; activateMs: number; hostNode: string; uiKind: string }

export async function run(): Promise<void> {
  const out = process.env.BENCH_ACTIVATION_OUT;
  if (!out) throw new Error('BENCH_ACTIVATION_OUT is not set');
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not loaded in this extension host`);
  if (extension.isActive) throw new Error(`${EXTENSION_ID} was already active: the benchmark workspace must not activate it`);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const profiler = process.env.BENCH_ACTIVATION_PROFILE ? startProfiler() : undefined;
  const main = path.join(extension.extensionPath, (extension.packageJSON as { main: string }).main);
  const loadStart = performance.now();
  require(main);
  const loadMs = performance.now() - loadStart;
  const start = performance.now();
  await extension.activate();
  const activateMs = performance.now() - start;
  if (profiler) fs.writeFileSync(process.env.BENCH_ACTIVATION_PROFILE!, JSON.stringify(await profiler.stop()));
  const report: ActivationReport = { loadMs, activateMs, hostNode: process.version, uiKind: vscode.UIKind[vscode.env.uiKind] };
  fs.writeFileSync(out, JSON.stringify(report));
}

function startProfiler(): { stop(): Promise<object> } {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  return {
    stop: () => new Promise((resolve, reject) => session.post('Profiler.stop', (err, result) => {
      session.disconnect();
      if (err) reject(err); else resolve(result.profile);
    })),
  };
}
