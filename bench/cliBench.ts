// The CLI against the real Helm: a repository of 200 signed charts, one cold verify, package + sign.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BenchContext } from './context';
import { FULL_KEYRING, SIGNER } from './fixtures';
import { profileTable } from './profile';
import { section, type Row, type Section } from './report';
import { interleave, mapSummary, summarize, timeOk, timeProcess } from './stats';
import type { VerifyFloorReport } from './verifyFloorChild';

/** The target for the whole repository against Helm's loop. */
const REPOSITORY_SPEEDUP_TARGET = 30;
/** Passes of the floor child per round: the first warms V8 up, the others are the floor. */
const FLOOR_PASSES = 4;

export interface SignedRepository {
  /** A flat folder of `<name>-<version>.tgz` + `.prov`, as a chart repository serves them. */
  dir: string;
  archives: string[];
}

/** `ctx.sizes.repositoryCharts` charts from `helm create`, packaged and signed by `helm package --sign`. */
export function makeSignedRepository(ctx: BenchContext): SignedRepository {
  const size = ctx.sizes.repositoryCharts;
  const dir = ctx.fixtures.dir('repository');
  ctx.fixtures.signedCharts(ctx.fixtures.dir('repository-sources'), dir, size, 'repo');
  const archives = fs.readdirSync(dir).filter((f) => f.endsWith('.tgz')).sort().map((f) => path.join(dir, f));
  if (archives.length !== size || archives.some((a) => !fs.existsSync(`${a}.prov`))) {
    throw new Error(`setup: expected ${size} signed archives in ${dir}`);
  }
  return { dir, archives };
}

function row(label: string, samples: number[]): Row {
  return { label, unit: 'ms', summary: summarize(samples) };
}

/** Our whole verify of `archives` as one process; fails unless every one of them is verified. */
function oursVerifying(ctx: BenchContext, args: string[], expected: number, env = ctx.cliEnv): () => number {
  return () => {
    const run = ctx.cli(args, [], env);
    const verified = (run.stdout.match(/^Chart Hash Verified: /gm) ?? []).length;
    if (run.status !== 0 || verified !== expected) throw new Error(`helm-prov ${args.slice(0, 2).join(' ')}: exit ${run.status}, ${verified}/${expected} verified: ${run.stderr.slice(-1000)}`);
    return run.ms;
  };
}

