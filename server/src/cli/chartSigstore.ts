// `helm-prov verify`'s second kind of signature: the cosign signatures beside each archive
// (server/src/sigstore/siblingFiles.ts), each reported with its own code after the OpenPGP result.
// Whether the chart passes is sigstore/chartVerdict.ts's decision, the same the editor shows. The
// identity a keyless signature must carry comes from verify-blob's flags only; without them such a
// signature is `identity-required`, never verified.
import { escapeUntrusted } from '../provenance/untrustedText';
import type { Outcome } from '../provenance/verify';
import { chartVerdict } from '../sigstore/chartVerdict';
import { siblingLabel, sigstoreSiblings } from '../sigstore/siblingFiles';
import type { SiblingOutcome } from '../sigstore/verifySiblings';
import { formatOutcome, outcomeJson } from './format';
import { formatSigstoreOutcome, sigstoreOutcomeJson } from './sigstoreFormat';
import { identityPolicyFromFlags, trustedRootReader, type IdentityFlagValues } from './sigstoreTrust';

export type SiblingCheck = (archive: string) => Promise<SiblingOutcome[]>;

type VerifyFlags = IdentityFlagValues & { 'trusted-root'?: string; staging?: boolean };

/** The check of one archive's cosign siblings under the flags given; flag mistakes are usage errors now, not per archive. */
export async function siblingCheckFromFlags(values: VerifyFlags): Promise<SiblingCheck> {
  // `verify` of local charts has no key flag: only the identity a keyless sibling must carry.
  const policy = await identityPolicyFromFlags(values, false);
  const rootBytes = values['trusted-root'] === undefined ? undefined : (await trustedRootReader())(values['trusted-root']);
  let root: ReturnType<typeof import('../sigstore/rootSelection').trustedRootForVerify> | undefined;
  return async (archive) => {
    const siblings = sigstoreSiblings(archive);
    if (siblings.length === 0) return [];
    // The Sigstore libraries load only for a chart that has a cosign signature.
    const { trustedRootForVerify } = await import('../sigstore/rootSelection');
    const { verifySiblings } = await import('../sigstore/verifySiblings');
    root ??= trustedRootForVerify({ file: values['trusted-root'], staging: values.staging ?? false, read: () => rootBytes! });
    return verifySiblings(archive, siblings, {
      trustedRoot: () => root!,
      ...(policy ? { trust: { kind: 'identity' as const, policy } } : {}),
    });
  };
}

export interface ChartReport { ok: boolean; text: string; json: Record<string, unknown> }

/** The OpenPGP outcome and the cosign ones as one chart's report. */
export function chartReport(openpgp: Outcome, cosign: SiblingOutcome[], named: boolean): ChartReport {
  const verdict = chartVerdict(openpgp, cosign.map((c) => c.outcome));
  const ok = verdict.verified;
  const pgpAbsent = !verdict.signedWith.includes('OpenPGP') && cosign.length > 0;
  const lines = pgpAbsent ? [`${escapeUntrusted(openpgp.archive, 2000)}: no OpenPGP signature (no .prov beside it); cosign only`] : [formatOutcome(openpgp, named || cosign.length > 0)];
  for (const c of cosign) lines.push(`${escapeUntrusted(openpgp.archive, 2000)}: cosign ${escapeUntrusted(siblingLabel(c.files), 2000)}: ${formatSigstoreOutcome(c.outcome)}`);
  return {
    ok,
    text: lines.join('\n'),
    // Charts without a cosign signature keep the object they always had.
    json: cosign.length === 0 ? outcomeJson(openpgp) : {
      ...outcomeJson(openpgp),
      sigstore: cosign.map((c) => ({ file: c.files.kind === 'bundle' ? c.files.bundle : c.files.signature, ...sigstoreOutcomeJson(c.outcome) })),
      overall: ok ? 'verified' : 'rejected',
    },
  };
}
