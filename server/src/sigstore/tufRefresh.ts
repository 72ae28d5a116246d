// Refreshes the trusted root through TUF (tuf-js's Updater, the client workflow of the TUF spec):
// from the trusted TUF root in the cache, each newer root N+1, N+2, … must be signed by a threshold of
// the keys of the root before it and of its own; the final one must be unexpired; then timestamp,
// snapshot and targets, and the `trusted_root.json` target with the length and hashes they sign.
// Network only here, and bounded: http(s) only, each request 10 s, the whole refresh 60 s, each file
// at most the updater's per-role size, at most 32 root rotations per refresh. A failed refresh keeps
// the cached root in use and says so, with its age.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BaseFetcher, Updater } from 'tuf-js';
import { DownloadHTTPError, ExpiredMetadataError, RepositoryError } from 'tuf-js/dist/error';
import { UnsignedMetadataError } from '@tufjs/models/dist/error';
import { escapeUntrusted } from '../provenance/untrustedText';
import type { SigstoreOutcomeCode, SigstoreWarning } from './codes';
import { MAX_TRUSTED_ROOT_BYTES } from './limits';
import { mirrorFor, refreshCommand } from './rootSelection';
import { parseTrustedRoot } from './trustedRoot';
import {
  configuredMirror, metadataDir, mirrorDir, PUBLIC_GOOD_MIRROR, readCachedRoot, rootFacts, STAGING_MIRROR, targetsDir,
  trustedRootFile, writeConfiguredMirror, writeFetchedAt,
} from './tufCache';
import publicGoodTufRoot from './data/public-good.root.json';
import stagingTufRoot from './data/staging.root.json';

export const FETCH_TIMEOUT_MS = 10_000;
export const REFRESH_TIMEOUT_MS = 60_000;
export const MAX_ROOT_ROTATIONS = 32;

export interface RefreshRequest {
  base: string;
  /** Default: the mirror `sigstore init` set, else public-good. */
  mirror?: string;
  /** `sigstore init`: the TUF root to start from, trusted as given. */
  initialRoot?: Buffer;
  now: Date;
  fetchTimeoutMs?: number;
  refreshTimeoutMs?: number;
}

export type RefreshResult =
  | { ok: true; message: string; warnings: SigstoreWarning[]; mirror: string; rootVersion: number }
  | { ok: false; code: SigstoreOutcomeCode; message: string; warnings: SigstoreWarning[] };

/** Fetches with a deadline for the whole refresh and one per request; only http(s), no redirects elsewhere. */
class BoundedFetcher extends BaseFetcher {
  lastUrl = '';
  constructor(private readonly deadline: AbortSignal, private readonly timeoutMs: number) { super(); }

  async fetch(url: string): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
    this.lastUrl = url;
    if (!/^https?:\/\//i.test(url)) throw new Error(`refusing to fetch ${url}: only http(s) mirrors are used`);
    const response = await fetch(url, { signal: AbortSignal.any([this.deadline, AbortSignal.timeout(this.timeoutMs)]) });
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new DownloadHTTPError('Failed to download', response.status);
    }
    return response.body as ReadableStream<Uint8Array<ArrayBuffer>>;
  }
}

function shippedTufRoot(mirror: string): Buffer | undefined {
  if (mirror === PUBLIC_GOOD_MIRROR) return Buffer.from(JSON.stringify(publicGoodTufRoot));
  if (mirror === STAGING_MIRROR) return Buffer.from(JSON.stringify(stagingTufRoot));
  return undefined;
}