export function repositoryVerify(ctx: BenchContext, repo: SignedRepository): Section {
  const size = repo.archives.length;
  const s = section('Repository verify', [
    `${size} charts made by \`helm create\` and signed by \`helm package --sign\` (Helm 4.1.4, RSA 2048 key) in one folder.`,
    `Ours: one process, \`helm-prov verify <folder> --keyring <ring>\` (${ctx.cliEntryDescription}). Anchor: the real \`helm verify --keyring <ring> <archive>\``,
    `run once per archive in a loop (a new process each, as a CI script does). The keyring holds the signer's public key.`,
    `Both must report every chart verified (exit status 0), or the bench stops.`,
    `Floor: what no verifier can skip per chart, with the engine's own primitives in a tight loop over the same ${size} charts, one chart at a time,`,
    `in a child Node process (bench/verifyFloorChild.ts): read the archive and take its SHA-256 (node:crypto), check that the \`.prov\` names that digest,`,
    `read the \`.prov\` and parse its cleartext and signature packet (openpgp.js \`readCleartextMessage\`), and verify that signature over the signed text`,
    `with the signer's key packet (openpgp.js \`SignaturePacket.verify\`, as signatureCheck.ts calls it). The key is read once before the loop; no YAML,`,
    `no tar walk, no key policy, no output. ${FLOOR_PASSES} passes per round: the first warms V8 up and is reported apart, the others are the floor.`,
    `"Ours, one chart" (\`helm-prov verify\` of the first archive alone) gives our cost per chart without the process start: (${size} charts − one chart) / ${size - 1}.`,
    `${ctx.reps.repositoryRounds} rounds, interleaved.`,
  ].join(' '));
  const perHelmCall: number[] = [];
  const floorFirst: number[] = [];
  const floorWarm: number[] = [];
  const verifyArgs = ['verify', repo.dir, '--keyring', SIGNER.publicKeyring];
  const floorChild = path.join(__dirname, 'verifyFloorChild.js');
  const withoutExtraCa: Record<string, () => number> = ctx.extraCaCerts ? { oursPlain: oursVerifying(ctx, verifyArgs, size, ctx.cliEnvWithoutExtraCa) } : {};
  const samples: Record<string, number[]> = interleave<string>(ctx.reps.repositoryRounds, 0, {
    ...withoutExtraCa,
    ours: oursVerifying(ctx, verifyArgs, size),
    oursOne: oursVerifying(ctx, ['verify', repo.archives[0], '--keyring', SIGNER.publicKeyring], 1),
    helm: () => {
      let total = 0;
      for (const archive of repo.archives) {
        const ms = ctx.fixtures.helm.run(['verify', '--keyring', SIGNER.publicKeyring, archive]);
        perHelmCall.push(ms);
        total += ms;
      }
      return total;
    },
    floor: () => {
      const run = timeProcess(process.execPath, [floorChild, SIGNER.publicKeyring, String(FLOOR_PASSES), ...repo.archives]);
      if (run.status !== 0) throw new Error(`verify floor child exited ${run.status}: ${run.stderr.slice(-1000)}`);
      const report = JSON.parse(run.stdout) as VerifyFloorReport;
      floorFirst.push(report.passesMs[0]);
      floorWarm.push(...report.passesMs.slice(1));
      return run.ms;
    },
  });
  const ours = row(`helm-prov verify, ${size} charts, one process`, samples.ours);
  const anchor = row(`helm verify × ${size} processes`, samples.helm);
  const speedup = anchor.summary.median / ours.summary.median;
  s.figures.push({
    name: `${size} charts`, ours, anchor, ratio: `${speedup.toFixed(1)}× faster than Helm`,
    target: { text: `≥ ${REPOSITORY_SPEEDUP_TARGET}× faster`, pass: speedup >= REPOSITORY_SPEEDUP_TARGET },
  });
  if (ctx.extraCaCerts) {
    const plain = row(`helm-prov verify, ${size} charts, one process, no NODE_EXTRA_CA_CERTS`, samples.oursPlain);
    const plainSpeedup = anchor.summary.median / plain.summary.median;
    s.figures.push({
      name: `${size} charts, Node without NODE_EXTRA_CA_CERTS`, ours: plain, anchor, ratio: `${plainSpeedup.toFixed(1)}× faster than Helm`,
      target: { text: `≥ ${REPOSITORY_SPEEDUP_TARGET}× faster`, pass: plainSpeedup >= REPOSITORY_SPEEDUP_TARGET },
    });
    s.notes.push(`This environment sets NODE_EXTRA_CA_CERTS: our one process pays Node's parse of its root store at start (see "One cold verify"), the ${size} Helm processes pay nothing alike. The second row is the same command with the variable removed.`);
  }
  const perChart = (ms: number) => ms / size;
  const oursPerChart: Row = { label: 'helm-prov verify per chart (whole process / charts)', unit: 'ms', summary: mapSummary(ours.summary, perChart) };
  const floorPerChart: Row = { label: 'floor per chart (SHA-256 + .prov read and parsed + one signature verification)', unit: 'ms', summary: mapSummary(summarize(floorWarm), perChart) };
  const toFloor = oursPerChart.summary.median / floorPerChart.summary.median;
  s.figures.push({ name: 'one chart against its floor', ours: oursPerChart, anchor: floorPerChart, ratio: `${toFloor.toFixed(1)}× the floor` });
  const one = summarize(samples.oursOne).median;
  const marginal = (ours.summary.median - one) / (size - 1);
  s.extraRows.push(
    row('helm-prov verify of one chart (whole process)', samples.oursOne),
    { label: 'floor per chart, first pass (V8 warming up)', unit: 'ms', summary: mapSummary(summarize(floorFirst), perChart) },
    row('one helm verify process (each call of the loop)', perHelmCall),
  );
  s.notes.push([
    `Per chart: ours ${oursPerChart.summary.median.toFixed(2)} ms (the process start shared by all), Helm ${perChart(anchor.summary.median).toFixed(1)} ms,`,
    `the floor ${floorPerChart.summary.median.toFixed(2)} ms. Without our process start (${size} charts − one chart, medians):`,
    `${marginal.toFixed(2)} ms per chart, ${(marginal / floorPerChart.summary.median).toFixed(1)}× the floor.`,
    `The floor checks one chart at a time; ours keeps several in flight, which these two cores can only partly overlap.`,
  ].join(' '));
  if (speedup < REPOSITORY_SPEEDUP_TARGET) {
    s.notes.push(`Where one \`helm-prov verify\` of the ${size} charts spends its time (node --cpu-prof, mean of ${ctx.reps.profiles} runs):`, profileTable(ctx.profileCli(verifyArgs)));
  }
  return s;
}

