// The keys the server verifies with (the user's configured keyrings), and the KEYS files found in the
// workspace, which are shown as information ("listed in this repository's KEYS") and never trusted.
// The keyrings are described through the keyring description cache (keyCache.ts), as the CLI's `verify`
// does: in the private cache folder the launcher hands over (bin/helm-prov-ls.js), else in this process.
// A start whose keyrings are described there neither parses them nor loads openpgp.js.
import { createHash } from 'node:crypto';
import type { Problem } from '../provenance/codes';
import { keyringView, type KeyringBytes, type PrivateStore } from '../provenance/keyCache';
import { readKeyringBytes } from '../provenance/keyringFile';
import type { KeysFileLint } from '../provenance/keysFile';
import type { CheckKey } from '../provenance/keyTypes';
import { BoundedMap, fileStamp } from './caches';

export interface KeySet {
  keys: CheckKey[];
  /** Digest of the keyrings' paths and bytes: part of every verdict's cache key. */
  digest: string;
  /** Files that exist and were read. */
  files: string[];
  problems: { file: string; problem: Problem }[];
}

/** A keyring file as last read: its bytes, or why they could not be read. */
type ReadFile = { stamp: string; digest: string } & ({ bytes: Uint8Array } | { error: Problem });

/** The launcher's private cache folder (bin/privateCache.js), when it hands one over. */
let launcherStore: PrivateStore | undefined;

export function setPrivateCache(store: PrivateStore | undefined): void {
  launcherStore = store;
}

/** Descriptions kept in this process when there is no private folder (HELM_PROV_NO_CODE_CACHE=1, the tsc output): re-reading unchanged keyrings stays cheap. */
class ProcessStore implements PrivateStore {
  readonly codeId = 'this process';
  private readonly entries = new BoundedMap<string, Uint8Array>(4);
  readPrivate(name: string): Uint8Array | undefined {
    return this.entries.get(name);
  }
  writePrivate(name: string, bytes: Uint8Array): void {
    this.entries.set(name, bytes);
  }
}

export class KeyStore {
  private readonly files = new Map<string, ReadFile>();
  private readonly processStore = new ProcessStore();

  /** Loads `paths` (re-reading only files whose stamp changed: caches.ts fileStamp). Missing default keyrings are skipped silently. */
  async load(paths: string[], explicit: boolean, now: Date): Promise<KeySet> {
    const set: KeySet = { keys: [], digest: '', files: [], problems: [] };
    const digest = createHash('sha256');
    const rings: KeyringBytes[] = [];
    // Each file's problems in the order of `paths`: its own (missing, unreadable), or its index in `rings`,
    // whose problems come with their description.
    const slots: { file: string; problems: Problem[] | number }[] = [];
    for (const file of paths) {
      const stamp = await fileStamp(file);
      if (!stamp) {
        this.files.delete(file);
        if (explicit) slots.push({ file, problems: [{ code: 'io-error', severity: 'warning', message: `Keyring ${file} does not exist (setting helmProvenance.keyrings).` }] });
        continue;
      }
      let read = this.files.get(file);
      if (!read || read.stamp !== stamp) {
        read = await this.read(file, stamp);
        this.files.set(file, read);
      }
      set.files.push(file);
      digest.update(`${file}\0${read.digest}\0`);
      if ('bytes' in read) {
        slots.push({ file, problems: rings.length });
        rings.push({ file, bytes: read.bytes });
      } else {
        slots.push({ file, problems: [read.error] });
      }
    }
    const view = rings.length > 0 ? await keyringView(rings, now, launcherStore ?? this.processStore) : { keys: [], problems: [] };
    for (const { file, problems } of slots) {
      const own = typeof problems === 'number' ? view.problems[problems] : problems;
      set.problems.push(...own.map((problem) => ({ file, problem })));
    }
    set.keys = view.keys;
    set.digest = digest.digest('hex');
    return set;
  }

  private async read(file: string, stamp: string): Promise<ReadFile> {
    const bytes = await readKeyringBytes(file);
    if (!bytes.ok) return { stamp, digest: `error:${bytes.error.message}`, error: { ...bytes.error, severity: 'warning' } };
    return { stamp, digest: createHash('sha256').update(bytes.value).digest('hex'), bytes: bytes.value };
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
