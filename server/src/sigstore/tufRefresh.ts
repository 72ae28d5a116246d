// Refreshes the trusted root through TUF (tuf-js's Updater, the client workflow of the TUF spec):
// from the trusted TUF root in the cache, each newer root N+1, N+2, … must be signed by a threshold of
// the keys of the root before it and of its own; the final one must be unexpired; then timestamp,
// snapshot and targets, and the `trusted_root.json` target with the length and hashes they sign.
// Network only here, and through the product's one bounded HTTP client (net/boundedHttp.ts): http(s)
// only, each request 10 s, the whole refresh 60 s, each file at most the updater's per-role size
// (refused on its Content-Length, cut while it streams), at most 32 root rotations per refresh. A
// failed refresh keeps the cached root in use and says so, with its age.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Updater, type Fetcher } from 'tuf-js';
import { DownloadError, DownloadHTTPError, DownloadLengthMismatchError, ExpiredMetadataError, RepositoryError } from 'tuf-js/dist/error';
import { UnsignedMetadataError } from '@tufjs/models/dist/error';
import { makeHttpClient } from '../net/boundedHttp';
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
/** Redirects followed per request: a mirror behind a CDN may send one or two. */
const MAX_REDIRECTS = 5;

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

/**
 * tuf-js's Fetcher, given the size each role may have (maxLength), over the bounded client: a deadline
 * per request, cut to what is left of the whole refresh's. tuf-js's own BaseFetcher is not used: its
 * fetch(url) is not told maxLength, so it could only cut a body after reading it from a stream.
 * Redirects may go to another host (metadata and targets are signed and their lengths bound, wherever
 * they come from), never from HTTPS to HTTP; the mirror may be this machine because the user named it.
 */
class BoundedFetcher implements Fetcher {
  lastUrl = '';
  constructor(private readonly refreshEnds: number, private readonly timeoutMs: number) {}

  async downloadBytes(url: string, maxLength: number): Promise<Buffer> {
    this.lastUrl = url;
    const left = this.refreshEnds - Date.now();
    if (left <= 0) throw new DownloadError('the refresh took too long');
    const get = makeHttpClient({ deadlineMs: Math.min(this.timeoutMs, left), maxRedirects: MAX_REDIRECTS, crossHostRedirects: true, allowLoopback: true });
    const answer = await get({ method: 'GET', url, maxBytes: maxLength, what: escapeUntrusted(url, 300) });
    if (!answer.ok) throw answer.error.code === 'too-large' ? new DownloadLengthMismatchError(answer.error.message) : new DownloadError(answer.error.message);
    if (answer.value.status < 200 || answer.value.status >= 300) throw new DownloadHTTPError('Failed to download', answer.value.status);
    return answer.value.body;
  }

  async downloadFile<T>(url: string, maxLength: number, handler: (file: string) => Promise<T>): Promise<T> {
    const bytes = await this.downloadBytes(url, maxLength);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-prov-tuf-'));
    try {
      const file = path.join(dir, 'download');
      fs.writeFileSync(file, bytes, { mode: 0o600 });
      return await handler(file);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
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

  const fetcher = new BoundedFetcher(Date.now() + (request.refreshTimeoutMs ?? REFRESH_TIMEOUT_MS), request.fetchTimeoutMs ?? FETCH_TIMEOUT_MS);
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