export function coldVerify(ctx: BenchContext, archive: string): Section {
  const s = section('One cold verify', [
    `A whole process verifying one chart (\`helm create\`'s chart, signed by \`helm package --sign\`), from spawn to exit:`,
    `\`helm-prov verify x.tgz --keyring <ring>\` (${ctx.cliEntryDescription}) against \`helm verify --keyring <ring> x.tgz\`, with a keyring holding`,
    `only the signer and with the 13-key test keyring (RSA 1024–4096, DSA, ed25519, NIST and brainpool curves).`,
    `\`node -e 0\` is the floor any Node program pays; "load the CLI only" is \`node -e "require('dist/helm-prov-verify.js')"\` (the bundle bin/helm-prov.js runs for \`verify\` of local files).`,
    `${ctx.reps.coldRounds} rounds after 2 warm-up rounds, interleaved in rotating order. bin/helm-prov.js keeps a V8 code cache of the`,
    `bundle (in the run's own XDG_CACHE_HOME): the warm-up rounds write it, the measured rounds use it, as every run after a user's first does.`,
  ].join(' '));
  const verifyBundle = path.join(ctx.repoRoot, 'dist', 'helm-prov-verify.js');
  const bundleOrOut = fs.existsSync(verifyBundle) ? verifyBundle : path.join(ctx.repoRoot, 'out', 'server', 'src', 'cli', 'helmProv.js');
  const node = (args: string[]) => () => timeOk('node', process.execPath, args);
  const oursWith = (ring: string) => () => ctx.cliOk(['verify', archive, '--keyring', ring]);
  const helmWith = (ring: string) => () => ctx.fixtures.helm.run(['verify', '--keyring', ring, archive]);
  // Where this environment sets NODE_EXTRA_CA_CERTS, ours and Node's floor are also measured without it (context.ts says why).
  const extraCa = ctx.extraCaCerts;
  const plainEnv = ctx.cliEnvWithoutExtraCa;
  const plain: Record<string, () => number> = extraCa ? {
    ours1Plain: () => ctx.cliOk(['verify', archive, '--keyring', SIGNER.publicKeyring], plainEnv),
    nodeFloorPlain: () => timeOk('node', process.execPath, ['-e', '0'], { env: plainEnv }),
  } : {};
  const samples: Record<string, number[]> = interleave<string>(ctx.reps.coldRounds, 2, {
    ours1: oursWith(SIGNER.publicKeyring),
    helm1: helmWith(SIGNER.publicKeyring),
    ours13: oursWith(FULL_KEYRING),
    helm13: helmWith(FULL_KEYRING),
    nodeFloor: node(['-e', '0']),
    loadOnly: node(['-e', `require(${JSON.stringify(bundleOrOut)})`]),
    ...plain,
  });
  const figure = (name: string, ours: number[], helm: number[], ring: string, helmRow = row(`helm verify (${ring})`, helm)) => {
    const o = row(`helm-prov verify (${ring})`, ours);
    const h = helmRow;
    const ratio = o.summary.median / h.summary.median;
    s.figures.push({ name, ours: o, anchor: h, ratio: `${ratio.toFixed(2)}× Helm's time`, target: { text: '≤ 2.0× Helm\'s time', pass: ratio <= 2.0 } });
    return ratio;
  };
  const helm1Row = row('helm verify (1-key ring)', samples.helm1);
  const ratio1 = figure('signer-only keyring', samples.ours1, samples.helm1, '1-key ring', helm1Row);
  const ratio13 = figure('13-key keyring', samples.ours13, samples.helm13, '13-key ring');
  if (extraCa) {
    figure('signer-only keyring, Node without NODE_EXTRA_CA_CERTS', samples.ours1Plain, samples.helm1, '1-key ring, no NODE_EXTRA_CA_CERTS', helm1Row);
    const floorPlain = summarize(samples.nodeFloorPlain).median;
    s.extraRows.push(row('node -e 0 without NODE_EXTRA_CA_CERTS', samples.nodeFloorPlain));
    s.notes.push([
      `This environment sets NODE_EXTRA_CA_CERTS (${path.basename(extraCa)}): Node 20 then parses its bundled root certificates and that file`,
      `at every start, before any JavaScript runs. An empty Node program takes ${summarize(samples.nodeFloor).median.toFixed(0)} ms with it and`,
      `${floorPlain.toFixed(0)} ms without. No Node program can avoid it and \`helm verify\` does not pay it, so the third row measures the`,
      'same command with the variable removed: what our code costs on a machine without a company CA set this way.',
    ].join(' '));
  }
  const floor = row('node -e 0 (floor)', samples.nodeFloor);
  const load = row('node: load the CLI only', samples.loadOnly);
  s.extraRows.push(floor, load);
  const helmMedian = summarize(samples.helm1).median;
  const oursMedian = summarize(samples.ours1).median;
  const headroom = 2 * helmMedian - floor.summary.median;
  s.notes.push([
    `Node's own start is ${(floor.summary.median / helmMedian).toFixed(2)}× Helm's whole verify here, so the target leaves`,
    headroom > 0 ? `${headroom.toFixed(0)} ms for everything ours does after Node has started.` : 'nothing for what ours does after Node has started: even an empty Node program misses it.',
    `Made of (medians, signer-only keyring): Node start ${floor.summary.median.toFixed(0)} ms, + loading the CLI code`,
    `${(load.summary.median - floor.summary.median).toFixed(0)} ms, + reading the keyring, verifying and printing`,
    `${(oursMedian - load.summary.median).toFixed(0)} ms = ${oursMedian.toFixed(0)} ms.`,
  ].join(' '));
  if (ratio1 > 2.0 || ratio13 > 2.0) {
    s.notes.push(`Where one cold \`helm-prov verify\` spends its time (node --cpu-prof, mean of ${ctx.reps.profiles} runs, signer-only keyring; the profile starts after Node's bootstrap and profiling slows everything a little):`,
      profileTable(ctx.profileCli(['verify', archive, '--keyring', SIGNER.publicKeyring])));
    if (ratio13 > 2.0) {
      s.notes.push('The same with the 13-key keyring:', profileTable(ctx.profileCli(['verify', archive, '--keyring', FULL_KEYRING])));
    }
  }
  return s;
}

