// Line and column of an offset in a text, as the yaml library's LineCounter answers them (from 1), for
// texts indexed before or without parsing (the flat reader's, yamlFlat.ts; Chart.yaml's character
// checks): every line start is known up front, so the library need not be loaded for positions.
// (The library's own counter, filled while it parses, skips the lines inside a multi-line scalar:
// positions in what it parsed come from that one.)

export interface LinePositions {
  linePos(offset: number): { line: number; col: number };
}

export function linePositions(text: string): LinePositions {
  const starts = [0];
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  return {
    linePos(offset) {
      // The first line start at or after `offset` (LineCounter's search and answers, line 0 included).
      let low = 0;
      let high = starts.length;
      while (low < high) {
        const mid = (low + high) >> 1;
        if (starts[mid] < offset) low = mid + 1;
        else high = mid;
      }
      if (starts[low] === offset) return { line: low + 1, col: 1 };
      if (low === 0) return { line: 0, col: offset };
      return { line: low, col: offset - starts[low - 1] + 1 };
    },
  };
}
