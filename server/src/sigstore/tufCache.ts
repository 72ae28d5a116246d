// Where refreshed trusted roots live and how they are read back: per mirror, under
// `$XDG_CACHE_HOME/helm-provenance/sigstore/` (else `~/.cache/…`), the TUF metadata the updater keeps
// (`metadata/root.json`, timestamp, snapshot, targets), the `trusted_root.json` target and the time
// it was fetched. `config.json` beside them names the mirror `sigstore init` chose. Verification
// reads only from here: it never touches the network.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '../provenance/atomicWrite';
import { readBoundedFile } from '../provenance/boundedRead';
import type { Result } from '../provenance/codes';
import { MAX_TRUSTED_ROOT_BYTES } from './limits';
import { parseUntrustedJson } from '../provenance/untrustedJson';

export const PUBLIC_GOOD_MIRROR = 'https://tuf-repo-cdn.sigstore.dev';
export const STAGING_MIRROR = 'https://tuf-repo-cdn.sigstage.dev';
/** TUF root metadata: the updater's own limit for one root. */
export const MAX_TUF_ROOT_BYTES = 512 * 1024;

export function sigstoreCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'helm-provenance', 'sigstore');
  return path.join(os.homedir(), '.cache', 'helm-provenance', 'sigstore');
}

/** One folder per mirror URL, named by it (encoded), so two mirrors never share metadata. */
export function mirrorDir(base: string, mirror: string): string {
  return path.join(base, encodeURIComponent(mirror.replace(/\/+$/, '')));
}

export const metadataDir = (dir: string) => path.join(dir, 'metadata');
export const targetsDir = (dir: string) => path.join(dir, 'targets');
export const trustedRootFile = (dir: string) => path.join(targetsDir(dir), 'trusted_root.json');
const fetchedAtFile = (dir: string) => path.join(dir, 'fetched-at');
const configFile = (base: string) => path.join(base, 'config.json');

export interface CachedRoot {
  mirror: string;
  /** The TUF root metadata in force: its version and expiry. */
  rootVersion: number;
  rootExpires: Date;
  /** When the trusted_root.json target was last fetched; undefined when it never was. */
  fetchedAt?: Date;
  trustedRootBytes?: Buffer;
}

/** The mirror `sigstore init` set, if any. */
export function configuredMirror(base: string): string | undefined {
  const read = readBoundedFile(configFile(base), 64 * 1024);
  if (!read.ok) return undefined;
  try {
    const mirror = (parseUntrustedJson(read.bytes.toString('utf8')) as { mirror?: unknown }).mirror;
    return typeof mirror === 'string' ? mirror : undefined;
  } catch {
    return undefined;
  }
}

export async function writeConfiguredMirror(base: string, mirror: string): Promise<Result<void>> {
  fs.mkdirSync(base, { recursive: true, mode: 0o700 });
  return writeFileAtomic(configFile(base), JSON.stringify({ mirror }, null, 2) + '\n', 0o600);
}

/** TUF root metadata's version and expiry from its bytes; undefined when it is not a root. */
export function rootFacts(bytes: Buffer): { version: number; expires: Date } | undefined {
  try {
    const signed = (parseUntrustedJson(bytes.toString('utf8')) as { signed?: { _type?: unknown; version?: unknown; expires?: unknown } }).signed;
    if (signed?._type !== 'root' || typeof signed.version !== 'number' || typeof signed.expires !== 'string') return undefined;
    const expires = new Date(signed.expires);
    return Number.isNaN(expires.getTime()) ? undefined : { version: signed.version, expires };
  } catch {
    return undefined;
  }
}

/**
 * The cache decides what is trusted: a folder another user could write to (or a symlink to one) is
 * not read, as bin/helm-prov.js does for its code cache. Windows has no such modes.
 */
function ownedAndPrivate(dir: string): boolean {
  try {
    const stat = fs.lstatSync(dir);
    if (!stat.isDirectory()) return false;
    if (process.platform === 'win32' || typeof process.getuid !== 'function') return true;
    return stat.uid === process.getuid() && (stat.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** What the cache holds for `mirror`, or undefined when it was never initialised. */
export function readCachedRoot(base: string, mirror: string): CachedRoot | undefined {
  const dir = mirrorDir(base, mirror);
  if (!ownedAndPrivate(dir)) return undefined;
  const root = readBoundedFile(path.join(metadataDir(dir), 'root.json'), MAX_TUF_ROOT_BYTES);
  const facts = root.ok ? rootFacts(root.bytes) : undefined;
  if (!facts) return undefined;
  const target = readBoundedFile(trustedRootFile(dir), MAX_TRUSTED_ROOT_BYTES);
  const stamp = readBoundedFile(fetchedAtFile(dir), 64);
  const fetchedAt = stamp.ok ? new Date(stamp.bytes.toString('latin1').trim()) : undefined;
  return {
    mirror,
    rootVersion: facts.version,
    rootExpires: facts.expires,
    ...(fetchedAt && !Number.isNaN(fetchedAt.getTime()) ? { fetchedAt } : {}),
    ...(target.ok ? { trustedRootBytes: target.bytes } : {}),
  };
}

export function writeFetchedAt(dir: string, when: Date): Promise<Result<void>> {
  return writeFileAtomic(fetchedAtFile(dir), when.toISOString() + '\n', 0o600);
}