export function packageAndSign(ctx: BenchContext): Section {
  const s = section('Sign', [
    `Package and sign \`helm create\`'s chart as a whole process: \`helm-prov package <dir> -d <out> --sign --key <fingerprint> --keyring <secring>\``,
    `(${ctx.cliEntryDescription}; openpgp.js backend) against \`helm package --sign --key <uid> --keyring <secring> <dir> -d <out>\`, RSA 2048 key`,
    `without passphrase. Our first result is checked with the real \`helm verify\`. ${ctx.reps.signRounds} rounds after one warm-up, interleaved.`,
  ].join(' '));
  const chart = ctx.fixtures.makeChart(ctx.fixtures.dir('sign-chart'), 'signme');
  const oursOut = ctx.fixtures.dir('sign-ours');
  const helmOut = ctx.fixtures.dir('sign-helm');
  const oursArgs = ['package', chart, '-d', oursOut, '--sign', '--key', SIGNER.fingerprint, '--keyring', SIGNER.secretKeyring];
  const first = ctx.cli(oursArgs);
  if (first.status !== 0) {
    s.blocked = `\`helm-prov package --sign\` failed (exit ${first.status}): ${(first.stderr || first.stdout).trim().slice(-600)}`;
    return s;
  }
  const produced = path.join(oursOut, 'signme-0.1.0.tgz');
  ctx.fixtures.helm.run(['verify', '--keyring', SIGNER.publicKeyring, produced]);
  const samples = interleave(ctx.reps.signRounds, 1, {
    ours: () => ctx.cliOk(oursArgs),
    helm: () => ctx.fixtures.helm.run(['package', ...ctx.fixtures.helm.signArgs(), chart, '-d', helmOut]),
  });
  const ours = row('helm-prov package --sign', samples.ours);
  const anchor = row('helm package --sign', samples.helm);
  const ratio = ours.summary.median / anchor.summary.median;
  s.figures.push({ name: 'package + sign one chart', ours, anchor, ratio: `${ratio.toFixed(2)}× Helm's time` });
  s.notes.push('`helm verify` accepted the archive and `.prov` our CLI wrote.');
  s.notes.push(`Where one \`helm-prov package --sign\` spends its time (node --cpu-prof, mean of ${ctx.reps.profiles} runs):`, profileTable(ctx.profileCli(oursArgs)));
  return s;
}