export async function refreshTrustedRoot(request: RefreshRequest): Promise<RefreshResult> {
  const mirror = (request.mirror ?? configuredMirror(request.base) ?? PUBLIC_GOOD_MIRROR).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]/i.test(mirror)) return { ok: false, code: 'mirror-unreachable', message: `The mirror must be an http(s) URL, not "${escapeUntrusted(mirror)}".`, warnings: [] };
  const dir = mirrorDir(request.base, mirror);
  const metadata = metadataDir(dir);
  fs.mkdirSync(metadata, { recursive: true, mode: 0o700 });
  fs.mkdirSync(targetsDir(dir), { recursive: true, mode: 0o700 });
  const rootFile = path.join(metadata, 'root.json');
  const seed = request.initialRoot ?? (fs.existsSync(rootFile) ? undefined : shippedTufRoot(mirror));
  if (seed) {
    if (!rootFacts(seed)) return { ok: false, code: 'root-rotation-invalid', message: 'The TUF root given is not TUF root metadata (a JSON object with a signed root).', warnings: [] };
    fs.writeFileSync(rootFile, seed, { mode: 0o600 });
  } else if (!fs.existsSync(rootFile)) {
    return { ok: false, code: 'root-rotation-invalid', message: `Nothing is trusted for ${escapeUntrusted(mirror)} yet: start with helm-prov sigstore init --mirror ${escapeUntrusted(mirror)} --root root.json.`, warnings: [] };
  }
  const before = readCachedRoot(request.base, mirror);

  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error('the refresh took too long')), request.refreshTimeoutMs ?? REFRESH_TIMEOUT_MS);
  const fetcher = new BoundedFetcher(deadline.signal, request.fetchTimeoutMs ?? FETCH_TIMEOUT_MS);
  try {
    const updater = new Updater({
      metadataDir: metadata, metadataBaseUrl: mirror, targetDir: targetsDir(dir), targetBaseUrl: `${mirror}/targets`, fetcher,
      config: { maxRootRotations: MAX_ROOT_ROTATIONS },
    });
    await updater.refresh();
    const info = await updater.getTargetInfo('trusted_root.json');
    if (!info) return failure('trusted-root-invalid', `${escapeUntrusted(mirror)} signs no trusted_root.json target: it is not a Sigstore TUF repository.`, before, mirror);
    if (info.length > MAX_TRUSTED_ROOT_BYTES) return failure('trusted-root-invalid', `${escapeUntrusted(mirror)}'s trusted_root.json is ${info.length} bytes, over the ${MAX_TRUSTED_ROOT_BYTES}-byte limit.`, before, mirror);
    const target = trustedRootFile(dir);
    if (!(await updater.findCachedTarget(info, target))) {
      const temp = `${target}.${process.pid}.download`;
      await updater.downloadTarget(info, temp);
      const checked = parseTrustedRoot(fs.readFileSync(temp), `from ${mirror}`);
      if (!checked.ok) {
        fs.rmSync(temp, { force: true });
        return failure('trusted-root-invalid', checked.error.message, before, mirror);
      }
      fs.renameSync(temp, target);
    }
    await writeFetchedAt(dir, request.now);
    if (request.initialRoot) await writeConfiguredMirror(request.base, mirror);
    const after = readCachedRoot(request.base, mirror)!;
    const rotated = before && before.rootVersion !== after.rootVersion ? ` (was v${before.rootVersion}: ${after.rootVersion - before.rootVersion} rotation(s) followed)` : '';
    return {
      ok: true, warnings: [], mirror, rootVersion: after.rootVersion,
      message: `Trusted root refreshed from ${escapeUntrusted(mirror)}: TUF root v${after.rootVersion}${rotated}, expires ${after.rootExpires.toISOString()}.`,
    };
  } catch (e) {
    return classify(e, fetcher.lastUrl, request.base, before, mirror);
  } finally {
    clearTimeout(timer);
  }
}

function failure(code: SigstoreOutcomeCode, message: string, before: ReturnType<typeof readCachedRoot>, mirror: string): RefreshResult {
  const warnings: SigstoreWarning[] = [];
  if (before?.trustedRootBytes) {
    const fetched = before.fetchedAt ? `fetched ${before.fetchedAt.toISOString()}` : 'fetched at an unknown time';
    warnings.push({ code: 'root-from-cache', message: `The cached trusted root from ${escapeUntrusted(mirror)} stays in use (TUF root v${before.rootVersion}, ${fetched}, expires ${before.rootExpires.toISOString()}).` });
  }
  return { ok: false, code, message, warnings };
}

