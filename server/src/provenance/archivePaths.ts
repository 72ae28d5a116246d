// The paths of a chart archive as a tree of path components, for the rules that relate entries to each
// other: no path twice, no file that is also a directory (or a parent), names that differ only in
// case. Each entry costs work in proportion to its own path's length, however deep it is and however
// many entries share its parents. (Keeping every parent path as a string, as before, stored and
// lower-cased each prefix of a path: one PAX path 520 000 folders deep in a 1.3 KB archive needed
// 4.2 GB.) Paths reach this already checked (archive.ts checkPath): no empty components, bounded.
import { countWork } from './work';

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
