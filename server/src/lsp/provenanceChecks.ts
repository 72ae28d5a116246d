// The checks the server runs and what they depend on: the user's keys (loaded once, re-read when a
// keyring changes), the workspace KEYS files that list a key (information only), the archive facts and
// verdict caches, and the scheduler every check runs through (off the request path, cancellable).
import * as path from 'node:path';
import type { CancellationToken } from 'vscode-languageserver/node';
import { lintKeysFile, type KeysFileLint } from '../provenance/keysFile';
import { ArchiveFactsCache, BoundedMap, sha256Text, type ArchiveSnapshot } from './caches';
import type { ServerConfiguration } from './configuration';
import { KeyStore, WorkspaceKeys, type KeySet } from './keyStore';
import type { Outbox } from './outbox';
import { ProvChecker, type ProvCheck } from './provCheck';
import { Scheduler, type Priority } from './scheduler';
import { SourceFreshness } from './sourceFreshness';

/** The most of a KEYS text that is linted. */
export const MAX_KEYS_TEXT = 16 * 1024 * 1024;

export class ProvenanceChecks {
  // Four checks at a time: each waits on the thread pool for its signature's crypto, so with two the
  // thread sat idle (1 000 charts: 4.5 -> 3.6 s with four; eight gained nothing more).
  private readonly scheduler = new Scheduler(4);
  /** Digest and Chart name/version of each archive, by its stamp (device, inode, size, mtime and ctime: caches.ts fileStamp). */
  readonly facts = new ArchiveFactsCache();
  private readonly checker = new ProvChecker();
  /** Whether an archive is still what its chart folder packages to, by archive stamp and folder changes. */
  readonly freshness = new SourceFreshness(this.facts);
  private readonly keyStore = new KeyStore();
  private keySet?: Promise<KeySet>;
  /** KEYS files in the workspace, by path: which of them list a key. */
  private readonly workspaceKeys = new WorkspaceKeys();
  private readonly lints = new BoundedMap<string, Promise<KeysFileLint>>(100);

  constructor(private readonly config: ServerConfiguration, private readonly out: Outbox) {}

  /** Runs a check when a slot is free; undefined when a newer task for `key` or `token` cancelled it. */
  run<T>(key: string, priority: Priority, task: (token: CancellationToken) => Promise<T>, token?: CancellationToken): Promise<T | undefined> {
    return this.scheduler.run(key, priority, task, token);
  }

  /** The keys to verify with, loaded on first use after they were forgotten. */
  keys(): Promise<KeySet> {
    if (this.keySet) return this.keySet;
    const { paths, explicit } = this.config.resolvedPaths().keyrings;
    this.keySet = this.keyStore.load(paths, explicit, new Date()).then((set) => {
      for (const { file, problem } of set.problems) {
        this.out.log(`keyring ${file}: [${problem.code}] ${problem.message}`);
        if (problem.severity !== 'information') this.out.warnOnce(`${path.basename(file)}: ${problem.message}`);
      }
      this.out.log(`keyrings: ${set.files.join(', ') || '(none found)'}: ${set.keys.length} keys`);
      return set;
    });
    return this.keySet;
  }

  /** The next check loads the keys again (settings, trust or a keyring changed; Verify re-reads them). */
  forgetKeys(): void {
    this.keySet = undefined;
  }

  /** True (and the keys forgotten) when `file` is a keyring in use. */
  keyringChanged(file: string): boolean {
    if (!this.config.keyringFiles().includes(file)) return false;
    this.keyStore.invalidate(file);
    this.forgetKeys();
    return true;
  }

  /**
   * Checks `text` as the `.prov` at `provPath` with the current keys; undefined when cancelled. `archive`:
   * its archive's facts as the caller found them just before (ProvChecker.check).
   */
  async checkProv(provPath: string, text: string, token: CancellationToken, archive?: ArchiveSnapshot): Promise<ProvCheck | undefined> {
    await this.config.whenLoaded();
    const keys = await this.keys();
    return this.checker.check(provPath, text, {
      keys,
      trustedFingerprints: this.config.settings.trustedFingerprints,
      facts: this.facts,
      keysListing: (ids) => this.workspaceKeys.listing(ids),
      now: new Date(),
    }, token, archive);
  }

  /** Lints a KEYS text (cached by file, text and hour: expiry moves with the clock). */
  lint(text: string, file: string): Promise<KeysFileLint> {
    const key = `${file}\0${sha256Text(text)}\0${new Date().toISOString().slice(0, 13)}`;
    let pending = this.lints.get(key);
    if (!pending) {
      pending = lintKeysFile(text.length > MAX_KEYS_TEXT ? text.slice(0, MAX_KEYS_TEXT) : text, new Date(), file);
      this.lints.set(key, pending);
    }
    return pending;
  }

  /** Records the keys a workspace KEYS file lists; true when they changed (statuses naming it must be re-sent). */
  listKeys(file: string, lint: KeysFileLint): boolean {
    return this.workspaceKeys.set(file, lint);
  }

  /** Forgets a workspace KEYS file; true when it listed keys before. */
  unlistKeys(file: string): boolean {
    return this.workspaceKeys.delete(file);
  }

  /** Workspace KEYS files that list any of these fingerprints or key ids. */
  keysListing(ids: string[]): string[] {
    return this.workspaceKeys.listing(ids);
  }

  cancelAll(): void {
    this.scheduler.cancelAll();
  }
}
