// Hashing a 256 MB archive: our sha256File (streamed) against `openssl dgst -sha256`, the SHA-NI limit
// of the machine, with the extra memory hashing takes.
import * as path from 'node:path';
import type { BenchContext } from './context';
import type { HashChildReport } from './hashChild';
import { averageProfiles, profilesIn, profileTable } from './profile';
import { section, type Section } from './report';
import { interleave, mapSummary, summarize, timeOk, timeProcess } from './stats';

const SIZE_MIB = 256;
/** The limit, in MB (10⁶ bytes), the stricter reading. */
const MEMORY_LIMIT_MB = 64;
const MiB = 1024 * 1024;

export function hashing(ctx: BenchContext): Section {
  const s = section('Hashing', [
    `A ${SIZE_MIB} MiB file of random bytes, read from the page cache (read once before timing).`,
    `Ours: \`sha256File\` (server/src/provenance/hash.ts) in a child Node process, timed inside it from the call to the digest,`,
    `with the process's peak resident memory (getrusage maxRSS) minus its resident memory just before the call as the extra memory (MB = 10⁶ bytes).`,
    `Anchor: \`openssl dgst -sha256 <file>\` as a whole process, minus the median time of \`openssl dgst -sha256\` on an empty file (its start).`,
    `Speeds in MB/s (10⁶ bytes per second); their p95 column is the speed of the slow (p95) run. ${ctx.reps.hashRounds} rounds after one warm-up, interleaved.`,
  ].join(' '));
  const file = ctx.fixtures.randomFile(path.join(ctx.fixtures.dir('hashing'), 'big-1.0.0.tgz'), SIZE_MIB);
  const empty = ctx.fixtures.randomFile(path.join(ctx.fixtures.dir('hashing'), 'empty.tgz'), 0);
  ctx.fixtures.warmPageCache(file);
  const child = path.join(__dirname, 'hashChild.js');
  const reports: HashChildReport[] = [];
  let opensslHex = '';
  const openssl = (target: string) => {
    const run = timeProcess('openssl', ['dgst', '-sha256', '-r', target]);
    if (run.status !== 0) throw new Error(`openssl dgst: ${run.stderr}`);
    if (target === file) opensslHex = run.stdout.split(' ')[0];
    return run.ms;
  };
  const samples = interleave(ctx.reps.hashRounds, 1, {
    ours: () => {
      const run = timeProcess(process.execPath, [child, file]);
      if (run.status !== 0) throw new Error(`hash child: ${run.stderr}`);
      const report = JSON.parse(run.stdout) as HashChildReport;
      reports.push(report);
      return report.ms;
    },
    openssl: () => openssl(file),
    opensslStart: () => openssl(empty),
  });
  const recorded = reports.slice(-ctx.reps.hashRounds);
  if (recorded.some((r) => r.hex !== opensslHex || r.size !== SIZE_MIB * MiB)) throw new Error(`sha256File disagrees with openssl (${opensslHex})`);
  const start = summarize(samples.opensslStart).median;
  const bytes = SIZE_MIB * MiB;
  const speed = (ms: number) => bytes / 1e6 / (ms / 1000);
  const ours = { label: 'sha256File', unit: 'MB/s' as const, summary: mapSummary(summarize(samples.ours), speed) };
  const anchor = { label: 'openssl dgst -sha256', unit: 'MB/s' as const, summary: mapSummary(summarize(samples.openssl.map((ms) => Math.max(ms - start, 1))), speed) };
  const ratio = ours.summary.median / anchor.summary.median;
  s.figures.push({ name: `${SIZE_MIB} MiB speed`, ours, anchor, ratio: `${ratio.toFixed(2)}× openssl's speed`, target: { text: '≥ 0.8× openssl', pass: ratio >= 0.8 } });
  const extra = summarize(recorded.map((r) => (r.maxRss - r.rssBefore) / 1e6));
  const memory = { label: 'extra memory while hashing', unit: 'MB' as const, summary: extra };
  s.figures.push({ name: 'extra memory', ours: memory, target: { text: `≤ ${MEMORY_LIMIT_MB} MB (worst run)`, pass: extra.max <= MEMORY_LIMIT_MB } });
  s.extraRows.push(
    { label: 'sha256File time', unit: 'ms', summary: summarize(samples.ours) },
    { label: 'openssl dgst whole process', unit: 'ms', summary: summarize(samples.openssl) },
    { label: 'openssl dgst start (empty file)', unit: 'ms', summary: summarize(samples.opensslStart) },
  );
  s.notes.push(`Both digests agree (${opensslHex.slice(0, 16)}…). The child's resident memory before hashing: ${(summarize(recorded.map((r) => r.rssBefore)).median / 1e6).toFixed(0)} MB (Node itself).`);
  if (ratio < 0.8 || extra.max > MEMORY_LIMIT_MB) {
    const dir = ctx.fixtures.dir('profile-hash');
    for (let i = 0; i < ctx.reps.profiles; i++) timeOk('profiled hash child', process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, child, file]);
    s.notes.push(`Where the hashing child spends its time (node --cpu-prof, mean of ${ctx.reps.profiles} runs):`, profileTable(averageProfiles(profilesIn(dir, ctx.repoRoot))));
  }
  return s;
}
