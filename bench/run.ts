// `npm run bench`: measures the CLI, the hashing, the language server and the extension against Helm
// and the machine's limits in one run, and writes docs/benchmarks.md. Not part of `npm test`.
//
// Usage: node out/bench/run.js [--quick] [--charts=<n>] [--only=<name>,...] [--out=<file>]
//   --quick   fewer repetitions (to try the bench out; the report says so)
//   --charts  n charts in the repository and 5 × n in the workspace instead of 200 and 1 000 (the report says so)
//   --only    sections to run: repository, cold, hashing, sign, lsp, workspace, activation, sigstore, oci
//   --out     where to write the report (default docs/benchmarks.md)
import './useShippedServer';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { activation } from './activationBench';
import { coldVerify, makeSignedRepository, packageAndSign, repositoryVerify, type SignedRepository } from './cliBench';
import { BenchContext, FULL, FULL_SIZES, QUICK, reducedSizes } from './context';
import { BenchFixtures } from './fixtures';
import { hashing } from './hashBench';
import { lspLatency, makeWorkspace, workspaceScale } from './lspBench';
import { describeMachine, loadAverage } from './machine';
import { parseFindings, renderReport, section, type Section } from './report';
import { findTools, whatIsMissing, type Tool } from './requirements';
import { sigstoreVerify } from './sigstoreBench';
import { ociVerify } from './ociBench';

const SECTIONS = ['repository', 'cold', 'hashing', 'sign', 'lsp', 'workspace', 'activation', 'sigstore', 'oci'] as const;
type SectionName = (typeof SECTIONS)[number];

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, charts: { type: 'string' }, only: { type: 'string' }, out: { type: 'string' } }, strict: true });
  const only = values.only ? values.only.split(',').map((n) => n.trim()) : [...SECTIONS];
  const unknown = only.filter((n) => !(SECTIONS as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`unknown section(s) ${unknown.join(', ')}; known: ${SECTIONS.join(', ')}`);
  const charts = values.charts === undefined ? undefined : Number(values.charts);
  if (charts !== undefined && !(Number.isInteger(charts) && charts >= 2)) throw new Error(`--charts wants a whole number ≥ 2, not ${values.charts}`);
  const started = Date.now();
  const tools = findTools();
  for (const [tool, why] of tools.missing) log(`${tool} is missing: ${why}`);
  const fixtures = new BenchFixtures(tools.helm);
  const ctx = new BenchContext(fixtures, values.quick ? QUICK : FULL, charts === undefined ? FULL_SIZES : reducedSizes(charts));
  const sections: Section[] = [];
  const loadAtStart = loadAverage();
  const machine = describeMachine(fixtures.helm, tools);

  /**
   * Runs one section; a failure is written into the report as a blocked section, the others still run.
   * A section whose tools are missing is not run: the report says what is missing.
   */
  const measure = async (name: SectionName, title: string, needs: readonly Tool[], body: () => Section | Promise<Section>) => {
    if (!only.includes(name)) return;
    const missing = whatIsMissing(tools, needs);
    if (missing) {
      const blocked = section(title, '');
      blocked.blocked = missing;
      sections.push(blocked);
      log(`${title} not measured: ${missing}`);
      return;
    }
    const t = Date.now();
    log(`${title}…`);
    try {
      sections.push(await body());
    } catch (e) {
      const failed = section(title, '');
      failed.blocked = `the benchmark failed: ${(e as Error).stack ?? String(e)}`.replace(/\n/g, '\n    ');
      sections.push(failed);
      log(`${title} failed: ${(e as Error).message}`);
    }
    log(`${title} done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  };

  try {
    let repo: SignedRepository | undefined;
    const repository = () => (repo ??= makeSignedRepository(ctx));
    await measure('repository', 'Repository verify', ['helm'], () => repositoryVerify(ctx, repository()));
    await measure('cold', 'One cold verify', ['helm'], () => coldVerify(ctx, repository().archives[0]));
    await measure('hashing', 'Hashing', ['openssl'], () => hashing(ctx));
    await measure('sign', 'Sign', ['helm'], () => packageAndSign(ctx));
    await measure('lsp', 'Language server latency', ['helm'], () => lspLatency(ctx));
    await measure('workspace', 'Workspace scale', ['helm'], () => workspaceScale(ctx, makeWorkspace(ctx)));
    // Installs code-server, Node 24 and Chromium itself when they are missing, and says so when it cannot.
    await measure('activation', 'Extension activation', [], () => activation(ctx));
    await measure('sigstore', 'Sigstore verify', [], () => sigstoreVerify(ctx));
    await measure('oci', 'OCI registry', ['helm'], () => ociVerify(ctx));
  } finally {
    fixtures.dispose();
  }

  machine.rows.push(['Load average (1/5/15 min) at the end', loadAverage()]);
  const preamble = [
    'Each figure compares ours with an anchor (the real Helm 4.1.4, openssl, our own CLI) measured in the same run, interleaved,',
    'because this machine is shared and noisy: absolute times move between runs, ratios hold better. Every time is a median with',
    'its spread over N repetitions; a "miss" comes with a profile of where the time goes.',
  ].join(' ');
  const notes = [preamble];
  if (values.quick) notes.push('**Quick run** (`--quick`): fewer repetitions than the full bench; spreads are wide.');
  if (values.only) notes.push(`Partial run: only ${only.join(', ')}.`);
  if (charts !== undefined) {
    notes.push(`**Reduced run** (\`--charts=${charts}\`): ${ctx.sizes.repositoryCharts} charts in the repository and ${ctx.sizes.workspaceCharts} in the workspace instead of ${FULL_SIZES.repositoryCharts} and ${FULL_SIZES.workspaceCharts}; the targets are set for the full sizes.`);
  }
  if (tools.missing.size) notes.push(`**Tools missing on this machine**: ${[...tools.missing.values()].join('; ')}. The sections that need them are not measured; every other one is.`);
  const findings = parseFindings(fs.readFileSync(path.join(ctx.repoRoot, 'bench', 'findings.md'), 'utf8'));
  // A renamed figure would silently lose its analysis.
  const figureKeys = new Set(sections.flatMap((s) => s.figures.map((f) => `${s.title} / ${f.name}`)));
  for (const key of charts === undefined ? findings.keys() : []) {
    if (sections.some((s) => !s.blocked && key.startsWith(`${s.title} / `)) && !figureKeys.has(key)) log(`bench/findings.md: no figure "${key}"`);
  }
  const report = renderReport({
    machine, sections, generatedAt: new Date(), durationMs: Date.now() - started, command: 'npm run bench', preamble: notes,
    findings, findingsSource: 'bench/findings.md',
  });
  const out = path.resolve(values.out ?? path.join(ctx.repoRoot, 'docs', 'benchmarks.md'));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, report);
  log(`wrote ${out} (load average at start ${loadAtStart}, now ${loadAverage()})`);
  return sections.some((s) => s.blocked) ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (e) => { log((e as Error).stack ?? String(e)); process.exitCode = 2; });
