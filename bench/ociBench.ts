// Charts in an OCI registry (issue 15): `helm-prov verify oci://…` of 50 charts against a loop of the real
// `helm pull --verify`, and the dependency lens of a Chart.yaml with 20 dependencies, cold (a fresh
// server) and warm (re-opened), in the language server (the bundle dist/server.js). The registry is
// Debian's docker-registry (CNCF distribution 2.8) on loopback, started here as the tests start it
// (test/support/registry.ts); the charts are made by `helm create`, signed by `helm package --sign` and
// pushed by `helm push`, so their `.prov` travels as Helm's own layer.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHECKING_DEPENDENCY_TITLE } from '../server/src/lsp/dependencyLens';
import { LspSession } from '../test/lsp/lspSession';
import { startRegistry, type RunningRegistry } from '../test/support/registry';
import type { BenchContext } from './context';
import { SIGNER } from './fixtures';
import { section, type Row, type Section } from './report';
import { elapsedMs, interleave, summarize, timeProcess } from './stats';

const CHARTS = 50;
const DEPENDENCIES = 20;
const SPEEDUP_TARGET = 5;
const COLD_TARGET_MS = 2000;
const WARM_TARGET_MS = 50;
/** How often the lenses are asked while dependencies are being fetched. */
const POLL_MS = 5;

function row(label: string, samples: number[]): Row {
  return { label, unit: 'ms', summary: summarize(samples) };
}

interface PushedCharts { registry: RunningRegistry; names: string[]; version: string }

function pushCharts(ctx: BenchContext, registry: RunningRegistry): PushedCharts {
  const archivesDir = ctx.fixtures.dir('oci-archives');
  ctx.fixtures.signedCharts(ctx.fixtures.dir('oci-sources'), archivesDir, CHARTS, 'oci');
  const archives = fs.readdirSync(archivesDir).filter((f) => f.endsWith('.tgz')).sort();
  if (archives.length !== CHARTS || archives.some((a) => !fs.existsSync(path.join(archivesDir, `${a}.prov`)))) throw new Error(`setup: expected ${CHARTS} signed archives`);
  for (const a of archives) ctx.fixtures.helm.run(['push', path.join(archivesDir, a), `oci://${registry.host}/charts`, '--plain-http']);
  const parsed = archives.map((a) => /^(.*)-(\d+\.\d+\.\d+)\.tgz$/.exec(a)!);
  return { registry, names: parsed.map((m) => m[1]), version: parsed[0][2] };
}

/** An environment with no one's registry credentials in it. */
function noCredentials(ctx: BenchContext): NodeJS.ProcessEnv {
  return { DOCKER_CONFIG: ctx.fixtures.dir('oci-docker-config'), HELM_REGISTRY_CONFIG: path.join(ctx.fixtures.dir('oci-helm-registry'), 'config.json') };
}

