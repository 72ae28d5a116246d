// The check of one `.prov` text (as the editor has it) against its sibling archive and the user's keys.
// The last verdict of each `.prov` is kept with everything it depends on (the archive's digest, which
// decides its facts, the text, the keys, the trust settings, and the time only until a key or signature
// changes validity: verdictTimes.ts), so re-checking an unchanged document is free, and so is an archive
// with a new stamp but the same bytes (a `touch`, a checkout: caches.ts reads and hashes it, nothing more).
import * as path from 'node:path';
import type * as openpgp from 'openpgp';
import type { CancellationToken } from 'vscode-languageserver/node';
import { parseProvenance, type ProvDocument } from '../provenance/provDocument';
import type { ArchiveFacts } from '../provenance/archiveFacts';
import { verifyProvenance, type Outcome } from '../provenance/verify';
import { BoundedMap, type ArchiveFactsCache, type ArchiveSnapshot } from './caches';
import { archiveOf } from './fileRoles';
import type { KeySet } from './keyStore';
import { verdictHolds, verdictValidUntil } from './verdictTimes';

export interface ProvCheck {
  provPath: string;
  archivePath: string;
  doc: ProvDocument;
  outcome: Outcome;
  archiveExists: boolean;
  /** The archive's sha256 (hex), whatever the verdict, for the hover on a digest. */
  archiveSha256?: string;
  /** Key ids or fingerprints the signature packets name as issuers (from the signature, for display and KEYS lookups). */
  issuers: string[];
  /** Workspace KEYS files that list the signer or an issuer: information only, never trust. */
  listedInWorkspaceKeys: string[];
}

export interface CheckContext {
  keys: KeySet;
  trustedFingerprints: string[];
  facts: ArchiveFactsCache;
  /** Which workspace KEYS files list any of these key ids or fingerprints. */
  keysListing(ids: string[]): string[];
  now: Date;
}

/** The issuers as openpgp.js reads them, when the check did not give them (openpgp.js is loaded only then). */
async function signatureIssuers(doc: ProvDocument): Promise<string[]> {
  if (!doc.signature) return [];
  try {
    const pgp = await import('openpgp');
    const sig = await pgp.readSignature({ armoredSignature: doc.signature.armored });
    return sig.packets.map((p) => {
      const fpr = (p as openpgp.SignaturePacket).issuerFingerprint as Uint8Array | null;
      return fpr ? Buffer.from(fpr).toString('hex').toUpperCase() : (p as openpgp.SignaturePacket).issuerKeyID.toHex().toUpperCase();
    });
  } catch {
    return [];
  }
}

type CachedCheck = Omit<ProvCheck, 'listedInWorkspaceKeys'>;

/**
 * A verdict, what it was judged for (`key`, and the `.prov` text itself: comparing it costs less than
 * hashing every text of a workspace's index), and the span of time it holds for (verdictTimes.ts);
 * `until` is known once it is settled.
 */
interface CachedVerdict { key: string; text: string; result: Promise<CachedCheck>; judgedAt: number; until?: number }

export class ProvChecker {
  /** The last verdict judged for each `.prov` path, with the key it was judged for. */
  private readonly results = new BoundedMap<string, CachedVerdict>(2000);

  /**
   * Checks `text` as the `.prov` at `provPath`; undefined when cancelled. `located`: the archive's facts
   * as the caller's evaluation found them just before (chartLocator.ts), so that one evaluation judges one
   * snapshot of the archive with one stat; else they are asked for now.
   */
  async check(provPath: string, text: string, ctx: CheckContext, token?: CancellationToken, located?: ArchiveSnapshot): Promise<ProvCheck | undefined> {
    const archivePath = archiveOf(provPath);
    const snapshot = located ?? await ctx.facts.get(archivePath);
    if (token?.isCancellationRequested) return undefined;
    // The facts are those of the archive's bytes: its digest names them. Without one (unreadable), its
    // stamp does, which any write changes (caches.ts fileStamp). Time is handled by `until`.
    const archive = snapshot ? snapshot.facts.sha256 ?? `unread:${snapshot.stamp}` : 'none';
    const key = [archivePath, archive, ctx.keys.digest, ctx.trustedFingerprints.join(',')].join('|');
    const now = ctx.now.getTime();
    const cached = this.results.get(provPath);
    const reused = cached?.key === key && cached.text === text && (cached.until === undefined || verdictHolds(cached.judgedAt, cached.until, now));
    const entry = reused ? cached : this.judge(key, provPath, archivePath, text, snapshot?.facts, ctx);
    let result = await entry.result;
    // A check still running when this one asked was judged a little earlier: it counts only if it holds now.
    if (reused && !verdictHolds(entry.judgedAt, entry.until!, now)) result = await this.judge(key, provPath, archivePath, text, snapshot?.facts, ctx).result;
    if (token?.isCancellationRequested) return undefined;
    const ids = [...result.issuers, ...(result.outcome.signer ? [result.outcome.signer.fingerprint, result.outcome.signer.signingKey] : [])];
    return { ...result, listedInWorkspaceKeys: ctx.keysListing(ids) };
  }

  private judge(key: string, provPath: string, archivePath: string, text: string, facts: ArchiveFacts | undefined, ctx: CheckContext): CachedVerdict {
    const judgedAt = ctx.now.getTime();
    // `until` is set before the result settles: it is known when the callers resume.
    const result = this.compute(provPath, archivePath, text, facts, ctx).then(async (r) => {
      entry.until = await verdictValidUntil(r.doc, ctx.keys.keys, judgedAt, r.outcome.signatureTimes);
      return r;
    });
    const entry: CachedVerdict = { key, text, result, judgedAt };
    this.results.set(provPath, entry);
    return entry;
  }

  private async compute(provPath: string, archivePath: string, text: string, facts: ArchiveFacts | undefined, ctx: CheckContext): Promise<CachedCheck> {
    const doc = parseProvenance(text);
    const missing = { error: `there is no ${path.basename(archivePath)} next to ${path.basename(provPath)} (package the chart or download the archive to check its digest)` };
    const outcome = await verifyProvenance(doc, archivePath, facts ?? missing, {
      keys: ctx.keys.keys, now: ctx.now, trustedFingerprints: ctx.trustedFingerprints, provText: text, provPath,
    });
    return { provPath, archivePath, doc, outcome, archiveExists: facts !== undefined, archiveSha256: facts?.sha256, issuers: outcome.issuers ?? await signatureIssuers(doc) };
  }
}
