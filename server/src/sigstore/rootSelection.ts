// Which trusted root a verification uses, in this order: `--trusted-root F`; the root refreshed
// through TUF into the cache (for the mirror `sigstore init` chose, else public-good or staging)
// while its TUF root metadata is unexpired; else the root shipped with Helm Provenance while the
// TUF root shipped beside it is unexpired. An expired one is `root-expired` with its date and the
// command that refreshes it: Sigstore rotates keys, and an old root would trust retired ones.
import { fail, ok, type Result } from '../provenance/codes';
import { escapeUntrusted } from '../provenance/untrustedText';
import type { SigstoreWarning } from './codes';
import { configuredMirror, PUBLIC_GOOD_MIRROR, readCachedRoot, rootFacts, sigstoreCacheDir, STAGING_MIRROR } from './tufCache';
import { parseTrustedRoot, shippedTrustedRoot, type LoadedTrustedRoot } from './trustedRoot';
import publicGoodTufRoot from './data/public-good.root.json';
import stagingTufRoot from './data/staging.root.json';

/** A cached root older than this earns a warning (Sigstore's timestamp metadata lasts about a week). */
export const STALE_AFTER_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;

export interface RootChoice { trustedRoot: LoadedTrustedRoot; warnings: SigstoreWarning[] }

export interface RootRequest {
  file?: string;
  staging: boolean;
  read: (file: string) => Buffer;
  now?: Date;
  cacheDir?: string;
  /** The TUF mirror whose cached root is wanted (the editor's setting); default: mirrorFor(). */
  mirror?: string;
}

export function refreshCommand(staging: boolean): string {
  return staging ? `helm-prov sigstore update-root --mirror ${STAGING_MIRROR}` : 'helm-prov sigstore update-root';
}

/** The mirror a verification reads from: staging's, else the one `sigstore init` chose, else public-good's. */
export function mirrorFor(staging: boolean, cacheDir: string): string {
  return staging ? STAGING_MIRROR : configuredMirror(cacheDir) ?? PUBLIC_GOOD_MIRROR;
}

export async function trustedRootForVerify(request: RootRequest): Promise<Result<RootChoice>> {
  const now = request.now ?? new Date();
  if (request.file) {
    const parsed = parseTrustedRoot(request.read(request.file), request.file);
    return parsed.ok ? ok({ trustedRoot: parsed.value, warnings: [] }) : parsed;
  }
  const base = request.cacheDir ?? sigstoreCacheDir();
  const mirror = request.mirror || mirrorFor(request.staging, base);
  const cached = readCachedRoot(base, mirror);
  const command = request.staging ? refreshCommand(true) : 'helm-prov sigstore update-root';
  if (cached?.trustedRootBytes) {
    if (cached.rootExpires.getTime() <= now.getTime()) {
      return fail('root-expired', `The trusted root from ${escapeUntrusted(mirror)} (TUF root v${cached.rootVersion}) expired on ${cached.rootExpires.toISOString()} and has not been refreshed since ${cached.fetchedAt?.toISOString() ?? 'it was cached'}: refresh it with ${command} (network), or pass --trusted-root F.`);
    }
    const parsed = parseTrustedRoot(cached.trustedRootBytes, `from ${mirror} (TUF root v${cached.rootVersion}, fetched ${cached.fetchedAt?.toISOString() ?? 'at an unknown time'})`);
    if (!parsed.ok) return parsed;
    const warnings: SigstoreWarning[] = [];
    const ageDays = cached.fetchedAt ? Math.floor((now.getTime() - cached.fetchedAt.getTime()) / DAY_MS) : undefined;
    if (ageDays !== undefined && ageDays >= STALE_AFTER_DAYS) {
      warnings.push({ code: 'root-stale', message: `The trusted root was last refreshed ${ageDays} days ago (${cached.fetchedAt!.toISOString()}); keys rotated since are unknown to it. Refresh it with ${command}.` });
    }
    return ok({ trustedRoot: parsed.value, warnings });
  }
  if (mirror !== PUBLIC_GOOD_MIRROR && mirror !== STAGING_MIRROR) {
    return fail('root-expired', `No trusted root has been fetched yet from ${escapeUntrusted(mirror)} (set by helm-prov sigstore init): run helm-prov sigstore update-root.`);
  }
  const shippedTuf = rootFacts(Buffer.from(JSON.stringify(request.staging ? stagingTufRoot : publicGoodTufRoot)));
  if (shippedTuf && shippedTuf.expires.getTime() <= now.getTime()) {
    return fail('root-expired', `The trusted root shipped with Helm Provenance is past the expiry of its TUF root (v${shippedTuf.version}, ${shippedTuf.expires.toISOString()}): refresh it with ${command} (network), or pass --trusted-root F.`);
  }
  return ok({ trustedRoot: shippedTrustedRoot(request.staging ? 'staging' : 'public-good'), warnings: [] });
}
