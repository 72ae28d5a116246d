// The language server over a real LSP connection (the tests' LspSession: the built server over stdio):
// latency of a `.prov` check as a user opens it, CodeLens requests, and a 1 000-chart workspace.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DiagnosticSeverity, FileChangeType, type Diagnostic } from 'vscode-languageserver-protocol/node';
import { LspSession, serverPath, uriOf, type SessionOptions } from '../test/lsp/lspSession';
import type { BenchContext } from './context';
import { SIGNER } from './fixtures';
import { averageProfiles, profilesIn, profileTable, type ProfileSummary } from './profile';
import { BackgroundLoad, describeLoad, LOAD_PER_CORE, LoadSampler, type LoadSamples } from './backgroundLoad';
import { childPids, cpuMsOf, memoryOf } from './processInfo';
import { section, type Row, type Section } from './report';
import { elapsedMs, summarize } from './stats';

const WARMUP_OPENS = 20;
const BLOB_MIB = 1;
const STATUS_TARGET_MS = 3000;
/** Issue 18: every status within this many times the CLI's time for the same archives (measured in the same runs). */
const STATUS_CLI_RATIO_TARGET = 1.1;
const RSS_TARGET_MB = 200;
const REFRESH_TARGET_MS = 100;
const FINAL = (state: string) => state !== 'checking' && state !== 'removed';
/** Profiled runs only show where the time goes: a few operations are enough, and keep the bench bounded. */
const PROFILED_OPERATIONS = 50;
const PROFILED_REPLACEMENTS = 6;

const settings = { keyrings: [SIGNER.publicKeyring] };

function msRow(label: string, samples: number[]): Row {
  return { label, unit: 'ms', summary: summarize(samples) };
}

function hasError(diagnostics: Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === DiagnosticSeverity.Error);
}

/**
 * Starts a session; with `profileDir`, the server profiles itself until it exits (see cpuProfilePreload).
 * The launcher keeps its V8 code cache in the run's own cache folder, as the CLI's.
 */
