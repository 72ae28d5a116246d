// Finds the files the server cares about in the workspace folders: every Chart.yaml, `.prov` and KEYS
// file. Bounded (entries, depth), skips dependency and hidden folders, never follows symbolic links,
// and yields to the event loop so requests keep being answered while it runs. Folders are listed
// synchronously: a promise `readdir` per folder (four per `helm create` chart) left the server idle
// for most of the scan, waiting for the thread pool (about 0.4 s of 1 000 charts' 2 s).
// A chart's `templates/` folder is not listed: Helm renders every file in it as a template, so no
// Chart.yaml, `.prov` or KEYS file there is one (an open one is still checked); for `helm create`
// charts that is two folders of four and most of their files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CancellationTokenSource, type CancellationToken } from 'vscode-languageserver/node';
import { CHART_YAML, roleOfName } from './fileRoles';

export const SCAN_LIMITS = { entries: 50_000, depth: 16, yieldEvery: 500 } as const;

const SKIPPED_DIRS = new Set(['node_modules']);
/** Skipped in a folder that holds a Chart.yaml. */
const CHART_TEMPLATES = 'templates';

export interface ScanResult {
  chartYamls: string[];
  provFiles: string[];
  keysFiles: string[];
  /** True when the entry limit stopped the scan early. */
  truncated: boolean;
}

export async function scanWorkspace(folders: string[], token: CancellationToken, onProgress?: (visited: number) => void): Promise<ScanResult | undefined> {
  const result: ScanResult = { chartYamls: [], provFiles: [], keysFiles: [], truncated: false };
  let visited = 0;
  // `dir` ends with a separator: an entry's path is the two joined (path.join, with its normalizing,
  // cost a few µs per entry, for every entry of every folder).
  const walk = async (dir: string, depth: number): Promise<boolean> => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return true; // unreadable folders are skipped
    }
    const inChart = entries.some((e) => e.name === CHART_YAML && e.isFile());
    for (const entry of entries) {
      if (token.isCancellationRequested) return false;
      if (++visited > SCAN_LIMITS.entries) { result.truncated = true; return false; }
      if (visited % SCAN_LIMITS.yieldEvery === 0) {
        onProgress?.(visited);
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (entry.isDirectory()) {
        if (depth < SCAN_LIMITS.depth && !entry.name.startsWith('.') && !SKIPPED_DIRS.has(entry.name) && !(inChart && entry.name === CHART_TEMPLATES)) {
          if (!await walk(dir + entry.name + path.sep, depth + 1)) return false;
        }
      } else if (entry.isFile()) {
        const role = roleOfName(entry.name);
        if (role === 'chart') result.chartYamls.push(dir + entry.name);
        else if (role === 'prov') result.provFiles.push(dir + entry.name);
        else if (role === 'keys') result.keysFiles.push(dir + entry.name);
      }
    }
    return true;
  };
  for (const folder of folders) {
    const resolved = path.resolve(folder);
    if (!await walk(resolved.endsWith(path.sep) ? resolved : resolved + path.sep, 0)) break;
  }
  return token.isCancellationRequested ? undefined : result;
}

/**
 * A scan started before the index asks for it. At `initialize` the folders are known, and the scan reads
 * no setting: it runs while the client answers the handshake (`initialized`, the settings, the watchers'
 * registration, the progress bar) instead of after it. The index takes it once, for the same folders.
 */
export class ScanAhead {
  private ahead?: { folders: string[]; source: CancellationTokenSource; result: Promise<ScanResult | undefined> };

  /** Scans `folders` from the next turn of the event loop (the answer to `initialize` goes out first). */
  start(folders: string[]): void {
    this.dispose();
    const source = new CancellationTokenSource();
    const result = new Promise<void>((resolve) => setImmediate(resolve)).then(() => (source.token.isCancellationRequested ? undefined : scanWorkspace(folders, source.token)));
    this.ahead = { folders: [...folders], source, result };
  }

  /** The scan started ahead for these folders, else a scan now; undefined when `token` cancelled it. */
  async scan(folders: string[], token: CancellationToken): Promise<ScanResult | undefined> {
    const ahead = this.ahead;
    this.ahead = undefined;
    if (!ahead || ahead.folders.length !== folders.length || ahead.folders.some((f, i) => f !== folders[i])) {
      ahead?.source.cancel();
      return scanWorkspace(folders, token);
    }
    const link = token.onCancellationRequested(() => ahead.source.cancel());
    try {
      const result = await ahead.result;
      return token.isCancellationRequested ? undefined : result;
    } finally {
      link.dispose();
      ahead.source.dispose();
    }
  }

  /** Stops a scan nobody took (shutdown). */
  dispose(): void {
    this.ahead?.source.cancel();
    this.ahead = undefined;
  }
}