export async function ociVerify(ctx: BenchContext): Promise<Section> {
  const s = section('OCI registry', [
    `${CHARTS} charts made by \`helm create\`, signed by \`helm package --sign\` (RSA 2048) and pushed by \`helm push\` (Helm 4.1.4) to a docker-registry 2.8 on loopback.`,
    `Ours: one process, \`helm-prov verify oci://<host>/charts/<name>:<version>… --plain-http --keyring <ring>\` with the ${CHARTS} references`,
    `(${ctx.cliEntryDescription}; manifest, chart layer and \`.prov\` layer pulled into memory, nothing written).`,
    `Anchor: the real \`helm pull oci://<host>/charts/<name> --version <v> --verify --keyring <ring> --plain-http -d <dir>\`, once per chart in a loop.`,
    `Both must report every chart verified, or the bench stops. ${ctx.reps.repositoryRounds} rounds, interleaved.`,
    `Then the dependency lens: a Chart.yaml with ${DEPENDENCIES} \`oci://\` dependencies (charts of the same registry) opened in the language server;`,
    `timed from didOpen to the first CodeLens answer in which no lens says "${CHECKING_DEPENDENCY_TITLE}" (asked every ${POLL_MS} ms). Cold: a fresh server each time`,
    `(nothing cached, the keyring read, ${DEPENDENCIES} charts fetched four at a time); warm: the same document closed and opened again in that server.`,
  ].join(' '));
  const registry = await startRegistry();
  try {
    const pushed = pushCharts(ctx, registry);
    const refs = pushed.names.map((n) => `oci://${registry.host}/charts/${n}:${pushed.version}`);
    const perPull: number[] = [];
    let round = 0;
    const samples = interleave(ctx.reps.repositoryRounds, 0, {
      ours: () => {
        const run = timeProcess(process.execPath, [ctx.cliLauncher, 'verify', ...refs, '--plain-http', '--keyring', SIGNER.publicKeyring], { env: { ...ctx.cliEnv, ...noCredentials(ctx) } });
        const verified = (run.stdout.match(/^oci:\/\/\S+: verified$/gm) ?? []).length;
        if (run.status !== 0 || verified !== CHARTS) throw new Error(`helm-prov verify oci://: exit ${run.status}, ${verified}/${CHARTS} verified: ${(run.stderr || run.stdout).slice(-1500)}`);
        return run.ms;
      },
      helm: () => {
        const dest = ctx.fixtures.dir(`oci-pulled-${round++}`);
        let total = 0;
        for (const name of pushed.names) {
          const ms = ctx.fixtures.helm.run(['pull', `oci://${registry.host}/charts/${name}`, '--version', pushed.version, '--verify', '--keyring', SIGNER.publicKeyring, '--plain-http', '-d', dest]);
          perPull.push(ms);
          total += ms;
        }
        return total;
      },
    });
    const ours = row(`helm-prov verify, ${CHARTS} oci:// references, one process`, samples.ours);
    const anchor = row(`helm pull --verify × ${CHARTS} processes`, samples.helm);
    const speedup = anchor.summary.median / ours.summary.median;
    s.figures.push({ name: `${CHARTS} charts from a registry`, ours, anchor, ratio: `${speedup.toFixed(1)}× faster than Helm`, target: { text: `≥ ${SPEEDUP_TARGET}× faster`, pass: speedup >= SPEEDUP_TARGET } });
    s.extraRows.push(row('one helm pull --verify process (each call of the loop)', perPull));

    const { cold, warm } = await dependencyLenses(ctx, pushed);
    const coldRow = row(`didOpen → ${DEPENDENCIES} dependency lenses resolved, fresh server`, cold);
    const warmRow = row(`didOpen → ${DEPENDENCIES} dependency lenses resolved, re-opened (cached)`, warm);
    s.figures.push({ name: `${DEPENDENCIES} dependency lenses, cold`, ours: coldRow, target: { text: `≤ ${COLD_TARGET_MS} ms`, pass: coldRow.summary.median <= COLD_TARGET_MS } });
    s.figures.push({ name: `${DEPENDENCIES} dependency lenses, warm`, ours: warmRow, target: { text: `≤ ${WARM_TARGET_MS} ms`, pass: warmRow.summary.median <= WARM_TARGET_MS } });
  } finally {
    await registry.stop();
  }
  return s;
}

/** The time from didOpen until no lens is checking any more; every dependency must then be verified. */
async function openUntilResolved(session: LspSession, file: string, text: string): Promise<number> {
  const start = process.hrtime.bigint();
  const uri = await session.open(file, 'yaml', text);
  for (;;) {
    const titles = (await session.codeLens(uri)).map((l) => l.command?.title ?? '');
    if (titles.length > 0 && !titles.includes(CHECKING_DEPENDENCY_TITLE)) {
      const ms = elapsedMs(start);
      const verified = titles.filter((t) => t.startsWith('✓ ')).length;
      if (verified !== DEPENDENCIES) throw new Error(`${verified}/${DEPENDENCIES} dependency lenses verified: ${JSON.stringify(titles).slice(0, 1500)}`);
      await session.close(uri);
      return ms;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function dependencyLenses(ctx: BenchContext, pushed: PushedCharts): Promise<{ cold: number[]; warm: number[] }> {
  const dir = ctx.fixtures.dir('oci-parent');
  const file = path.join(dir, 'Chart.yaml');
  const text = ['apiVersion: v2', 'name: parent', 'version: 1.0.0', 'dependencies:',
    ...pushed.names.slice(0, DEPENDENCIES).map((n) => `  - name: ${n}\n    version: ${pushed.version}\n    repository: oci://${pushed.registry.host}/charts`), ''].join('\n');
  fs.writeFileSync(file, text);
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < ctx.reps.repositoryRounds + 2; i++) {
    const session = await LspSession.start({ settings: { keyrings: [SIGNER.publicKeyring] }, env: { GNUPGHOME: ctx.gnupgHome, XDG_CACHE_HOME: ctx.cacheHome, ...noCredentials(ctx) } });
    try {
      cold.push(await openUntilResolved(session, file, text));
      for (let j = 0; j < Math.ceil(ctx.reps.lspOpens / 4); j++) warm.push(await openUntilResolved(session, file, text));
    } finally {
      await session.stop();
    }
  }
  return { cold, warm };
}
