// The client's requests that change files or need keys: package, sign (which archive a chart's signing
// signs: signSource.ts), list signing keys, verify a detached signature. Thin over the engine; the
// passphrase comes from the client through a request and is never logged, stored or put into a
// message. Packaging and signing code is loaded on first use: most sessions only verify, and the
// server should start fast.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import type { Problem, Result } from '../provenance/codes';
import { verifyDetached } from '../provenance/detached';
import { loadKeyringFile } from '../provenance/keyring';
import { escapeUntrusted } from '../provenance/untrustedText';
import type { PackageResult as EnginePackageResult } from '../provenance/package';
import type { ArchiveToSign } from '../provenance/signSource';
import { folderHolding, gnupgHomeOf, isFullyQualified } from '../provenance/userPaths';
import { archiveNamedBy, CHART_YAML, fileRole } from './fileRoles';
import type { KeySet } from './keyStore';
import type {
  HelmProvenanceSettings, ListSigningKeysResult, PackageParams, PackageResult, PassphraseParams, RequestError, RequestResult,
  SignOrigin, SignParams, SignResult, SigningKeyItem, StatusParams, VerifyFileParams, VerifyFileResult,
} from './protocol';
import type { ResolvedPaths } from './pathSettings';
import { listSigningCandidates, signingSources, signWithChosenBackend, triedText, type PassphraseAnswer, type SigningCandidate, type SigningSources } from './signingFlow';
import { signerSummary } from './status';
import { isoDate } from './keyText';
import { pathToUri, uriToPath } from './uris';

export interface ActionContext {
  settings: HelmProvenanceSettings;
  /** The path settings, expanded and checked (pathSettings.ts). */
  paths: ResolvedPaths;
  /** Absolute output folders from the settings. */
  outputFolders: string[];
  workspaceFolders: string[];
  keys(): Promise<KeySet>;
  keysListing(ids: string[]): string[];
  /** Asks the client: the passphrase, or whether the user cancelled or the client cannot ask. */
  askPassphrase(params: Omit<PassphraseParams, 'recipientKey'>): Promise<PassphraseAnswer>;
  progress(message: string): void;
  /** Re-evaluates whatever `uri` belongs to after a write, and answers its status; undefined when cancelled (the server stops). */
  statusOf(uri: string): Promise<StatusParams | { error: string } | undefined>;
  /** The server wrote `file` (an open buffer of it is stale until the editor catches up). */
  wrote(file: string): void;
  /** A line for the output channel (what a failed request tried). */
  log(message: string): void;
  /** The chart evaluation for a Chart.yaml: does it need packaging, and where is its archive? */
  chartArchive(chartYaml: string): Promise<{ archive?: string; needsPackage: boolean }>;
}

/** The answer to a request that was cancelled: a JSON-RPC error the client ignores, never an error code of ours. */
export function requestCancelled(what: string): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, `${what} was cancelled.`);
}

function failure(code: string, message: string): { ok: false; error: RequestError } {
  return { ok: false, error: { code, message: escapeUntrusted(message, 2000) } };
}

function fromProblem(problem: Problem): { ok: false; error: RequestError } {
  return failure(problem.code, problem.message);
}

/** A Chart.yaml for a folder or Chart.yaml uri; undefined for anything else. */
async function chartYamlOf(file: string): Promise<string | undefined> {
  const candidate = fileRole(file) === 'chart' ? file : path.join(file, CHART_YAML);
  try {
    return (await fs.stat(candidate)).isFile() ? candidate : undefined;
  } catch {
    return undefined;
  }
}

/** A file a request names: a `file:` uri or an absolute path; never relative to the server's own folder. */
function requestedPath(value: string): string | undefined {
  return uriToPath(value) ?? (isFullyQualified(value, process.platform) ? path.normalize(value) : undefined);
}