function startSession(ctx: BenchContext, options: SessionOptions, profileDir?: string): Promise<LspSession> {
  const env = {
    XDG_CACHE_HOME: ctx.cacheHome,
    ...(profileDir ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${path.join(__dirname, 'cpuProfilePreload.js')}`.trim(), BENCH_CPU_PROFILE_DIR: profileDir } : {}),
  };
  // As the VS Code client starts it (client/src/serverConnection.ts): statuses come batched, and the
  // client watches the files itself.
  return LspSession.start({ ...options, initializationOptions: { statusBatches: true, clientWatchesFiles: true, ...options.initializationOptions }, env });
}

function serverPid(): number {
  const pids = childPids(serverPath);
  if (pids.length !== 1) throw new Error(`expected one language server child process, found ${pids.length}`);
  return pids[0];
}

/** One signed copy of the chart: its archive's bytes and its `.prov` text. */
interface SignedCopy { archive: Buffer; prov: string }

/** The `.prov` opened, its archive, and two differently signed copies of the chart to write in their place. */
interface OpenedProv { prov: string; archive: string; uri: string; copies: [SignedCopy, SignedCopy]; text: string }

/**
 * What changes on disk before an open. `bytes`: the archive and its `.prov` are written in place with
 * the other signed copy (same inode, new bytes, as a re-download over the file), so every open is a full
 * check (read, SHA-256, inflate, tar walk, signature). `touch`: only the archive's mtime moves, so its
 * stamp is new but its bytes are those judged last: the server reads and hashes it and reuses the verdict.
 * `none`: the same files again (cache hits).
 */
type Change = 'bytes' | 'touch' | 'none';

/** Puts signed copy `which` in place of the archive and the `.prov` on disk. */
function writeCopy(p: OpenedProv, which: number): void {
  const copy = p.copies[which % 2];
  fs.writeFileSync(p.archive, copy.archive);
  fs.writeFileSync(p.prov, copy.prov);
  p.text = copy.prov;
}

/** Opens the `.prov`, waits for its diagnostics, closes it and waits for the close to be handled. */
async function openOnce(session: LspSession, p: OpenedProv, change: Change, i: number): Promise<number> {
  if (change === 'bytes') writeCopy(p, i);
  if (change === 'touch') {
    const when = new Date(Date.now() - 86_400_000 + i * 1000);
    fs.utimesSync(p.archive, when, when);
  }
  const start = process.hrtime.bigint();
  // open() forgets what was published for the uri before: what follows is about this buffer.
  await session.open(p.prov, 'helm-provenance', p.text);
  const diagnostics = await session.waitForDiagnostics(p.uri, { version: 1 });
  const ms = elapsedMs(start);
  if (hasError(diagnostics)) throw new Error(`the signed .prov has errors: ${JSON.stringify(diagnostics)}`);
  const after = session.diagnostics.get(p.uri)!.length;
  await session.close(p.uri);
  // The close publishes an empty list (without version): wait for it so it is not taken for the next open's.
  await session.waitFor('diagnostics cleared on close', () => session.diagnostics.get(p.uri)!.slice(after).find((d) => d.version === undefined));
  return ms;
}

async function profiledOpens(ctx: BenchContext, p: OpenedProv, opens: number): Promise<ProfileSummary> {
  const dir = ctx.fixtures.dir(`profile-lsp-${Date.now()}`);
  const session = await startSession(ctx, { settings }, dir);
  try {
    for (let i = 0; i < opens; i++) await openOnce(session, p, 'bytes', i);
  } finally {
    await session.stop();
  }
  return averageProfiles(profilesIn(dir, ctx.repoRoot));
}

interface TimedOpens { samples: number[]; load: LoadSamples; cpuMsPerOpen: number }

/** `n` opens after `change`, with the load and the server's CPU time while they ran. */
async function timedOpens(session: LspSession, p: OpenedProv, n: number, change: Change, first: number): Promise<TimedOpens> {
  const pid = serverPid();
  const sampler = new LoadSampler();
  const cpuBefore = cpuMsOf(pid);
  const samples: number[] = [];
  try {
    for (let i = 0; i < n; i++) samples.push(await openOnce(session, p, change, first + i));
  } catch (e) {
    sampler.stop();
    throw e;
  }
  const cpuMsPerOpen = (cpuMsOf(pid) - cpuBefore) / n;
  return { samples, load: sampler.stop(), cpuMsPerOpen };
}

/** The chart with its random file packaged and signed twice: as it is, and with one more line in values.yaml. */
function signedCopies(ctx: BenchContext, dir: string): { chartDir: string; archive: string; copies: [SignedCopy, SignedCopy] } {
  const chartDir = ctx.fixtures.makeChart(dir, 'bigchart', (d) => {
    fs.mkdirSync(path.join(d, 'files'));
    ctx.fixtures.randomFile(path.join(d, 'files', 'blob.bin'), BLOB_MIB);
  });
  ctx.fixtures.helmPackage([chartDir], dir);
  const altDir = ctx.fixtures.dir('lsp-latency-other');
  const alt = path.join(altDir, 'bigchart');
  fs.cpSync(chartDir, alt, { recursive: true });
  fs.appendFileSync(path.join(alt, 'values.yaml'), '\n# the second signed copy\n');
  ctx.fixtures.helmPackage([alt], altDir);
  const name = 'bigchart-0.1.0.tgz';
  const copy = (folder: string): SignedCopy => ({ archive: fs.readFileSync(path.join(folder, name)), prov: fs.readFileSync(path.join(folder, `${name}.prov`), 'utf8') });
  return { chartDir, archive: path.join(dir, name), copies: [copy(dir), copy(altDir)] };
}

export async function lspLatency(ctx: BenchContext): Promise<Section> {
  const n = ctx.reps.lspOpens;
  const s = section('Language server latency', [
    `The server (${path.relative(ctx.repoRoot, serverPath)}) over stdio, driven by the tests' LSP client (test/lsp/lspSession.ts), keyring = the signer's key.`,
    `A chart with a ${BLOB_MIB} MiB file of random bytes, packaged and signed by \`helm package --sign\` (archive ≈ 1 MiB), twice: as it is, and with a line added to values.yaml.`,
    `didOpen of its \`.prov\` → publishDiagnostics, ${n} opens after ${WARMUP_OPENS} warm-up opens, each followed by didClose.`,
    `"Archive changed": before each open the other signed copy is written in place of the archive and its \`.prov\` (same inode, new bytes), so every open is a full check`,
    `(read, SHA-256, inflate and tar walk of the archive, signature). "Archive touched": only the archive's mtime moves, so the server's stamp cache`,
    `(device, inode, size, mtime, ctime) misses but the bytes are those judged last: the server reads and hashes the archive and reuses its facts and verdict.`,
    `"Unchanged" re-opens the same files as they are (cache hits).`,
    `CodeLens: ${n} codeLens requests on the chart's open Chart.yaml once its status has arrived; the Chart.yaml stays open for the loaded opens,`,
    `so each of those also re-evaluates the chart's status (and, after new bytes, compares the archive with the chart folder) once its diagnostics are out.`,
    `Loaded: the same ${n} opens of each kind (after ${WARMUP_OPENS} more warm-up opens) in the same server while the bench keeps the machine loaded itself:`,
    `${LOAD_PER_CORE} × cores + 1 CPU-bound Node processes (\`for (;;) {}\`, bench/backgroundLoad.ts), started first and left to raise the 1-minute load`,
    `average to ${LOAD_PER_CORE} × cores (at most 2 min), stopped after the loaded figures. "Quiet" means without the bench's own load:`,
    `the load that other programs put on this shared machine is given next to both figures.`,
  ].join(' '));
  const dir = ctx.fixtures.dir('lsp-latency');
  const { chartDir, archive, copies } = signedCopies(ctx, dir);
  const prov = `${archive}.prov`;
  const p: OpenedProv = { prov, archive, uri: uriOf(prov), copies, text: copies[0].prov };
  const archiveKiB = fs.statSync(archive).size / 1024;

  const session = await startSession(ctx, { settings });
  const unchanged: number[] = [];
  const lens: number[] = [];
  let quiet: TimedOpens;
  let quietTouched: TimedOpens;
  let loaded: TimedOpens;
  let loadedTouched: TimedOpens;
  let background: BackgroundLoad | undefined;
  try {
    for (let i = 0; i < WARMUP_OPENS; i++) await openOnce(session, p, 'bytes', i);
    quiet = await timedOpens(session, p, n, 'bytes', WARMUP_OPENS);
    // The chart's own package in place: its Chart.yaml's status below is "verified".
    writeCopy(p, 0);
    quietTouched = await timedOpens(session, p, n, 'touch', 0);
    for (let i = 0; i < n; i++) unchanged.push(await openOnce(session, p, 'none', i));

    const chartYaml = path.join(chartDir, 'Chart.yaml');
    const chartUri = await session.open(chartYaml, 'yaml');
    await session.waitForStatus('the chart\'s status', (st) => st.uri === chartUri && st.state === 'verified');
    for (let i = 0; i < WARMUP_OPENS + n; i++) {
      const start = process.hrtime.bigint();
      const lenses = await session.codeLens(chartUri);
      const ms = elapsedMs(start);
      if (lenses.length === 0) throw new Error('no CodeLens on a signed chart\'s Chart.yaml');
      if (i >= WARMUP_OPENS) lens.push(ms);
    }

    background = await BackgroundLoad.start();
    for (let i = 0; i < WARMUP_OPENS; i++) await openOnce(session, p, 'bytes', i);
    loaded = await timedOpens(session, p, n, 'bytes', WARMUP_OPENS);
    loadedTouched = await timedOpens(session, p, n, 'touch', n);
  } catch (e) {
    await background?.stop();
    throw e;
  } finally {
    await session.stop();
  }
  const freshRow = msRow(`didOpen → diagnostics, archive changed (${archiveKiB.toFixed(0)} KiB, new bytes each open)`, quiet.samples);
  const loadedRow = msRow('didOpen → diagnostics, archive changed (new bytes), machine loaded by the bench', loaded.samples);
  const touchedRow = msRow('didOpen → diagnostics, archive touched (same bytes, new mtime)', quietTouched.samples);
  const loadedTouchedRow = msRow('didOpen → diagnostics, archive touched (same bytes, new mtime), machine loaded by the bench', loadedTouched.samples);
  const unchangedRow = msRow('didOpen → diagnostics, unchanged files', unchanged);
  const lensRow = msRow('codeLens request on Chart.yaml', lens);
  s.figures.push({ name: 'didOpen → diagnostics p95 (warm)', ours: freshRow, statistic: 'p95', target: { text: 'p95 ≤ 20 ms', pass: freshRow.summary.p95 <= 20 } });
  s.figures.push({
    name: 'didOpen → diagnostics p95 (loaded)', ours: loadedRow, statistic: 'p95',
    target: { text: `p95 ≤ 20 ms at load ≥ ${background.target}`, pass: loadedRow.summary.p95 <= 20 },
  });
  // Reported, not judged: the target is on a full check (bench/findings.md says why).
  s.figures.push({ name: 'didOpen → diagnostics p95 (loaded, archive touched)', ours: loadedTouchedRow, statistic: 'p95' });
  s.figures.push({ name: 'CodeLens p95', ours: lensRow, statistic: 'p95', target: { text: 'p95 ≤ 20 ms (the didOpen bound)', pass: lensRow.summary.p95 <= 20 } });
  s.extraRows.push(touchedRow, unchangedRow);
  const pair = (a: Row, b: Row) => `${a.summary.median.toFixed(1)}/${a.summary.p95.toFixed(1)} ms quiet, ${b.summary.median.toFixed(1)}/${b.summary.p95.toFixed(1)} ms loaded`;
  s.notes.push(`p50/p95: didOpen, archive changed (full check) ${pair(freshRow, loadedRow)}; archive touched (reuse) ${pair(touchedRow, loadedTouchedRow)}; unchanged ${unchangedRow.summary.median.toFixed(1)}/${unchangedRow.summary.p95.toFixed(1)} ms; CodeLens ${lensRow.summary.median.toFixed(2)}/${lensRow.summary.p95.toFixed(2)} ms.`);
  s.notes.push([
    `The server's own CPU time per open and close (user + system of all its threads, /proc): archive changed ${quiet.cpuMsPerOpen.toFixed(1)} ms quiet, ${loaded.cpuMsPerOpen.toFixed(1)} ms loaded`,
    `(with the Chart.yaml open: its chart is evaluated again too); archive touched ${quietTouched.cpuMsPerOpen.toFixed(1)} ms quiet, ${loadedTouched.cpuMsPerOpen.toFixed(1)} ms loaded;`,
    `the rest of each latency is waiting (for a core, for the client).`,
    `Load during the quiet opens (archive changed): ${describeLoad(quiet.load)}.`,
    `During the loaded opens (archive changed), with ${background.processes} spinning processes: ${describeLoad(loaded.load)}${background.reached ? '' : ` (**the 1-minute load average had not reached ${background.target}** within 2 min when the opens began)`}.`,
  ].join(' '));
  try {
    if (loadedRow.summary.p95 > 20) {
      const opens = Math.min(n, PROFILED_OPERATIONS);
      s.notes.push(`Where the server spends its time over ${opens} opens with a changed archive on the loaded machine (in-process V8 profiler, whole server life, start-up included; samples are wall-clock, so time spent waiting for a core counts where the code was):`, profileTable(await profiledOpens(ctx, p, opens)));
    }
  } finally {
    await background.stop();
  }
  if (freshRow.summary.p95 > 20) {
    const opens = Math.min(n, PROFILED_OPERATIONS);
    s.notes.push(`Where the server spends its time over ${opens} opens with a changed archive (in-process V8 profiler, whole server life, start-up included):`, profileTable(await profiledOpens(ctx, p, opens)));
  }
  return s;
}

