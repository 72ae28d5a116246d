// `helm-prov verify oci://…`, `helm-prov verify --repo URL chart --version V` and
// `helm-prov push x.tgz oci://…`: charts in OCI registries and classic chart repositories. Thin:
// options, credentials lookup and printing; the registry client and the checks are in server/src/oci/.
// Exit codes as `verify`: 0 verified or pushed, 1 rejected or failed, 2 usage error.
import * as path from 'node:path';
import type { CheckKey } from '../provenance/keyTypes';
import { escapeUntrusted, jsonLine } from '../provenance/untrustedText';
import { parseCommandArgs, UsageError, withUsage } from './args';
import { OCI_USAGE } from './familyUsage';
import { formatOutcome, outcomeJson } from './format';
import type { Io } from './io';
import { loadCheckKeys } from './loadKeys';
import { sigstoreVerdictLines } from './sigstoreFormat';
import { identityOptions } from './sigstoreTrust';
import { clientFor, connectionOptions, positiveNumber, refuseRemotePlainHttp, repoUrl, transportFor } from './registryOptions';

type Command = (args: string[], io: Io) => Promise<number>;

export const verifyOptions = {
  ...connectionOptions,
  keyring: { type: 'string', multiple: true },
  trust: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  destination: { type: 'string', short: 'd' },
  'max-layer-bytes': { type: 'string' },
  repo: { type: 'string' },
  version: { type: 'string' },
  'cosign-key': { type: 'string' },
  ...identityOptions,
} as const;

type VerifyValues = { [K in keyof typeof verifyOptions]?: (typeof verifyOptions)[K] extends { multiple: true } ? string[] : (typeof verifyOptions)[K]['type'] extends 'boolean' ? boolean : string };

/** The cosign trust the flags ask for (a key, or an identity and issuer), with the trusted root; undefined when none is asked. */
async function cosignTrust(values: VerifyValues) {
  const { trustFromFlags, trustedRootReader } = await import('./sigstoreTrust');
  const trust = await trustFromFlags(values, 'cosign-key', false);
  if (!trust) {
    if (values['trusted-root']) throw new UsageError('--trusted-root is for cosign signatures: give --cosign-key F or --certificate-identity and --certificate-oidc-issuer');
    return undefined;
  }
  if (trust.kind === 'key-error') throw new UsageError(trust.message);
  const { trustedRootForVerify } = await import('../sigstore/rootSelection');
  const root = await trustedRootForVerify({ file: values['trusted-root'], staging: false, read: await trustedRootReader() });
  if (!root.ok) throw new UsageError(`--trusted-root: ${root.error.message}`);
  return { trust, trustedRoot: root.value.trustedRoot, warnings: root.value.warnings };
}

type CosignOutcome = import('../oci/cosignSignatures').CosignOutcome;

/** What both remote verifications report, printed one way. */
export interface RemoteOutcome {
  reference: string; verdict: 'verified' | 'rejected'; code: string; message: string;
  warnings: { code: string; message: string }[]; openpgp?: import('../provenance/verify').Outcome; cosign?: CosignOutcome;
}

function cosignSigner(c: CosignOutcome): Record<string, string> | null {
  return !c.signer ? null : c.signer.kind === 'key' ? { key: c.signer.fingerprint } : { identity: c.signer.identity, issuer: c.signer.issuer };
}

function cosignJson(c: CosignOutcome | undefined) {
  if (!c) return null;
  return { verdict: c.verdict, code: c.code, signer: cosignSigner(c), tlog: c.tlog ? { logIndex: Number(c.tlog.logIndex), integratedTime: c.tlog.integratedTime ?? null } : null, message: c.message };
}

function cosignLine(c: CosignOutcome): string {
  const who = cosignSigner(c);
  if (c.verdict === 'verified') return `Cosign: verified, signed by ${who?.key ? `key ${who.key}` : `${escapeUntrusted(who?.identity ?? '', 500)} (issuer ${escapeUntrusted(who?.issuer ?? '', 500)})`}${c.tlog ? `, Rekor log index ${c.tlog.logIndex}` : ''}`;
  return `Cosign: ${sigstoreVerdictLines(c).join('\n')}`;
}

interface Fetched { outcome: RemoteOutcome; digests: string[]; save?: { name: string; chart: Buffer; prov?: Buffer }; release?: () => void }
/** What is printed for one reference: the chart's bytes are saved (or dropped) before, so the window holds none. */
interface RemoteResult { outcome: RemoteOutcome; digests: string[]; saved?: string; savedProv?: boolean; error?: string }

/** References verified at once: their downloads overlap, their output stays in order. */
const REMOTE_WINDOW = 8;