function classify(e: unknown, lastUrl: string, base: string, before: ReturnType<typeof readCachedRoot>, mirror: string): RefreshResult {
  const detail = escapeUntrusted((e as Error)?.message ?? String(e), 300);
  const rootStep = /\/(\d+)\.root\.json$/.exec(lastUrl);
  if (e instanceof ExpiredMetadataError) {
    if (/root/i.test(detail)) {
      const newest = readCachedRoot(base, mirror) ?? before;
      const when = newest ? ` v${newest.rootVersion} expired on ${newest.rootExpires.toISOString()}` : ' expired';
      return failure('root-expired', `The newest TUF root ${escapeUntrusted(mirror)} offers is expired (root${when}) and no newer one is published: the trusted root cannot be refreshed. Ask the repository's operators, or pass --trusted-root F.`, before, mirror);
    }
    return failure('root-expired', `${escapeUntrusted(mirror)}'s TUF metadata is expired (${detail}): the repository is not being kept up to date.`, before, mirror);
  }
  if (rootStep && (e instanceof UnsignedMetadataError || e instanceof RepositoryError)) {
    return failure('root-rotation-invalid', `Root v${rootStep[1]} from ${escapeUntrusted(mirror)} does not verify (${detail}): a new root must be signed by a threshold of the previous root's keys and of its own. Nothing from it was trusted.`, before, mirror);
  }
  if (e instanceof UnsignedMetadataError || e instanceof RepositoryError) {
    return failure('trusted-root-invalid', `${escapeUntrusted(mirror)}'s TUF metadata does not verify (${detail}).`, before, mirror);
  }
  const status = e instanceof DownloadHTTPError ? ` (HTTP ${e.statusCode})` : '';
  return failure('mirror-unreachable', `${escapeUntrusted(mirror)} could not be reached or read${status}: ${detail}. Try again later, or another mirror (--mirror URL).`, before, mirror);
}

export interface RootInUse {
  usable: boolean;
  source: 'cache' | 'shipped' | 'none';
  mirror: string;
  rootVersion: number | null;
  rootExpires: string | null;
  fetchedAt: string | null;
  ageDays: number | null;
  summary: string;
}

/** What `helm-prov sigstore root` prints: which trusted root a verification would use now. */
export function describeRootInUse(base: string, staging: boolean, now: Date): RootInUse {
  const mirror = mirrorFor(staging, base);
  const cached = readCachedRoot(base, mirror);
  if (cached?.trustedRootBytes) {
    const ageDays = cached.fetchedAt ? Math.floor((now.getTime() - cached.fetchedAt.getTime()) / 86_400_000) : null;
    const usable = cached.rootExpires.getTime() > now.getTime();
    return {
      usable, source: 'cache', mirror, rootVersion: cached.rootVersion, rootExpires: cached.rootExpires.toISOString(),
      fetchedAt: cached.fetchedAt?.toISOString() ?? null, ageDays,
      summary: `Trusted root: from ${escapeUntrusted(mirror)}, TUF root v${cached.rootVersion}, expires ${cached.rootExpires.toISOString()}${usable ? '' : ' (EXPIRED: root-expired)'}; fetched ${cached.fetchedAt?.toISOString() ?? 'at an unknown time'}${ageDays !== null ? ` (${ageDays} days ago)` : ''}. Refresh: ${staging ? refreshCommand(true) : 'helm-prov sigstore update-root'}.`,
    };
  }
  const shipped = shippedTufRoot(mirror);
  const facts = shipped ? rootFacts(shipped) : undefined;
  if (!facts) {
    return { usable: false, source: 'none', mirror, rootVersion: null, rootExpires: null, fetchedAt: null, ageDays: null, summary: `No trusted root for ${escapeUntrusted(mirror)} yet: run helm-prov sigstore update-root.` };
  }
  const usable = facts.expires.getTime() > now.getTime();
  return {
    usable, source: 'shipped', mirror, rootVersion: facts.version, rootExpires: facts.expires.toISOString(), fetchedAt: null, ageDays: null,
    summary: `Trusted root: shipped with Helm Provenance (${staging ? 'staging' : 'public-good'}), beside TUF root v${facts.version} (expires ${facts.expires.toISOString()}${usable ? '' : ', EXPIRED: root-expired'}); never refreshed. Refresh: ${staging ? refreshCommand(true) : 'helm-prov sigstore update-root'}.`,
  };
}