interface Workspace { root: string; chartYamls: string[]; replaced: { archive: string; prov: string; chartYaml: string; original: string; tampered: string } }

/**
 * `ctx.sizes.workspaceCharts` (1 000 in a full run) `helm create` charts in `charts/`, each packaged and signed next to its folder
 * (`charts/<name>-0.1.0.tgz` + `.prov`, the first place the server looks). Also a re-packaged
 * (unsigned, values.yaml changed) archive of one chart, to swap in as a tampered archive.
 */
export function makeWorkspace(ctx: BenchContext): Workspace {
  const root = ctx.fixtures.dir('workspace');
  const charts = path.join(root, 'charts');
  const dirs = ctx.fixtures.signedCharts(charts, charts, ctx.sizes.workspaceCharts, 'ws');
  const victim = dirs[Math.floor(dirs.length / 2)];
  const name = path.basename(victim);
  const altDir = ctx.fixtures.dir('workspace-alt');
  const alt = path.join(altDir, name);
  fs.cpSync(victim, alt, { recursive: true });
  fs.appendFileSync(path.join(alt, 'values.yaml'), '\n# changed after signing\nreplicaCount: 2\n');
  ctx.fixtures.helmPackage([alt], path.join(altDir, 'out'), false);
  const archive = path.join(charts, `${name}-0.1.0.tgz`);
  const original = path.join(altDir, 'original.tgz');
  fs.copyFileSync(archive, original);
  return {
    root,
    chartYamls: dirs.map((d) => path.join(d, 'Chart.yaml')),
    replaced: { archive, prov: `${archive}.prov`, chartYaml: path.join(victim, 'Chart.yaml'), original, tampered: path.join(altDir, 'out', `${name}-0.1.0.tgz`) },
  };
}

