// Paths a person writes in settings, and where GnuPG keeps its files. A path setting is expanded the
// way people write it in VS Code (`~`, `$HOME`, `${env:VAR}`, `${userHome}`) and must then be absolute:
// a relative path would resolve against whatever folder the process runs in — for an editor, often the
// repository just opened — so it is refused, never guessed. In an untrusted workspace a path inside
// one of its folders is refused too: a repository must not supply keys, a GnuPG home or a program.
// No editor imports: the language server and the VS Code client both use this one module, so the
// client watches exactly the keyrings the server reads.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { escapeUntrusted } from './untrustedText';

/** What expansion and the checks depend on; `currentPathContext()` is the running process's. */
export interface PathContext {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** `~` and `${userHome}`. */
  homedir: string;
  /** Workspace folders that are not trusted (Restricted Mode): nothing may resolve inside them. */
  untrustedFolders: readonly string[];
}

export function currentPathContext(untrustedFolders: readonly string[] = []): PathContext {
  return { env: process.env, platform: process.platform, homedir: os.homedir(), untrustedFolders };
}

export type UserPath = { ok: true; path: string } | { ok: false; reason: string };

/** A path setting that was not used, and why. */
export interface PathRefusal { setting: string; value: string; reason: string }

/** The refusal as a message; the value and the folders it names come from settings and the workspace, so it is escaped. */
export function refusalMessage(refusal: PathRefusal): string {
  return escapeUntrusted(`${refusal.setting}: "${refusal.value}" is not used: ${refusal.reason}`, 2000);
}

const pathOf = (platform: NodeJS.Platform): path.PlatformPath => (platform === 'win32' ? path.win32 : path.posix);

/** Windows names environment variables case-insensitively; a plain object (tests, a copy) does not. */
function envValue(env: NodeJS.ProcessEnv, name: string, platform: NodeJS.Platform): string | undefined {
  if (platform !== 'win32') return env[name];
  const key = Object.keys(env).find((k) => k.toUpperCase() === name.toUpperCase());
  return key === undefined ? undefined : env[key];
}

/**
 * Absolute in the strict sense: `/…` on POSIX; a drive and a separator (`C:\…`) or a UNC share
 * (`\\server\share`) on Windows, where `\x` and `C:x` depend on the current drive or folder.
 */
export function isFullyQualified(p: string, platform: NodeJS.Platform): boolean {
  if (platform !== 'win32') return p.startsWith('/');
  return /^[A-Za-z]:[\\/]/.test(p) || /^[\\/]{2}[^\\/]+[\\/]+[^\\/]+/.test(p);
}

/** `~` at the start (then `/` or the end; on Windows `\` too), `${userHome}`, `${env:NAME}`, `${NAME}`, `$NAME`. */
const POSIX_EXPANSIONS = /^~(?=$|\/)|\$\{userHome\}|\$\{env:([^}]*)\}|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;
const WINDOWS_EXPANSIONS = /^~(?=$|[\\/])|\$\{userHome\}|\$\{env:([^}]*)\}|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

const NOT_ABSOLUTE = 'it is not an absolute path (after expanding ~, $HOME, ${env:NAME} and ${userHome}), and a relative path would depend on the folder the process runs in. Write it in full, e.g. ~/.gnupg/pubring.gpg.';

/**
 * `value` with `~` (at the start), `${userHome}`, `$NAME`, `${NAME}` and `${env:NAME}` expanded in one
 * pass (what a variable holds is never expanded again); refused when a variable is not set.
 */
export function expandVariables(value: string, where: PathContext): { ok: true; expanded: string } | { ok: false; reason: string } {
  if (value.includes('\0')) return { ok: false, reason: 'it contains a NUL character.' };
  let unset: string | undefined;
  const expanded = value.replace(where.platform === 'win32' ? WINDOWS_EXPANSIONS : POSIX_EXPANSIONS, (whole, envName?: string, braced?: string, bare?: string) => {
    if (whole === '~' || whole === '${userHome}') return where.homedir;
    const found = envValue(where.env, envName ?? braced ?? bare ?? '', where.platform);
    if (!found) unset ??= whole;
    return found ?? '';
  });
  return unset === undefined ? { ok: true, expanded } : { ok: false, reason: `${unset} is not set in the environment the editor runs in.` };
}

/** `value` expanded (expandVariables) and normalized; refused unless the result is absolute. */
export function expandUserPath(value: string, where: PathContext): UserPath {
  const expansion = expandVariables(value, where);
  if (!expansion.ok) return expansion;
  if (!isFullyQualified(expansion.expanded, where.platform)) return { ok: false, reason: NOT_ABSOLUTE };
  return { ok: true, path: pathOf(where.platform).normalize(expansion.expanded) };
}

/** `p` with its symbolic links resolved as far as it exists (the rest appended), else `p`. */
function realPathOf(p: string, platform: NodeJS.Platform): string {
  const api = pathOf(platform);
  let head = p;
  const tail: string[] = [];
  for (;;) {
    try {
      return api.join(fs.realpathSync.native(head), ...tail.reverse());
    } catch {
      const parent = api.dirname(head);
      if (parent === head) return p;
      tail.push(api.basename(head));
      head = parent;
    }
  }
}

function within(file: string, folder: string, platform: NodeJS.Platform): boolean {
  const api = pathOf(platform);
  const fold = (p: string): string => (platform === 'win32' || platform === 'darwin' ? p.toLowerCase() : p);
  const relative = api.relative(fold(folder), fold(file));
  return relative === '' || (!relative.startsWith('..') && !api.isAbsolute(relative));
}