/**
 * The folder an archive is written to: the request's, else the first output folder, else next to the
 * chart folder — unless that is outside every workspace folder (a chart at a workspace's root), then
 * inside the chart folder (packaging skips its own output), never above what was opened.
 */
function packageFolder(ctx: ActionContext, chartFolder: string, outDir: string | undefined): string | undefined {
  if (outDir) return requestedPath(outDir);
  if (ctx.outputFolders[0]) return ctx.outputFolders[0];
  const parent = path.dirname(chartFolder);
  return folderHolding(parent, ctx.workspaceFolders) !== undefined ? parent : chartFolder;
}

/** Packages the chart of `chartYaml` into `outDir` (the engine's result, for sign to pin its digest). */
async function packageInto(chartYaml: string, outDir: string, ctx: ActionContext): Promise<Result<EnginePackageResult>> {
  ctx.progress(`Packaging ${path.basename(path.dirname(chartYaml))}…`);
  await fs.mkdir(outDir, { recursive: true }).catch(() => undefined);
  const { packageChart } = await import('../provenance/package');
  const packaged = await packageChart(path.dirname(chartYaml), { outDir });
  if (packaged.ok) ctx.wrote(packaged.value.archivePath);
  return packaged;
}

/** The archive packaging would replace, when a `.prov` beside it signs it; undefined otherwise (or when planning fails: packaging says why). */
async function signedArchiveAt(chartYaml: string, outDir: string): Promise<string | undefined> {
  const plan = await (await import('../provenance/package')).planPackage(path.dirname(chartYaml), outDir);
  if (!plan.ok) return undefined;
  const prov = await fs.stat(`${plan.value.archivePath}.prov`).catch(() => undefined);
  return prov?.isFile() ? plan.value.archivePath : undefined;
}

export async function packageRequest(params: PackageParams, ctx: ActionContext): Promise<RequestResult<PackageResult>> {
  const file = uriToPath(params.uri);
  const chartYaml = file ? await chartYamlOf(file) : undefined;
  if (!chartYaml) return failure('chart-invalid', `${params.uri} is not a chart folder or a Chart.yaml.`);
  const outDir = packageFolder(ctx, path.dirname(chartYaml), params.outDir);
  if (!outDir) return failure('io-error', `The output folder ${escapeUntrusted(params.outDir ?? '')} is neither a file uri nor an absolute path.`);
  if (!params.replaceSigned) {
    const signed = await signedArchiveAt(chartYaml, outDir);
    if (signed) {
      return failure('archive-has-signature', `${signed} has a .prov next to it: packaging again replaces the archive, and that signature would no longer match it. Package and Sign replaces both.`);
    }
  }
  const packaged = await packageInto(chartYaml, outDir, ctx);
  if (!packaged.ok) {
    ctx.log(`Package Chart failed for ${escapeUntrusted(chartYaml)}: [${packaged.error.code}] ${escapeUntrusted(packaged.error.message, 2000)} Tried: chart folder ${escapeUntrusted(path.dirname(chartYaml))}, output folder ${escapeUntrusted(outDir)}`);
    return fromProblem(packaged.error);
  }
  await ctx.statusOf(pathToUri(chartYaml));
  return { ok: true, archive: pathToUri(packaged.value.archivePath), chart: { name: escapeUntrusted(packaged.value.name), version: escapeUntrusted(packaged.value.version) } };
}

