// The path settings as both the language server and the VS Code client use them, resolved by one
// function: what the server reads is what the client watches. Every path is expanded and must be
// absolute (userPaths.ts); in an untrusted workspace none may lie inside a workspace folder. A refused
// setting is reported (`refusals`) and never replaced by a guess: refused keyrings are not read, and
// a backend whose key source or program was refused does not sign.
import * as path from 'node:path';
import {
  currentPathContext, defaultSecretKeyringPaths, expandVariables, isFullyQualified, keyringPaths, refusalMessage, resolveGnupgHome,
  resolveUserPath, SETTING, type KeyringPaths, type PathContext, type PathRefusal,
} from '../provenance/userPaths';
import type { HelmProvenanceSettings, SigningBackend } from './protocol';

export interface ResolvedPaths {
  /** The public keyrings to verify with. */
  keyrings: KeyringPaths;
  /** The openpgp backend's secret keyrings: the setting, else `secring.gpg` in the GnuPG home. */
  secretKeyrings: string[];
  /** `--homedir` for the gpg backend when `helmProvenance.gnupgHome` is set (else gpg's own, checked all the same). */
  gpgHome?: string;
  gpgPath: string;
  /** Why a backend cannot sign with these settings; absent when it can. */
  signingRefusal: Partial<Record<SigningBackend, PathRefusal>>;
  /** Every refused setting, once each. */
  refusals: PathRefusal[];
}

/** A program name without a folder (`gpg`, `gpg2`) is looked up on PATH, as a shell does. */
function isBareProgramName(value: string): boolean {
  return !/[\\/]/.test(value) && !value.startsWith('~') && !value.includes('$');
}

export function resolvePathSettings(settings: HelmProvenanceSettings, where: PathContext): ResolvedPaths {
  const keyrings = keyringPaths(settings.keyrings, settings.gnupgHome, where);
  const home = resolveGnupgHome(settings.gnupgHome, where);
  const homeRefusal = 'refusal' in home ? home.refusal : undefined;

  let secretKeyrings: string[] = [];
  let secretRefusal: PathRefusal | undefined = homeRefusal;
  if (settings.secretKeyring) {
    const secret = resolveUserPath(settings.secretKeyring, where);
    secretRefusal = secret.ok ? undefined : { setting: SETTING.secretKeyring, value: settings.secretKeyring, reason: secret.reason };
    if (secret.ok) secretKeyrings = [secret.path];
  } else if ('home' in home) {
    secretKeyrings = defaultSecretKeyringPaths({ GNUPGHOME: home.home }, where.platform);
  }

  let gpgPath = settings.gpgPath;
  let gpgPathRefusal: PathRefusal | undefined;
  if (!isBareProgramName(settings.gpgPath)) {
    const program = resolveUserPath(settings.gpgPath, where);
    if (program.ok) gpgPath = program.path; else gpgPathRefusal = { setting: SETTING.gpgPath, value: settings.gpgPath, reason: program.reason };
  }

  const signingRefusal: ResolvedPaths['signingRefusal'] = {};
  if (secretRefusal) signingRefusal.openpgp = secretRefusal;
  const gpgRefusal = homeRefusal ?? gpgPathRefusal;
  if (gpgRefusal) signingRefusal.gpg = gpgRefusal;

  const all = [...keyrings.refusals, homeRefusal, secretRefusal, gpgPathRefusal].filter((r): r is PathRefusal => r !== undefined);
  const refusals = [...new Map(all.map((r) => [refusalMessage(r), r])).values()];
  return {
    keyrings, secretKeyrings, gpgPath, signingRefusal, refusals,
    ...(settings.gnupgHome && 'home' in home ? { gpgHome: home.home } : {}),
  };
}

/**
 * Folders where packaged archives are looked for and written: each setting expanded, absolute ones as
 * they are, relative ones under every workspace folder (never against the process's own folder).
 */
export function outputFolders(settings: HelmProvenanceSettings, workspaceFolders: readonly string[], where: PathContext): { folders: string[]; refusals: PathRefusal[] } {
  const folders: string[] = [];
  const refusals: PathRefusal[] = [];
  for (const value of settings.chartOutputFolders) {
    const expansion = expandVariables(value, where);
    if (!expansion.ok) { refusals.push({ setting: SETTING.chartOutputFolders, value, reason: expansion.reason }); continue; }
    const expanded = expansion.expanded;
    if (isFullyQualified(expanded, where.platform)) folders.push(path.normalize(expanded));
    else folders.push(...workspaceFolders.map((w) => path.join(w, expanded)));
  }
  return { folders, refusals };
}

/**
 * The language server's side: whether the workspace is trusted, the settings resolved against it each
 * time they are needed (links may have changed), and each refusal reported once.
 */
export class PathResolver {
  private trusted = true;
  private readonly reported = new Set<string>();

  constructor(private readonly report: (message: string) => void) {}

  get isTrusted(): boolean {
    return this.trusted;
  }

  set isTrusted(trusted: boolean) {
    this.trusted = trusted;
  }

  private context(workspaceFolders: readonly string[]): PathContext {
    return currentPathContext(this.trusted ? [] : workspaceFolders);
  }

  private reportOnce(refusals: PathRefusal[]): void {
    for (const refusal of refusals) {
      const message = refusalMessage(refusal);
      if (this.reported.has(message)) continue;
      this.reported.add(message);
      this.report(message);
    }
  }

  paths(settings: HelmProvenanceSettings, workspaceFolders: readonly string[]): ResolvedPaths {
    const resolved = resolvePathSettings(settings, this.context(workspaceFolders));
    this.reportOnce(resolved.refusals);
    return resolved;
  }

  outputFolders(settings: HelmProvenanceSettings, workspaceFolders: readonly string[]): string[] {
    const { folders, refusals } = outputFolders(settings, workspaceFolders, this.context(workspaceFolders));
    this.reportOnce(refusals);
    return folders;
  }
}
