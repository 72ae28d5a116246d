// A chart's verdict from every signature it has: the OpenPGP `.prov` and the cosign signatures beside
// its archive (siblingFiles.ts). The one owner of that decision: `helm-prov verify` and the language
// server's chart status both ask it. A chart is verified only when it has at least one signature and
// every signature present verifies: a missing `.prov` is no failure when a cosign signature stands in
// for it, and a cosign signature that does not verify (identity-required included: nothing was
// checked) fails the chart even when its `.prov` verifies.

/** The part of an outcome (OpenPGP or Sigstore) the decision reads. */
export interface SignatureVerdict { verdict: 'verified' | 'rejected'; code: string }

export type SignatureKind = 'OpenPGP' | 'Sigstore';

export interface ChartVerdict {
  verified: boolean;
  /** The kinds of signature the chart has, OpenPGP first; empty when it has none (unsigned). */
  signedWith: SignatureKind[];
  /** Not verified though signed: the signature that decides it, OpenPGP's first, then the first cosign one that fails. */
  failed?: { kind: 'OpenPGP'; code: string } | { kind: 'Sigstore'; code: string; index: number };
}

/** The OpenPGP code of an archive without a `.prov` beside it. */
const NO_PROV = 'missing-prov';

/**
 * `openpgp`: the `.prov`'s outcome (absent, or `missing-prov`, when there is none); `sigstore`: the
 * outcome of each cosign signature beside the archive, in the order they were found.
 */
export function chartVerdict(openpgp: SignatureVerdict | undefined, sigstore: readonly SignatureVerdict[]): ChartVerdict {
  const hasProv = openpgp !== undefined && openpgp.code !== NO_PROV;
  // Pushed, not spread: this runs for every chart of a workspace's index, mostly in unoptimized code.
  const signedWith: SignatureKind[] = [];
  if (hasProv) signedWith.push('OpenPGP');
  if (sigstore.length) signedWith.push('Sigstore');
  if (hasProv && openpgp.verdict !== 'verified') return { verified: false, signedWith, failed: { kind: 'OpenPGP', code: openpgp.code } };
  const index = sigstore.findIndex((s) => s.verdict !== 'verified');
  if (index >= 0) return { verified: false, signedWith, failed: { kind: 'Sigstore', code: sigstore[index].code, index } };
  return { verified: signedWith.length > 0, signedWith };
}

/** "OpenPGP", "Sigstore", "OpenPGP + Sigstore": how a verdict names what it rests on. */
export function signedWithText(verdict: ChartVerdict): string {
  return verdict.signedWith.join(' + ');
}