async function verifyRemote(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, verifyOptions);
  const { DEFAULT_MAX_LAYER_BYTES } = await import('../oci/limits');
  const maxLayerBytes = positiveNumber(values['max-layer-bytes'], 'max-layer-bytes') ?? DEFAULT_MAX_LAYER_BYTES;
  const jobs: ((keys: CheckKey[]) => Promise<Fetched>)[] = [];
  if (values.repo !== undefined) {
    if (positionals.length !== 1 || values.version === undefined) throw new UsageError('verify --repo URL takes one chart name and --version V');
    const url = repoUrl(values.repo, values['plain-http'] ?? false);
    if (url.startsWith('http:')) await refuseRemotePlainHttp(new URL(url).host);
    const transport = await transportFor(values);
    jobs.push(async (keys) => {
      const { verifyRepoChart } = await import('../oci/verifyRepoChart');
      const o = await verifyRepoChart(url, positionals[0], values.version!, transport, { keys, trustedFingerprints: values.trust, maxLayerBytes });
      return { outcome: o, digests: o.archiveUrl ? [`Archive URL: ${escapeUntrusted(o.archiveUrl, 2000)}`] : [], ...(o.fetched ? { save: { name: o.fetched.archiveName, chart: o.fetched.chart, prov: o.fetched.prov } } : {}) };
    });
  } else {
    if (values.version !== undefined) throw new UsageError('--version is for --repo; an oci:// reference names its version after ":"');
    if (positionals.length === 0) throw new UsageError('verify needs an oci:// reference');
    const { parseOciReference } = await import('../oci/reference');
    const refs = positionals.map((p) => {
      const ref = parseOciReference(p, true);
      if (!ref.ok) throw new UsageError(ref.error.message);
      return ref.value;
    });
    const cosign = await cosignTrust(values);
    const { ByteBudget } = await import('../oci/byteBudget');
    const budget = new ByteBudget(maxLayerBytes);
    // One client per registry: its tokens serve every chart there.
    const clients = new Map<string, import('../oci/registryClient').RegistryClient>();
    for (const ref of refs) {
      if (clients.has(ref.registry)) continue;
      const client = await clientFor(ref.registry, values, io);
      if (!client) return 1;
      clients.set(ref.registry, client);
    }
    for (const ref of refs) {
      const client = clients.get(ref.registry)!;
      jobs.push(async (keys) => {
        const { verifyOciChart, withCosign } = await import('../oci/verifyOciChart');
        let o = await verifyOciChart(ref, client, { keys, trustedFingerprints: values.trust, maxLayerBytes, budget });
        if (cosign && o.manifestDigest) {
          const { verifyCosignSignatures } = await import('../oci/cosignSignatures');
          o = withCosign(o, await verifyCosignSignatures(client, ref.repository, o.manifestDigest, cosign));
        }
        const { pulled, ...printed } = o;
        return { outcome: printed, digests: o.manifestDigest ? [`Manifest Digest: ${o.manifestDigest}`] : [], ...(pulled ? { save: { name: pulled.archiveName, chart: pulled.chart.bytes, ...(pulled.prov ? { prov: pulled.prov.bytes } : {}) }, release: pulled.release } : {}) };
      });
    }
  }
  const keys = await loadCheckKeys(values.keyring, io);
  if (!keys) return 1;
  let failed = 0;
  const pending: Promise<RemoteResult>[] = [];
  let next = 0;
  const launch = () => { if (next < jobs.length) pending.push(jobs[next++](keys).then((f) => saveAndRelease(f, values))); };
  for (let i = 0; i < REMOTE_WINDOW; i++) launch();
  while (pending.length > 0) {
    const result = await pending.shift()!;
    launch();
    if (!report(result, values, io)) failed++;
  }
  return failed ? 1 : 0;
}

/** Writes a verified chart to --destination when asked, then gives its bytes back to the run's budget. */
async function saveAndRelease(f: Fetched, values: VerifyValues): Promise<RemoteResult> {
  const result: RemoteResult = { outcome: f.outcome, digests: f.digests };
  try {
    if (f.outcome.verdict === 'verified' && values.destination && f.save) {
      const { writeFileAtomic } = await import('../provenance/atomicWrite');
      const target = path.join(values.destination, path.basename(f.save.name));
      const files: [string, Buffer][] = [[target, f.save.chart], ...(f.save.prov ? [[`${target}.prov`, f.save.prov] as [string, Buffer]] : [])];
      for (const [file, bytes] of files) {
        const written = await writeFileAtomic(file, bytes);
        if (!written.ok) return { ...result, error: written.error.message };
      }
      return { ...result, saved: target, savedProv: f.save.prov !== undefined };
    }
    return result;
  } finally {
    f.release?.();
  }
}

