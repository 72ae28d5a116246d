// The instants at which what a key description says can change: a key part's creation and expiry
// (lsp/verdictTimes.ts adds a signature's own times for a verdict; keyCache.ts adds the self-signatures'
// for a cached description).
import type { KeyInfo } from './keyTypes';

export function keyInstants(keys: readonly { info: KeyInfo }[]): number[] {
  const times: number[] = [];
  for (const { info } of keys) {
    for (const part of [info, ...info.subkeys, ...info.signingParts]) {
      times.push(part.created.getTime());
      if (part.expires) times.push(part.expires.getTime());
    }
  }
  return times;
}

/** The first of `times` after `from` (ms); Infinity when none is. */
export function firstAfter(times: Iterable<number>, from: number): number {
  let until = Infinity;
  for (const t of times) if (t > from && t < until) until = t;
  return until;
}
