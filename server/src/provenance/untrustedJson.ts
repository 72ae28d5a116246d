// JSON from a registry, a bundle, a keyserver or a file, parsed with its nesting bounded first.
// JSON.parse itself does not recurse, but what reads its value does: String() of an array joins it
// recursively, JSON.stringify and the libraries that walk a bundle recurse, so a 4 MiB reply of a
// million `[` overflowed the stack in the code that quoted it (test/hostile/untrustedJson.test.ts).
import { MAX_YAML_DEPTH } from './yamlBounds';

/** Deeper JSON is refused: real manifests, bundles and roots nest under 10 levels. */
export const MAX_JSON_DEPTH = MAX_YAML_DEPTH;

/** The deepest nesting of `[` and `{` outside strings, in one pass. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/** JSON.parse, throwing a SyntaxError as it does when the text nests deeper than MAX_JSON_DEPTH. */
export function parseUntrustedJson(text: string): unknown {
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw new SyntaxError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels is not read`);
  return JSON.parse(text);
}
