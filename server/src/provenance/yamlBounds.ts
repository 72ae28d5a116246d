// The bounds of a YAML text (a `.prov`'s signed parts, a Chart.yaml) found before it is parsed, in one
// pass over its characters: its depth and its size in nodes. The yaml library's parse is linear but
// costs about 20 µs a mapping key: 90 000 keys (under 1 MiB) took seconds before a node budget counted
// after parsing could stop them; the budget after parsing stays the authority.

/**
 * Nesting deeper than this is refused; real charts stay under 10. The yaml library recurses and
 * overflowed the stack near 1000 levels, so depth is bounded before parsing, by deepestFlow or
 * nestingBound below.
 */
export const MAX_YAML_DEPTH = 100;
/** Nodes visited, aliases expanded: far above any real Chart.yaml, far below a billion laughs. */
export const MAX_YAML_NODES = 100_000;

/**
 * The nodes of `text` as its indicators announce them (aliases unexpanded): 2 for each `:` or `?` (a
 * mapping pair, key and value), 1 for each `-`, `,`, `[` or `{` (a sequence item or a flow entry). It
 * over-counts indicators inside quoted text, which matters only far beyond any real chart, and misses
 * flow-mapping entries written without `:`, which the budget after parsing counts.
 */
export function yamlNodeEstimate(text: string): number {
  let nodes = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3a || c === 0x3f) nodes += 2;
    else if (c === 0x2d || c === 0x2c || c === 0x5b || c === 0x7b) nodes++;
  }
  return nodes;
}

/** The message for a text refused by its estimate. */
export function tooManyNodes(estimate: number, limit: number): string {
  return `about ${estimate} YAML nodes by a count of its indicators (: ? - , [ {), over the limit of ${limit}; this is not read`;
}

/**
 * The deepest flow nesting (`[` and `{`) of `text`: a cheap over-count (brackets in quotes count too),
 * so a 50 000-deep flow bomb never reaches the parser. Chart.yaml bounds only this: deep block nesting
 * makes the parser report RESOURCE_EXHAUSTION, and the decoder counts depth after parsing.
 */
export function deepestFlow(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
  }
  return deepest;
}

/**
 * An upper bound of the whole nesting depth (a `.prov`'s signed parts): each block level needs at least one more
 * column of indentation or of `- `/`? `/`: ` indicators at a line's start; flow levels are open brackets.
 */
export function nestingBound(text: string): number {
  let flow = 0;
  let deepest = 0;
  for (const line of text.split('\n')) {
    const lead = /^(?:[ \t]|[-?:](?=[ \t]|$))*/.exec(line)![0].length;
    deepest = Math.max(deepest, lead + flow);
    for (let i = lead; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, lead + ++flow);
      else if ((c === 0x5d || c === 0x7d) && flow > 0) flow--;
    }
  }
  return deepest;
}