/** The folder of `folders` that holds `file`, by its path or its target (links followed); undefined when none does. */
export function folderHolding(file: string, folders: readonly string[], platform: NodeJS.Platform = process.platform): string | undefined {
  if (folders.length === 0) return undefined;
  const real = realPathOf(file, platform);
  return folders.find((folder) => {
    const realFolder = realPathOf(folder, platform);
    return [file, real].some((candidate) => within(candidate, folder, platform) || within(candidate, realFolder, platform));
  });
}

/** An absolute path that lies inside an untrusted workspace folder is refused; anything else passes. */
function outsideUntrusted(userPath: UserPath, where: PathContext): UserPath {
  if (!userPath.ok) return userPath;
  const folder = folderHolding(userPath.path, where.untrustedFolders, where.platform);
  if (folder === undefined) return userPath;
  const at = userPath.path === folder ? 'is' : 'lies inside';
  return {
    ok: false,
    reason: `${userPath.path} ${at} the workspace folder ${folder}, which is not trusted (Restricted Mode): a repository must not supply keys, a GnuPG home or a program. Trust the workspace to use it.`,
  };
}

/** A path setting's value, expanded, absolute and outside untrusted workspace folders. */
export function resolveUserPath(value: string, where: PathContext): UserPath {
  return outsideUntrusted(expandUserPath(value, where), where);
}

/** GnuPG's own choice of home: `$GNUPGHOME`, else `%APPDATA%\gnupg` on Windows, else `~/.gnupg`. Not checked. */
export function gnupgHomeOf(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  return env.GNUPGHOME
    || (platform === 'win32' && env.APPDATA ? path.win32.join(env.APPDATA, 'gnupg') : path.join(env.HOME || os.homedir(), '.gnupg'));
}

/**
 * The keyrings GnuPG and Helm use by default: `pubring.kbx` (GnuPG ≥ 2.1) and `pubring.gpg` (older
 * GnuPG, and Helm's default) in the GnuPG home. Callers keep the ones that exist.
 */
export function defaultKeyringPaths(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string[] {
  const home = gnupgHomeOf(env, platform);
  return [pathOf(platform).join(home, 'pubring.kbx'), pathOf(platform).join(home, 'pubring.gpg')];
}

/** `secring.gpg` in the GnuPG home: where Helm's docs export secret keys for `helm package --sign`. */
export function defaultSecretKeyringPaths(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string[] {
  return [pathOf(platform).join(gnupgHomeOf(env, platform), 'secring.gpg')];
}

export const SETTING = {
  keyrings: 'helmProvenance.keyrings',
  secretKeyring: 'helmProvenance.secretKeyring',
  gnupgHome: 'helmProvenance.gnupgHome',
  gpgPath: 'helmProvenance.gpgPath',
  chartOutputFolders: 'helmProvenance.chartOutputFolders',
  gnupgHomeVariable: 'the environment variable GNUPGHOME',
} as const;

/**
 * The GnuPG home in use: the setting (expanded), else `$GNUPGHOME`, else GnuPG's default; checked like
 * a path setting. `$GNUPGHOME` is taken as it is, so a relative one is refused (gpg would resolve it
 * against the folder it runs in).
 */
export function resolveGnupgHome(setting: string, where: PathContext): { home: string } | { refusal: PathRefusal } {
  if (setting) {
    const resolved = resolveUserPath(setting, where);
    return resolved.ok ? { home: resolved.path } : { refusal: { setting: SETTING.gnupgHome, value: setting, reason: resolved.reason } };
  }
  const value = gnupgHomeOf({ ...where.env, HOME: where.homedir }, where.platform);
  const absolute: UserPath = isFullyQualified(value, where.platform) ? { ok: true, path: value } : { ok: false, reason: NOT_ABSOLUTE };
  const resolved = outsideUntrusted(absolute, where);
  return resolved.ok ? { home: resolved.path } : { refusal: { setting: SETTING.gnupgHomeVariable, value, reason: resolved.reason } };
}

export interface KeyringPaths {
  paths: string[];
  /** True when the paths come from `helmProvenance.keyrings` (a missing one is then worth a warning). */
  explicit: boolean;
  refusals: PathRefusal[];
}

/** The public keyrings to verify with: the configured ones, else GnuPG's defaults in the GnuPG home. */
export function keyringPaths(keyrings: readonly string[], gnupgHome: string, where: PathContext): KeyringPaths {
  if (keyrings.length > 0) {
    const refusals: PathRefusal[] = [];
    const paths: string[] = [];
    for (const value of keyrings) {
      const resolved = resolveUserPath(value, where);
      if (resolved.ok) paths.push(resolved.path); else refusals.push({ setting: SETTING.keyrings, value, reason: resolved.reason });
    }
    return { paths, explicit: true, refusals };
  }
  const home = resolveGnupgHome(gnupgHome, where);
  if ('refusal' in home) return { paths: [], explicit: false, refusals: [home.refusal] };
  return { paths: defaultKeyringPaths({ GNUPGHOME: home.home }, where.platform), explicit: false, refusals: [] };
}

/**
 * A working directory for child processes that no repository controls: the home folder, else the
 * root of the file system. gpg resolves relative names in its configuration (`agent-program ./x`)
 * against it, and a process started in a repository would run the repository's programs.
 */
export function neutralWorkingDirectory(): string {
  const home = os.homedir();
  try {
    if (home && fs.statSync(home).isDirectory()) return home;
  } catch {
    // no home folder: fall through
  }
  return path.parse(process.execPath).root;
}
