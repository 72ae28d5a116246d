// How a workspace's first index runs: which charts go first, how many at a time, and what the progress
// bar says. The index itself (what a chart's evaluation reads and publishes) is workspaceIndex.ts's.
import * as path from 'node:path';
import type { CancellationToken, WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import { labelText } from '../provenance/untrustedText';

/**
 * Runs `fn` over `items`, `limit` at a time: indexing a large workspace must not flood the event loop
 * (file reads, YAML parsing) ahead of the requests and edits of the person typing.
 */
export async function forEachLimited<T>(items: T[], limit: number, token: CancellationToken, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !token.isCancellationRequested) {
      await fn(items[next++]);
      // A chart's evaluation can finish without leaving the microtask queue (synchronous reads, cached
      // verdicts): without this turn, requests and edits would wait for the whole index.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * The charts in front of the person first: those with an open document in their folder, or beside it
 * named after the folder (`<folder>-<version>.tgz.prov`). The others keep their order after them: what
 * a person looks at gets its status before the rest of 1 000 charts.
 */
export function inViewFirst(chartYamls: string[], openFiles: string[]): string[] {
  if (openFiles.length === 0) return chartYamls;
  const inView = (chartYaml: string) => {
    const folder = path.dirname(chartYaml);
    const beside = `${path.dirname(folder)}${path.sep}${path.basename(folder)}-`;
    return openFiles.some((f) => f.startsWith(folder + path.sep) || (f.startsWith(beside) && !f.includes(path.sep, beside.length)));
  };
  const first: string[] = [];
  const rest: string[] = [];
  for (const chartYaml of chartYamls) (inView(chartYaml) ? first : rest).push(chartYaml);
  return [...first, ...rest];
}

/** One progress notification per percent, not per file: 1 000 charts made 1 000 messages. */
export function progressSteps(progress: WorkDoneProgressServerReporter, total: number): (what: string) => void {
  let done = 0;
  let shown = -1;
  return (what) => {
    const percent = Math.round((++done / Math.max(total, 1)) * 100);
    // A folder name like `$(verified-filled) Verified by x` must not become an icon in the status bar.
    if (percent !== shown) progress.report(shown = percent, labelText(what));
  };
}