/** Waits until every Chart.yaml has a final chart status; answers them by uri. */
async function allStatuses(session: LspSession, ws: Workspace): Promise<Map<string, string>> {
  const wanted = new Set(ws.chartYamls.map(uriOf));
  const latest = new Map<string, string>();
  let seen = 0;
  await session.waitFor(`a status for each of ${wanted.size} charts`, () => {
    for (; seen < session.statuses.length; seen++) {
      const st = session.statuses[seen];
      if (st.scope === 'chart' && wanted.has(st.uri) && FINAL(st.state)) latest.set(st.uri, st.state);
    }
    return latest.size === wanted.size ? true : undefined;
  });
  return latest;
}

/** Puts the tampered or the original archive in place atomically, as tools write files. */
function swapArchive(ws: Workspace, tamper: boolean): void {
  const r = ws.replaced;
  const swap = path.join(path.dirname(r.archive), '.swap');
  fs.copyFileSync(tamper ? r.tampered : r.original, swap);
  fs.renameSync(swap, r.archive);
}

/** Swaps the archive, tells the server, and times the new status and diagnostics. */
async function replaceOnce(session: LspSession, ws: Workspace, tamper: boolean): Promise<{ statusMs: number; diagnosticsMs: number }> {
  const r = ws.replaced;
  swapArchive(ws, tamper);
  const chartUri = uriOf(r.chartYaml);
  const provUri = uriOf(r.prov);
  const statusesBefore = session.statuses.length;
  const diagnosticsBefore = session.diagnostics.get(provUri)?.length ?? 0;
  const start = process.hrtime.bigint();
  await session.fileChanged(r.archive, FileChangeType.Changed);
  const [statusMs, diagnosticsMs] = await Promise.all([
    session.waitForStatus('the replaced chart\'s status', (st) => st.scope === 'chart' && st.uri === chartUri && st.state === (tamper ? 'rejected' : 'verified'), statusesBefore)
      .then((st) => {
        if (tamper && st.code !== 'hash-mismatch') throw new Error(`tampered archive reported as ${st.code}`);
        return elapsedMs(start);
      }),
    session.waitForDiagnostics(provUri, { after: diagnosticsBefore, where: (d) => (tamper ? d.some((x) => x.code === 'hash-mismatch') : !hasError(d)) })
      .then(() => elapsedMs(start)),
  ]);
  return { statusMs, diagnosticsMs };
}

