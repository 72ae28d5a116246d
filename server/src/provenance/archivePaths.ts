// The paths of a chart archive. checkPath: the rules every entry name must pass alone (bounded length
// and depth, relative, no `..`, `.` or empty components, no backslashes or control characters).
// ArchivePaths: the checked paths as a tree of path components, for the rules that relate entries to
// each other: no path twice, no file that is also a directory (or a parent), names that differ only in
// case. Each entry costs work in proportion to its own path's length, however deep it is and however
// many entries share its parents. (Keeping every parent path as a string, as before, stored and
// lower-cased each prefix of a path: one PAX path 520 000 folders deep in a 1.3 KB archive needed
// 4.2 GB.)
import { countWork } from './work';
import { EngineError } from './engineError';
import { quotedUntrusted } from './untrustedText';

/**
 * Longest entry path, in UTF-8 bytes: Linux's PATH_MAX, so an archive Helm could not unpack under any
 * directory is refused before its path is split or recorded (a PAX header may carry 1 MiB of path).
 */
export const MAX_PATH_BYTES = 4096;
/** Deepest entry path, in components: real charts, subcharts included, stay within a few dozen. */
export const MAX_PATH_DEPTH = 128;

/** Whether a chart-relative name is Chart.yaml in any case (two of those collide on macOS and Windows). */
export const isChartYaml = (rel: string): boolean => rel.toLowerCase() === 'chart.yaml';

/** The length and depth limits, checked before a path is split or looked at further. */
export function checkPathSize(name: string): void {
  // A UTF-16 unit is at most 3 UTF-8 bytes: only long names need counting.
  if (name.length * 3 > MAX_PATH_BYTES && Buffer.byteLength(name, 'utf8') > MAX_PATH_BYTES) {
    throw new EngineError('archive-invalid', `${quotedUntrusted(name)}: an entry path of ${Buffer.byteLength(name, 'utf8')} bytes is over the ${MAX_PATH_BYTES}-byte limit (no real chart needs one; it could not be unpacked)`);
  }
  let depth = 1;
  for (let at = name.indexOf('/'); at >= 0 && at < name.length - 1; at = name.indexOf('/', at + 1)) {
    if (++depth > MAX_PATH_DEPTH) {
      throw new EngineError('archive-invalid', `${quotedUntrusted(name)}: an entry path more than ${MAX_PATH_DEPTH} directories deep is over the limit (real charts stay within a few dozen)`);
    }
  }
}

/** The path rules every entry name must pass. Returns the path without a trailing slash. */
export function checkPath(name: string): string {
  checkPathSize(name);
  if (name === '') throw new EngineError('archive-invalid', 'an entry has an empty name');
  if (name.includes('\\')) throw new EngineError('archive-invalid', `${quotedUntrusted(name)}: backslashes are not allowed in entry names (Windows paths are read differently by different tools)`);
  if (name.startsWith('/')) throw new EngineError('archive-invalid', `${quotedUntrusted(name)}: absolute paths are not allowed`);
  if (/^[a-zA-Z]:/.test(name)) throw new EngineError('archive-invalid', `${quotedUntrusted(name)}: drive-letter paths are not allowed`);
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new EngineError('archive-invalid', `${quotedUntrusted(name)}: control characters are not allowed in entry names`);
  const trimmed = name.endsWith('/') ? name.slice(0, -1) : name;
  for (const part of trimmed.split('/')) {
    if (part === '..') throw new EngineError('archive-invalid', `${quotedUntrusted(name)}: ".." would escape the chart directory`);
    if (part === '.' || part === '') throw new EngineError('archive-invalid', `${quotedUntrusted(name)}: "." and empty path components are not allowed`);
  }
  return trimmed;
}


interface PathNode {
  readonly name: string;
  readonly parent: PathNode | undefined;
  readonly type: 'file' | 'directory';
  children?: Map<string, PathNode>;
}

/** A node of the same tree with every component lower-cased: which spelling came first. */
interface FoldNode {
  readonly first: PathNode;
  children?: Map<string, FoldNode>;
}

export type PathConflict = { kind: 'twice' | 'file-and-directory'; path: string };

export class ArchivePaths {
  private readonly root: PathNode = { name: '', parent: undefined, type: 'directory' };
  private readonly foldRoot: FoldNode = { first: this.root };

  /** `onCaseCollision` hears of two paths that differ only in case: the first spelling seen, then the new one. */
  constructor(private readonly onCaseCollision: (first: string, path: string) => void) {}

  /**
   * Records an entry and its parents (as directories). Returns the conflict it makes, if any. Only the
   * shallowest case collision of a path is recorded: the deeper ones follow from it.
   */
  add(path: string, type: 'file' | 'directory'): PathConflict | undefined {
    let node = this.root;
    let fold: FoldNode | undefined = this.foldRoot;
    let collided = false;
    for (let start = 0; ;) {
      countWork('tar-steps');
      const slash = path.indexOf('/', start);
      const end = slash < 0 ? path.length : slash;
      const last = slash < 0;
      const name = path.slice(start, end);
      const existing = node.children?.get(name);
      if (existing) {
        if (last && (existing.type === 'file' || type === 'file')) {
          return { kind: existing.type === type ? 'twice' : 'file-and-directory', path };
        }
        if (!last && existing.type === 'file') return { kind: 'file-and-directory', path: path.slice(0, end) };
        node = existing;
        fold = fold?.children?.get(name.toLowerCase());
      } else {
        const created: PathNode = { name, parent: node, type: last ? type : 'directory' };
        (node.children ??= new Map()).set(name, created);
        node = created;
        fold = this.foldInto(fold, name, created, collided);
        if (fold && fold.first !== created) collided = true;
      }
      if (last) return undefined;
      start = end + 1;
    }
  }

  /** The folded child for a new node; records a collision when another spelling holds it already. */
  private foldInto(parent: FoldNode | undefined, name: string, created: PathNode, collided: boolean): FoldNode | undefined {
    if (!parent) return undefined;
    const lower = name.toLowerCase();
    const existing = parent.children?.get(lower);
    if (!existing) {
      const made: FoldNode = { first: created };
      (parent.children ??= new Map()).set(lower, made);
      return made;
    }
    if (!collided) this.onCaseCollision(pathOf(existing.first), pathOf(created));
    return existing;
  }
}

function pathOf(node: PathNode): string {
  const parts: string[] = [];
  for (let n: PathNode | undefined = node; n && n.parent; n = n.parent) parts.push(n.name);
  return parts.reverse().join('/');
}
