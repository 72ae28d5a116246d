// The size of a YAML text in nodes, estimated without parsing it. The yaml library's parse is linear but
// costs about 20 µs a mapping key: 90 000 keys (under 1 MiB, in a `.prov` or a Chart.yaml) took seconds
// before a node budget counted after parsing could stop them. Texts whose estimate is over the budget
// are refused from one pass over their characters; the budget after parsing stays the authority.

/** Nesting deeper than this is refused before parsing; real charts stay under 10. */
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