function toItem(candidate: SigningCandidate, defaultKey: string): SigningKeyItem {
  const info = candidate.info;
  const wanted = defaultKey.replace(/\s+/g, '').toUpperCase();
  return {
    backend: candidate.backend,
    fingerprint: info.fingerprint,
    keyId: info.keyId,
    ...(info.primaryUserId ?? info.userIds[0] ? { uid: escapeUntrusted(info.primaryUserId ?? info.userIds[0]) } : {}),
    uids: info.userIds.map((u) => escapeUntrusted(u)),
    algorithm: (candidate.signingPart ?? info).algorithm,
    ...((candidate.signingPart ?? info).bits !== undefined ? { bits: (candidate.signingPart ?? info).bits } : {}),
    created: info.created.toISOString(),
    ...(info.expires ? { expires: isoDate(info.expires) } : {}),
    ...(candidate.signingPart ? { signingKey: candidate.signingPart.fingerprint } : {}),
    protected: candidate.passphraseProtected,
    usable: candidate.usable,
    ...(candidate.reason ? { reason: escapeUntrusted(candidate.reason, 500) } : {}),
    isDefault: wanted !== '' && (info.fingerprint === wanted || info.fingerprint.endsWith(wanted)),
  };
}

export async function listSigningKeysRequest(ctx: ActionContext): Promise<RequestResult<ListSigningKeysResult>> {
  const sources = signingSources(ctx.settings, ctx.paths);
  const list = await listSigningCandidates(sources);
  if (list.keys.length === 0) ctx.log(`Listing signing keys found none: ${triedText(sources, undefined, ctx.settings, ctx.paths)}`);
  return {
    ok: true,
    backend: ctx.settings.signingBackend,
    keys: list.keys.map((k) => toItem(k, ctx.settings.defaultSigningKey)),
    warnings: list.problems.map((p) => ({ code: p.code, message: escapeUntrusted(p.message, 2000) })),
    searched: { keyrings: sources.secretKeyrings.length ? sources.secretKeyrings : ctx.paths.secretKeyrings, gnupgHome: sources.gpg.gpgHome ?? gnupgHomeOf() },
  };
}

/** The key to sign with: the request's, else the default setting, else the only usable key. */
function chooseKey(requested: string | undefined, settings: HelmProvenanceSettings, list: { keys: SigningCandidate[] }): Result<{ query: string; candidate?: SigningCandidate }> {
  const query = requested?.trim() || settings.defaultSigningKey;
  if (query) {
    const compact = query.replace(/\s+/g, '').toUpperCase();
    return { ok: true, value: { query, candidate: list.keys.find((k) => k.info.fingerprint === compact) } };
  }
  const usable = list.keys.filter((k) => k.usable);
  if (usable.length === 1) return { ok: true, value: { query: usable[0].info.fingerprint, candidate: usable[0] } };
  const error: Problem = usable.length === 0
    ? { code: 'key-not-found', severity: 'error', message: `No usable signing key (${list.keys.length} secret keys found). Set helmProvenance.gnupgHome to the GnuPG home that holds your key, or helmProvenance.secretKeyring to an exported secret keyring.` }
    : { code: 'key-ambiguous', severity: 'error', message: `${usable.length} keys can sign: choose one (helmProvenance.defaultSigningKey, or Select Signing Key).` };
  return { ok: false, error };
}

/**
 * The archive Sign Chart signs for a chart (docs/security.md, "What Sign Chart signs"): a fresh package
 * for Package and Sign; otherwise the chart's archive only when it is what packaging the chart folder
 * writes now, and a fresh package when there is none.
 */
async function archiveOfChart(params: SignParams, chartYaml: string, ctx: ActionContext): Promise<Result<ArchiveToSign>> {
  const chartFolder = path.dirname(chartYaml);
  const outDir = packageFolder(ctx, chartFolder, params.outDir);
  if (!outDir) return { ok: false, error: { code: 'io-error', severity: 'error', message: `The output folder ${escapeUntrusted(params.outDir ?? '')} is neither a file uri nor an absolute path.` } };
  if (params.packageFirst) {
    const packaged = await packageInto(chartYaml, outDir, ctx);
    if (!packaged.ok) return packaged;
    const { archivePath, sha256, warnings } = packaged.value;
    return { ok: true, value: { archivePath, sha256, origin: { kind: 'packaged', chartDir: chartFolder }, warnings } };
  }
  const found = await ctx.chartArchive(chartYaml);
  const existing = found.needsPackage ? undefined : found.archive;
  if (!existing && params.packageIfNeeded === false) {
    return { ok: false, error: { code: 'missing-archive', severity: 'error', message: 'The chart is not packaged (or its archive is stale); package it first.' } };
  }
  ctx.progress(existing ? `Comparing ${path.basename(existing)} with the chart's source…` : `Packaging ${path.basename(chartFolder)}…`);
  const { archiveForChart } = await import('../provenance/signSource');
  return archiveForChart(chartFolder, existing ? path.dirname(existing) : outDir, {
    mayPackage: params.packageIfNeeded !== false,
    rebuildHint: 'Package Chart to rebuild it from the source, then sign (or Package and Sign).',
  });
}

