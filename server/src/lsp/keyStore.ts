// The keys the server verifies with (the user's configured keyrings), and the KEYS files found in the
// workspace, which are shown as information ("listed in this repository's KEYS") and never trusted.
import { createHash } from 'node:crypto';
import type { Problem } from '../provenance/codes';
import { loadKeyringFile } from '../provenance/keyring';
import type { KeysFileLint } from '../provenance/keysFile';
import type { LoadedKey } from '../provenance/keyTypes';
import { keyView } from '../provenance/keyView';
import { fileStamp } from './caches';

export interface KeySet {
  keys: LoadedKey[];
  /** Digest of the keys' contents: part of every verdict's cache key. */
  digest: string;
  /** Files that exist and were read. */
  files: string[];
  problems: { file: string; problem: Problem }[];
}

interface LoadedFile { stamp: string; keys: LoadedKey[]; revocations: Uint8Array[]; digest: string; problems: Problem[] }

export class KeyStore {
  private readonly files = new Map<string, LoadedFile>();

  /** Loads `paths` (re-reading only files whose stamp changed: caches.ts fileStamp). Missing default keyrings are skipped silently. */
  async load(paths: string[], explicit: boolean, now: Date): Promise<KeySet> {
    const set: KeySet = { keys: [], digest: '', files: [], problems: [] };
    const digest = createHash('sha256');
    const sources: LoadedFile[] = [];
    for (const file of paths) {
      const stamp = await fileStamp(file);
      if (!stamp) {
        this.files.delete(file);
        if (explicit) set.problems.push({ file, problem: { code: 'io-error', severity: 'warning', message: `Keyring ${file} does not exist (setting helmProvenance.keyrings).` } });
        continue;
      }
      let loaded = this.files.get(file);
      if (!loaded || loaded.stamp !== stamp) {
        loaded = await this.read(file, stamp, now);
        this.files.set(file, loaded);
      }
      set.files.push(file);
      digest.update(`${file}\0${loaded.digest}\0`);
      set.problems.push(...loaded.problems.map((problem) => ({ file, problem })));
      sources.push(loaded);
    }
    set.keys = await keyView(sources, now);
    set.digest = digest.digest('hex');
    return set;
  }

  private async read(file: string, stamp: string, now: Date): Promise<LoadedFile> {
    const result = await loadKeyringFile(file, now);
    if (!result.ok) return { stamp, keys: [], revocations: [], digest: `error:${result.error.message}`, problems: [{ ...result.error, severity: 'warning' }] };
    // The keys' own bytes, so touching a file without changing it keeps every cached verdict.
    const digest = createHash('sha256');
    for (const key of result.value.keys) digest.update(key.key.write());
    for (const revocation of result.value.revocations) digest.update(revocation);
    return { stamp, keys: result.value.keys, revocations: result.value.revocations, digest: digest.digest('hex'), problems: result.value.problems };
  }

  /** Forget a file so its next load re-reads it (a watched keyring changed). */
  invalidate(file: string): void {
    this.files.delete(file);
  }
}

/** KEYS files in the workspace, by path: which of them list a key. */
export class WorkspaceKeys {
  private readonly byFile = new Map<string, KeysFileLint>();

  /** Records a file's keys; true when the keys it lists changed (statuses naming it must be re-sent). */
  set(file: string, lint: KeysFileLint): boolean {
    const before = this.listed(file);
    this.byFile.set(file, lint);
    return this.listed(file) !== before;
  }

  delete(file: string): boolean {
    return this.byFile.delete(file);
  }

  private listed(file: string): string {
    const lint = this.byFile.get(file);
    return lint ? lint.keys.flatMap((k) => [k.info, ...k.info.subkeys].map((p) => p.fingerprint)).sort().join(',') : '';
  }

  /** Files holding a key (primary or subkey) with any of these fingerprints or 16-hex key ids. */
  listing(ids: string[]): string[] {
    const wanted = new Set(ids.map((id) => id.toUpperCase()));
    const files: string[] = [];
    for (const [file, lint] of this.byFile) {
      const lists = lint.keys.some((k) => [k.info, ...k.info.subkeys].some((p) => wanted.has(p.fingerprint) || wanted.has(p.keyId)));
      if (lists) files.push(file);
    }
    return files;
  }
}