export async function workspaceScale(ctx: BenchContext, ws: Workspace): Promise<Section> {
  const s = section('Workspace scale', [
    `A workspace of ${ctx.sizes.workspaceCharts} charts (\`helm create\`'s, in \`charts/<name>/\`), each packaged and signed by \`helm package --sign\` next to`,
    `its folder (\`charts/<name>-0.1.0.tgz\` + \`.prov\`). A fresh server per run (${ctx.reps.workspaceRuns} runs), timed from spawning it until every`,
    `Chart.yaml has a final status notification (all must be \`verified\`); its resident memory (/proc VmRSS, and the peak VmHWM) right then.`,
    `The server is ${path.relative(ctx.repoRoot, serverPath)}, keyring = the signer's key.`,
    `The launcher keeps a V8 code cache of the bundle and the keyring's description (in the run's own XDG_CACHE_HOME): two warm-up servers, indexing`,
    `the same workspace, write them (the first the keyring's, the second the code cache), and the measured ones use them, as every start after a user's second does.`,
    `Anchor: \`helm-prov verify charts/\` on the same ${ctx.sizes.workspaceCharts} archives, one process, run just before each server after two unrecorded runs that write its keyring and code caches (the target is on both: the time, and the ratio of the medians).`,
    `Then one archive is replaced on disk (copy + rename, alternately a re-packaged archive with another values.yaml and the`,
    `original), a didChangeWatchedFiles is sent as VS Code's watcher would, and the time runs until both the chart's new status and the`,
    `\`.prov\`'s new diagnostics have arrived: ${ctx.reps.replacements} replacements after 2 warm-up ones.`,
  ].join(' '));
  const indexMs: number[] = [];
  const initMs: number[] = [];
  const rss: number[] = [];
  const peak: number[] = [];
  const refresh: number[] = [];
  const cliMs: number[] = [];
  for (let i = 0; i < 2; i++) {
    const warmUp = await startSession(ctx, { workspace: ws.root, settings });
    try {
      await allStatuses(warmUp, ws);
    } finally {
      await warmUp.stop();
    }
  }
  const cliVerify = () => ctx.cliOk(['verify', path.join(ws.root, 'charts'), '--keyring', SIGNER.publicKeyring]);
  // Unrecorded, as the server's warm-up: in this cache folder the CLI's first run writes its keyring
  // description and its second its code cache (a cold run took about 0.2 s more CPU). Without them a
  // quick run (`--only=workspace`) compared the server with a cold CLI, the full bench with a warm one.
  for (let i = 0; i < 2; i++) cliVerify();
  for (let run = 0; run < ctx.reps.workspaceRuns; run++) {
    cliMs.push(cliVerify());
    const start = process.hrtime.bigint();
    const session = await startSession(ctx, { workspace: ws.root, settings });
    try {
      initMs.push(elapsedMs(start));
      const states = await allStatuses(session, ws);
      indexMs.push(elapsedMs(start));
      const notVerified = [...states].filter(([, st]) => st !== 'verified');
      if (notVerified.length) throw new Error(`${notVerified.length} charts not verified, e.g. ${notVerified[0].join(': ')}`);
      const memory = memoryOf(serverPid());
      rss.push(memory.rssBytes / 1e6);
      peak.push(memory.peakRssBytes / 1e6);
      if (run === ctx.reps.workspaceRuns - 1) {
        for (let i = 0; i < 2 + ctx.reps.replacements; i++) {
          const { statusMs, diagnosticsMs } = await replaceOnce(session, ws, i % 2 === 0);
          if (i >= 2) refresh.push(Math.max(statusMs, diagnosticsMs));
        }
      }
    } finally {
      await session.stop();
      swapArchive(ws, false);
    }
  }
  const index = msRow(`server start → all ${ctx.sizes.workspaceCharts} statuses`, indexMs);
  const cli = msRow(`helm-prov verify of the ${ctx.sizes.workspaceCharts} archives`, cliMs);
  const ratio = index.summary.median / cli.summary.median;
  // Both parts of the target, from the same runs: the CLI and the server alternate on the same archives.
  const statusPass = index.summary.median <= STATUS_TARGET_MS && ratio <= STATUS_CLI_RATIO_TARGET;
  s.figures.push({
    name: 'every Chart.yaml has its status', ours: index, anchor: cli, ratio: `${ratio.toFixed(2)}× the CLI's time`,
    target: { text: `≤ ${STATUS_TARGET_MS} ms and ≤ ${STATUS_CLI_RATIO_TARGET}× the CLI's time`, pass: statusPass },
  });
  const rssRow: Row = { label: 'server resident memory after indexing', unit: 'MB', summary: summarize(rss) };
  s.figures.push({ name: 'server RSS', ours: rssRow, target: { text: `≤ ${RSS_TARGET_MB} MB`, pass: rssRow.summary.max <= RSS_TARGET_MB } });
  const refreshRow = msRow('archive replaced → status + diagnostics', refresh);
  s.figures.push({ name: 'archive replaced → refreshed (p95)', ours: refreshRow, statistic: 'p95', target: { text: `p95 ≤ ${REFRESH_TARGET_MS} ms`, pass: refreshRow.summary.p95 <= REFRESH_TARGET_MS } });
  s.extraRows.push(msRow('server start → initialize answered', initMs), { label: 'server peak resident memory (VmHWM)', unit: 'MB', summary: summarize(peak) });
  if (!statusPass || rssRow.summary.max > RSS_TARGET_MB || refreshRow.summary.p95 > REFRESH_TARGET_MS) {
    const dir = ctx.fixtures.dir(`profile-workspace-${Date.now()}`);
    const session = await startSession(ctx, { workspace: ws.root, settings }, dir);
    try {
      await allStatuses(session, ws);
      for (let i = 0; i < PROFILED_REPLACEMENTS; i++) await replaceOnce(session, ws, i % 2 === 0);
    } finally {
      await session.stop();
      swapArchive(ws, false);
    }
    s.notes.push(`Where the server spends its time indexing the workspace and then handling ${PROFILED_REPLACEMENTS} replacements (in-process V8 profiler, one run, start-up included):`, profileTable(averageProfiles(profilesIn(dir, ctx.repoRoot))));
  }
  return s;
}