/** A `.tgz` (or its `.prov`) named by the request, signed as it is. */
async function archiveAsNamed(file: string, ctx: ActionContext): Promise<ArchiveToSign | undefined> {
  const archivePath = archiveNamedBy(file);
  if (!archivePath) return undefined;
  ctx.progress(`Comparing ${path.basename(archivePath)} with a chart source next to it…`);
  return (await import('../provenance/signSource')).archiveAsGiven(archivePath);
}

async function originOf(toSign: ArchiveToSign): Promise<SignOrigin> {
  const { describeOrigin } = await import('../provenance/signSource');
  const { origin } = toSign;
  return { kind: origin.kind, ...('chartDir' in origin ? { chartFolder: pathToUri(path.resolve(origin.chartDir)) } : {}), message: describeOrigin(toSign) };
}

/** Signs, then checks the new signature; `tried.key` records the key chosen, for the failure's log line. */
async function signAndCheck(params: SignParams, ctx: ActionContext, sources: SigningSources, tried: { key?: string; archive?: string }): Promise<RequestResult<SignResult>> {
  const file = uriToPath(params.uri);
  if (!file) return failure('io-error', `${params.uri} is not a local file.`);
  // The key first, as the CLI does: a key that cannot be found leaves no freshly packaged archive behind.
  ctx.progress('Looking up the signing key…');
  // The keys are listed only to find the one to use when none is named (listing through gpg costs three runs).
  const named = params.key?.trim() || ctx.settings.defaultSigningKey;
  const chosen = chooseKey(named, ctx.settings, named ? { keys: [] } : await listSigningCandidates(sources));
  if (!chosen.ok) return fromProblem(chosen.error);
  const { query, candidate } = chosen.value;
  tried.key = query;

  const chartYaml = await chartYamlOf(file);
  let toSign: ArchiveToSign | undefined;
  if (chartYaml) {
    const chosenArchive = await archiveOfChart(params, chartYaml, ctx);
    if (!chosenArchive.ok) return fromProblem(chosenArchive.error);
    toSign = chosenArchive.value;
  } else {
    toSign = await archiveAsNamed(file, ctx);
  }
  if (!toSign) return failure('chart-invalid', `${params.uri} is not a chart folder, a Chart.yaml or a chart archive.`);
  const { archivePath, sha256: expectedSha256 } = toSign;
  tried.archive = archivePath;

  ctx.progress(`Signing ${path.basename(archivePath)}…`);
  let signed: Awaited<ReturnType<typeof signWithChosenBackend>> | undefined;
  try {
    signed = await signWithChosenBackend(archivePath, query, candidate, expectedSha256, sources, ctx);
  } finally {
    // Failed or cancelled (the passphrase prompt): an archive this request packaged is not left unsigned.
    if (!signed?.ok && toSign.origin.kind === 'packaged') await removePackaged(archivePath, ctx);
  }
  if (!signed.ok) return fromProblem(signed.error);
  ctx.wrote(signed.value.provPath);
  const status = await ctx.statusOf(pathToUri(chartYaml ?? signed.value.archivePath));
  if (!status) throw requestCancelled('Checking the new signature');
  if ('error' in status) return failure('io-error', status.error);
  const { backend, fingerprint, signingKey, uid, passphraseUnused } = signed.value;
  return {
    ok: true, archive: pathToUri(signed.value.archivePath), prov: pathToUri(signed.value.provPath),
    packaged: toSign.origin.kind === 'packaged', origin: await originOf(toSign), status,
    signedBy: { backend, fingerprint, signingKey, ...(uid !== undefined ? { uid: escapeUntrusted(uid) } : {}), ...(passphraseUnused ? { passphraseUnused } : {}) },
  };
}