/** Prints one result; true when it verified (and was saved if asked). */
function report(result: RemoteResult, values: VerifyValues, io: Io): boolean {
  const o = result.outcome;
  const saved = result.saved;
  if (result.error) { io.err(`Error: ${escapeUntrusted(result.error, 2000)}`); return false; }
  if (values.json) {
    io.out(jsonLine({
      reference: o.reference, verdict: o.verdict, code: o.code,
      manifestDigest: (o as { manifestDigest?: string }).manifestDigest ?? null, archiveUrl: (o as { archiveUrl?: string }).archiveUrl ?? null,
      chartDigest: (o as { chartDigest?: string }).chartDigest ?? null,
      warnings: o.warnings.map((w) => w.code), openpgp: o.openpgp ? outcomeJson(o.openpgp) : null, cosign: cosignJson(o.cosign), saved: saved ?? null, message: o.message,
    }));
  } else {
    if (o.verdict === 'verified') {
      io.out(`${escapeUntrusted(o.reference, 2000)}: verified`);
      if (o.openpgp?.verdict === 'verified') io.out(formatOutcome(o.openpgp, false));
      else if (o.openpgp) io.out(`OpenPGP: ${o.openpgp.code} (no .prov layer; the cosign signature is what verified it)`);
    } else {
      io.out(`${escapeUntrusted(o.reference, 2000)}: rejected (${o.code})`);
      io.out(`  ${escapeUntrusted(o.message, 4000)}`);
    }
    for (const w of o.warnings.filter((w) => w.code === 'legacy-media-type')) io.out(`  warning (${w.code}): ${escapeUntrusted(w.message, 2000)}`);
    if (o.cosign) io.out(cosignLine(o.cosign));
    for (const line of result.digests) io.out(line);
    if (saved) io.out(`Saved: ${escapeUntrusted(saved, 2000)}${result.savedProv ? ' and its .prov' : ''}`);
  }
  return o.verdict === 'verified';
}

async function pushCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, connectionOptions);
  if (positionals.length !== 2) throw new UsageError('push takes a chart archive and an oci://host/repository');
  const [archive, repository] = positionals;
  const { readBoundedFile } = await import('../provenance/boundedRead');
  const { MAX_COMPRESSED_BYTES } = await import('../provenance/archiveLimits');
  const chartRead = readBoundedFile(archive, MAX_COMPRESSED_BYTES);
  if (!chartRead.ok) throw new UsageError(`${escapeUntrusted(chartRead.message, 2000)}`);
  const { readChartArchiveBytes } = await import('../provenance/archive');
  const chart = readChartArchiveBytes(chartRead.bytes, archive);
  if (!chart.ok) { io.err(`Error: ${escapeUntrusted(chart.error.message, 2000)} [${chart.error.code}]`); return 1; }
  // As helm push: the .prov beside the archive goes along when there is one.
  const { MAX_PROV_BYTES } = await import('../provenance/provDocument');
  const provRead = readBoundedFile(`${archive}.prov`, MAX_PROV_BYTES);
  if (!provRead.ok && provRead.reason !== 'missing') { io.err(`Error: ${escapeUntrusted(provRead.message, 2000)}`); return 1; }
  const { pushTarget, pushChart } = await import('../oci/pushChart');
  const target = pushTarget(repository, chart.value.metadata);
  if (!target.ok) throw new UsageError(target.error.message);
  const client = await clientFor(target.value.registry, values, io);
  if (!client) return 1;
  const pushed = await pushChart(client, target.value, chart.value.metadata, chartRead.bytes, provRead.ok ? provRead.bytes : undefined, new Date());
  if (!pushed.ok) { io.err(`Error: ${escapeUntrusted(pushed.error.message, 4000)} [${pushed.error.code}]`); return 1; }
  const { referenceText } = await import('../oci/reference');
  io.out(`Pushed: ${escapeUntrusted(referenceText(pushed.value.reference), 2000)}`);
  io.out(`Digest: ${pushed.value.manifestDigest}`);
  if (!pushed.value.provDigest) io.out(`Note: no ${escapeUntrusted(path.basename(archive), 2000)}.prov beside the archive: the chart was pushed unsigned.`);
  return 0;
}

/** Usage errors print the command's own usage entries (not every command's) and exit 2. */
function withOwnUsage(name: string, run: Command): Command {
  const entries = OCI_USAGE.split(/\n(?=  \S)/).filter((e) => e.trimStart().startsWith(`${name} `)).join('\n');
  return withUsage(entries, run, `\nRun "helm-prov ${name} --help" for more.`);
}

/** The registry commands; `verify` here is the remote one (helmProv.ts sends a local `verify` elsewhere). */
export const OCI_COMMANDS: Record<string, Command> = {
  verify: withOwnUsage('verify', verifyRemote),
  push: withOwnUsage('push', pushCommand),
  deps: withOwnUsage('deps', async (args, io) => (await import('./depsCommand')).depsCommand(args, io)),
};
