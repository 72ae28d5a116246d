// What the client told the server about where it runs: the settings, the workspace folders, whether the
// workspace is trusted and where diagnostics link to; and the path settings resolved against them
// (pathSettings.ts). Checks wait for the first settings, so nothing is verified with keys the user did
// not configure.
import * as path from 'node:path';
import { PathResolver, type ResolvedPaths } from './pathSettings';
import { DEFAULT_DOCS_BASE_URL, type HelmProvenanceSettings } from './protocol';
import { normalizeSettings } from './settings';

export class ServerConfiguration {
  private current: HelmProvenanceSettings = normalizeSettings(undefined);
  private docsBase = DEFAULT_DOCS_BASE_URL;
  /** The client registers the commands itself (initializationOptions.clientHandlesCommands): quick fixes may use its own. */
  clientCommands = false;
  private folders: string[] = [];
  /** Trust and the path settings; a refused setting is reported once. */
  private readonly pathResolver: PathResolver;
  private loaded = false;
  private settingsArrived!: () => void;
  private readonly ready = new Promise<void>((resolve) => { this.settingsArrived = resolve; });

  constructor(reportRefusal: (message: string) => void) {
    this.pathResolver = new PathResolver(reportRefusal);
  }

  get settings(): HelmProvenanceSettings {
    return this.current;
  }

  /** Base for `codeDescription.href`, ending in `/`. */
  get docsBaseUrl(): string {
    return this.docsBase;
  }

  set docsBaseUrl(url: string) {
    this.docsBase = url.endsWith('/') ? url : `${url}/`;
  }

  get workspaceFolders(): string[] {
    return this.folders;
  }

  set workspaceFolders(folders: string[]) {
    this.folders = folders;
  }

  /** False in an untrusted workspace (Restricted Mode): nothing may be spawned or written. */
  get isTrusted(): boolean {
    return this.pathResolver.isTrusted;
  }

  set isTrusted(trusted: boolean) {
    this.pathResolver.isTrusted = trusted;
  }

  /** Resolves once the first settings arrived. */
  whenLoaded(): Promise<void> {
    return this.ready;
  }

  /** Takes new settings; true when they differ from settings that were already in use. */
  apply(raw: unknown): boolean {
    const next = normalizeSettings(raw);
    const changed = JSON.stringify(next) !== JSON.stringify(this.current);
    this.current = next;
    if (this.loaded) return changed;
    this.loaded = true;
    this.settingsArrived();
    return false;
  }

  /** The path settings resolved now (pathSettings.ts). */
  resolvedPaths(): ResolvedPaths {
    return this.pathResolver.paths(this.current, this.folders);
  }

  /** The absolute folders where archives are looked for and written. */
  outputFolders(): string[] {
    return this.pathResolver.outputFolders(this.current, this.folders);
  }

  /** The keyring files in use: the client should watch them. */
  keyringFiles(): string[] {
    return this.resolvedPaths().keyrings.paths;
  }

  isInWorkspace(file: string): boolean {
    return this.folders.some((w) => file === w || file.startsWith(w.endsWith(path.sep) ? w : w + path.sep));
  }
}
