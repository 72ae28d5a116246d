// Duplicate mapping keys in a parsed YAML document, found in one pass over it. The yaml library's own
// check (`uniqueKeys: true`) compares each key with every earlier key of its mapping: 90 000 keys in a
// `.prov`'s metadata or a Chart.yaml (under 1 MiB) took minutes. Parse with `uniqueKeys: false` and ask
// this instead. Two keys are the same as the library judges them: scalars with the same value (so
// `1` and `0x1` are, `1` and `"1"` are not). Aliases are not followed: an alias is its own node.
import type { Scalar } from 'yaml';
import { countWork } from './work';
import { yamlLibrary } from './yamlLibrary';

/** Message for a repeated key, in the library's words (callers and tests match on it). */
export const DUPLICATE_KEY_MESSAGE = 'Map keys must be unique';

/** Every mapping key that repeats an earlier key of the same mapping, in document order. */
export function duplicateKeys(root: unknown): Scalar[] {
  const { isMap, isPair, isSeq } = yamlLibrary();
  const found: Scalar[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    countWork('yaml-steps');
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        countWork('yaml-steps');
        const identity = keyIdentity(pair.key);
        if (identity !== undefined) {
          if (seen.has(identity)) found.push(pair.key as Scalar);
          else seen.add(identity);
        }
        stack.push(pair.key, pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) {
        if (isPair(item)) stack.push(item.key, item.value);
        else stack.push(item);
      }
    }
  }
  return found.sort((a, b) => (a.range?.[0] ?? 0) - (b.range?.[0] ?? 0));
}

/** A string that two keys share exactly when the library calls them equal; undefined when no other key can equal this one. */
function keyIdentity(key: unknown): string | undefined {
  if (!yamlLibrary().isScalar(key)) return undefined;
  const value: unknown = key.value;
  switch (typeof value) {
    case 'string': return `s${value}`;
    case 'number': return Number.isNaN(value) ? undefined : `n${value}`;
    case 'bigint': return `b${value}`;
    case 'boolean': return `t${value}`;
    case 'undefined': return 'u';
    default: return value === null ? 'z' : undefined;
  }
}
