// `npm run fuzz`: every fuzz target for FUZZ_SECONDS seconds (default 60) each; prints the figures that
// docs/security.md quotes (executions, failures) and exits 1 if any input broke a property. FUZZ_SEED
// replays a run.
import { fuzz, fuzzTargets, type FuzzFigures } from './fuzz/targets';
import { registryTargets } from './fuzz/registryTargets';

async function main(): Promise<void> {
  const seconds = Number(process.env.FUZZ_SECONDS ?? 60);
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
  const all: FuzzFigures[] = [];
  for (const target of [...fuzzTargets, ...registryTargets]) {
    const figures = await fuzz(target, seconds, seed);
    all.push(figures);
    process.stdout.write(`${figures.target}: ${figures.executions} executions in ${figures.seconds.toFixed(0)} s, ${figures.failures} failures (seed ${figures.seed})\n`);
    if (figures.report) process.stdout.write(`${figures.report}\n`);
  }
  process.stdout.write(`${JSON.stringify(all.map(({ report: _report, ...f }) => f))}\n`);
  process.exitCode = all.some((f) => f.failures > 0) ? 1 : 0;
}

void main();
