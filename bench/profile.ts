// Where a process's time goes, from a V8 CPU profile (`node --cpu-prof`, or the inspector): self time
// summed by what the code belongs to (an npm package, one of our source files, Node's module
// loader…), and inclusive time (callees included) of our own functions. Code in a bundle or in tsc
// output is traced back to its source through the source map next to it.
import * as fs from 'node:fs';
import { SourceMap } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export interface ProfileSummary {
  /** Wall time the profile covers (from Node's start of profiling to exit), ms. */
  profiledMs: number;
  /** Self time per category, ms, largest first. */
  categories: [string, number][];
  /** Time inside each of our functions (`file:line`), callees included, ms, largest first. */
  ours: [string, number][];
}

/** Where a frame's code comes from: a category, and for our own code its `file:line (name)`. */
interface Place { category: string; ours?: string }

const OUR_CODE = /(^|\/)(server|client)\/src\/|^bench\//;

interface MappedFile { map: SourceMap; lines: string[] }

const sourceMaps = new Map<string, MappedFile | undefined>();

function sourceMapOf(file: string): MappedFile | undefined {
  if (!sourceMaps.has(file)) {
    let mapped: MappedFile | undefined;
    try {
      mapped = { map: new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, 'utf8'))), lines: fs.readFileSync(file, 'utf8').split('\n') };
    } catch {
      mapped = undefined;
    }
    sourceMaps.set(file, mapped);
  }
  return sourceMaps.get(file);
}

/**
 * The original source of a bundle position. findEntry answers the closest mapping at or before it;
 * a bundler's module wrapper has none of its own, and the closest one then belongs to the end of the
 * previous module (`…});var x=wrap(()=>{`): such a position counts as unmapped.
 */
function originalPosition(mapped: MappedFile, line: number, column: number): { source: string; line: number; name?: string } | undefined {
  const entry = mapped.map.findEntry(line, column) as { originalSource?: string; originalLine?: number; name?: string; generatedLine?: number; generatedColumn?: number };
  if (!entry.originalSource || entry.generatedLine !== line || entry.generatedColumn === undefined) return undefined;
  const between = mapped.lines[line]?.slice(entry.generatedColumn, column) ?? '';
  return between.includes('});') ? undefined : { source: entry.originalSource, line: (entry.originalLine ?? 0) + 1, name: entry.name };
}

/** `node:internal/fs/promises` → `Node: fs`; `node:zlib` → `Node: zlib`; the module loader on its own. */
function nodeCategory(url: string): string {
  if (url.startsWith('node:internal/modules') || url === 'node:internal/bootstrap/realm') return 'Node: module loading';
  const parts = url.slice('node:'.length).split('/');
  const name = parts[0] === 'internal' ? (parts[1] ?? 'internal') : parts[0];
  return `Node: ${name.replace(/\.js$/, '')}`;
}

/** The npm package a path is in, or undefined. openpgp's own map names its sources `node_modules/src/…`. */
function packageOf(source: string): string | undefined {
  const at = source.lastIndexOf('node_modules/');
  if (at < 0) return undefined;
  const parts = source.slice(at + 'node_modules/'.length).split('/');
  const name = parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  return name === 'src' ? 'openpgp' : name;
}

/** A category for an absolute source path (its npm package, else its path in the repository), and ours when it is ours. */
function placeOfSource(file: string, repoRoot: string, line: number, name: string | undefined): Place {
  const pkg = packageOf(file);
  if (pkg) return { category: `npm: ${pkg}` };
  const relative = path.relative(repoRoot, file);
  return { category: relative, ours: OUR_CODE.test(relative) ? `${relative}:${line}${name ? ` ${name}` : ''}` : undefined };
}

function placeOf(frame: CallFrame, repoRoot: string): Place {
  const { url, functionName } = frame;
  if (!url) {
    // V8's own entries, and native functions (compileFunction, readFileUtf8…).
    return { category: functionName.startsWith('(') ? functionName : `native: ${functionName || '(anonymous)'}` };
  }
  if (url.startsWith('node:')) return { category: nodeCategory(url) };
  const file = url.startsWith('file:') ? fileURLToPath(url) : url;
  const mapped = sourceMapOf(file);
  if (!mapped) return placeOfSource(file, repoRoot, frame.lineNumber + 1, functionName);
  const original = originalPosition(mapped, frame.lineNumber, frame.columnNumber);
  if (!original) return { category: `${path.relative(repoRoot, file)}: module wrappers (no source position)` };
  // Sources are relative to the map (or file: URLs); bundles rename functions, the map keeps names.
  const source = original.source.startsWith('file:') ? fileURLToPath(original.source) : path.resolve(path.dirname(file), original.source);
  return placeOfSource(source, repoRoot, original.line, original.name ?? (functionName || undefined));
}

export function summarizeProfile(file: string, repoRoot: string): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const places = new Map(profile.nodes.map((n) => [n.id, placeOf(n.callFrame, repoRoot)]));
  const parents = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parents.set(child, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  // A sample's time is the gap to the next sample.
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const place = places.get(profile.samples[i]);
    if (!place || ms <= 0) continue;
    self.set(place.category, (self.get(place.category) ?? 0) + ms);
    // Each of our functions on the stack gets the sample once, however deep the recursion.
    const onStack = new Set<string>();
    for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parents.get(id)) {
      const ours = places.get(id)?.ours;
      if (ours) onStack.add(ours);
    }
    for (const ours of onStack) inclusive.set(ours, (inclusive.get(ours) ?? 0) + ms);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return { profiledMs: (profile.endTime - profile.startTime) / 1000, categories: sorted(self), ours: sorted(inclusive) };
}

/** The mean of several profiles of the same work, category by category. */
export function averageProfiles(summaries: ProfileSummary[]): ProfileSummary {
  const mean = (pick: (s: ProfileSummary) => [string, number][]) => {
    const totals = new Map<string, number>();
    for (const s of summaries) for (const [c, ms] of pick(s)) totals.set(c, (totals.get(c) ?? 0) + ms / summaries.length);
    return [...totals].sort((a, b) => b[1] - a[1]);
  };
  return {
    profiledMs: summaries.reduce((a, s) => a + s.profiledMs, 0) / summaries.length,
    categories: mean((s) => s.categories),
    ours: mean((s) => s.ours),
  };
}

/** Every `.cpuprofile` written into `dir`, summarized. */
export function profilesIn(dir: string, repoRoot: string): ProfileSummary[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => summarizeProfile(path.join(dir, f), repoRoot));
}

/**
 * Two Markdown tables: self time of the largest categories (the rest summed, idle apart), and the
 * inclusive time of our busiest functions (these overlap: a caller includes its callees).
 */
export function profileTable(summary: ProfileSummary, top = 12): string {
  const busy = summary.categories.filter(([c]) => c !== '(idle)');
  const rest = busy.slice(top).reduce((a, [, ms]) => a + ms, 0);
  const lines = ['| Where (self time) | ms |', '|---|---:|', ...busy.slice(0, top).map(([c, ms]) => `| ${c} | ${ms.toFixed(1)} |`)];
  if (rest > 0) lines.push(`| everything else | ${rest.toFixed(1)} |`);
  const idle = summary.categories.find(([c]) => c === '(idle)');
  if (idle) lines.push(`| (idle: waiting for I/O or messages) | ${idle[1].toFixed(1)} |`);
  if (summary.ours.length) {
    lines.push('', '| Our functions (time inside, callees included) | ms |', '|---|---:|', ...summary.ours.slice(0, top).map(([f, ms]) => `| ${f} | ${ms.toFixed(1)} |`));
  }
  return lines.join('\n');
}