async function removePackaged(archivePath: string, ctx: ActionContext): Promise<void> {
  await fs.rm(archivePath, { force: true });
  ctx.wrote(archivePath);
  ctx.log(`Removed the unsigned ${escapeUntrusted(archivePath)} that this Sign Chart packaged.`);
}

export async function signRequest(params: SignParams, ctx: ActionContext): Promise<RequestResult<SignResult>> {
  const sources = signingSources(ctx.settings, ctx.paths);
  const tried: { key?: string; archive?: string } = {};
  const result = await signAndCheck(params, ctx, sources, tried);
  if (!result.ok) {
    const archive = tried.archive ? `archive ${escapeUntrusted(tried.archive)}; ` : '';
    ctx.log(`Sign Chart failed for ${escapeUntrusted(params.uri)}: [${result.error.code}] ${result.error.message} Tried: ${archive}${triedText(sources, tried.key, ctx.settings, ctx.paths)}`);
  }
  return result;
}

/** The verdict's words when the keys came from the repository itself: a match with its own list, no more. */
function fromWorkspaceKeys(message: string, keyringPath: string): string {
  return `Verified against the repository's own KEYS (${escapeUntrusted(keyringPath)}): this proves only that the file matches that list, not who published it — a repository can list any key. ${message}`;
}

export async function verifyFileRequest(params: VerifyFileParams, ctx: ActionContext): Promise<RequestResult<VerifyFileResult>> {
  const file = uriToPath(params.file);
  const signature = uriToPath(params.signature);
  if (!file || !signature) return failure('io-error', 'The file and its signature must be local files.');
  let keys;
  let trusted = ctx.settings.trustedFingerprints;
  let keysFromWorkspace: string | undefined;
  if (params.keyring) {
    const keyringPath = requestedPath(params.keyring);
    if (!keyringPath) return failure('io-error', `The keyring ${escapeUntrusted(params.keyring)} is neither a file uri nor an absolute path.`);
    const loaded = await loadKeyringFile(keyringPath);
    if (!loaded.ok) return fromProblem(loaded.error);
    keys = loaded.value.keys;
    // The person chose this keyring for this one check: its keys are the ones asked about.
    trusted = [];
    if (folderHolding(keyringPath, ctx.workspaceFolders) !== undefined) keysFromWorkspace = keyringPath;
  } else {
    keys = (await ctx.keys()).keys;
  }
  ctx.progress(`Verifying ${path.basename(file)}…`);
  const outcome = await verifyDetached(file, signature, keys, { trustedFingerprints: trusted });
  const ids = outcome.signer ? [outcome.signer.fingerprint, outcome.signer.signingKey] : [];
  const verifiedByWorkspaceKeys = keysFromWorkspace !== undefined && outcome.verdict === 'verified';
  return {
    ok: true,
    verdict: outcome.verdict,
    code: outcome.code,
    message: escapeUntrusted(verifiedByWorkspaceKeys ? fromWorkspaceKeys(outcome.message, keysFromWorkspace!) : outcome.message, 2000),
    ...(outcome.signer ? { signer: signerSummary(outcome.signer, ctx.keysListing(ids)) } : {}),
    warnings: outcome.warnings.map((w) => ({ code: w.code, message: escapeUntrusted(w.message, 2000) })),
    ...(keysFromWorkspace ? { keysFromWorkspace: pathToUri(keysFromWorkspace) } : {}),
  };
}
