// The verdicts of bundles the server has verified, by everything the verdict depends on: the bundle's
// bytes, the artifact (path and SHA-256), the trusted root (its content's key) with the warnings its
// choice carried, and the trusted signers. A verification depends on no clock (certificates are checked
// at the log's time), so equal inputs give the equal verdict: re-opening an unchanged bundle skips the
// certificate chain (most of the ~6 ms a verification costs in @sigstore/verify). Bounded.
import { createHash } from 'node:crypto';
import type { SigstoreOutcome } from '../sigstore/codes';

export const MAX_CACHED_OUTCOMES = 256;

export interface OutcomeKeyParts {
  bundle: Buffer;
  artifactPath: string;
  artifactSha256: Buffer;
  rootKey: string;
  rootWarnings: string[];
  trust: unknown;
}

export function outcomeKey(parts: OutcomeKeyParts): string {
  return createHash('sha256')
    .update(parts.bundle).update('\0').update(parts.artifactPath).update('\0').update(parts.artifactSha256)
    .update('\0').update(parts.rootKey).update('\0').update(JSON.stringify(parts.rootWarnings)).update('\0').update(JSON.stringify(parts.trust ?? null))
    .digest('hex');
}

export class OutcomeCache {
  private readonly entries = new Map<string, SigstoreOutcome>();

  get(key: string): SigstoreOutcome | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      // Most recently used last: the oldest is the first to go.
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, outcome: SigstoreOutcome): void {
    this.entries.delete(key);
    this.entries.set(key, outcome);
    while (this.entries.size > MAX_CACHED_OUTCOMES) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}
