// A chart's status and lens when cosign signatures are beside its archive: the verdict is
// sigstore/chartVerdict.ts's (the one `helm-prov verify` uses), over the OpenPGP outcome when there is
// a `.prov` and the cosign outcomes checked with the user's machine-scoped signers (cosignLine.ts). A
// chart signed only with cosign is never "Unsigned"; one whose cosign signature cannot be checked (no
// trusted signer set) is `identity-required`, never verified; both signed: both named. Pure.
import type { Outcome } from '../provenance/verify';
import { chartVerdict, signedWithText, type ChartVerdict } from '../sigstore/chartVerdict';
import { sigstoreWords } from '../sigstore/outcomeWords';
import type { CosignFacts, CosignSignatureFacts } from './cosignLine';
import type { StatusParams } from './protocol';

/** The chart's verdict: its `.prov`'s outcome (none for an unsigned archive) with its cosign signatures'. */
export function chartVerdictOf(openpgp: Outcome | undefined, cosign: CosignFacts | undefined): ChartVerdict {
  return chartVerdict(openpgp, cosign ?? []);
}

/** The cosign signature that fails the chart, when it is one. */
export function failedCosign(verdict: ChartVerdict, cosign: CosignFacts | undefined): CosignSignatureFacts | undefined {
  return verdict.failed?.kind === 'Sigstore' ? cosign?.[verdict.failed.index] : undefined;
}

function signedBy(f: CosignSignatureFacts): string {
  const who = f.identity !== undefined ? `${f.identity}${f.issuer ? ` (issuer ${f.issuer})` : ''}` : 'a key';
  return `${f.label} signed by ${who}${f.loggedAt ? `, logged ${f.loggedAt}` : ''}`;
}

type VerdictFields = Pick<StatusParams, 'state' | 'severity' | 'code' | 'summary' | 'message'>;

function verifiedSentence(cosign: CosignFacts): string {
  return `Verified with Sigstore: ${cosign.map(signedBy).join('; ')}.`;
}

function failureFields(failed: CosignSignatureFacts, pgpVerified: boolean): VerdictFields {
  return {
    state: 'rejected',
    // Nothing was checked without a trusted signer: the person has to name one, nothing is wrong yet.
    severity: failed.code === 'identity-required' ? 'warning' : 'error',
    code: failed.code,
    summary: sigstoreWords(failed.code).summary,
    message: `${pgpVerified ? 'The .prov verifies, but the Sigstore signature does not: ' : ''}${failed.label}: ${failed.message}`,
  };
}

/** A chart signed with cosign only (no `.prov`; `cosign` not empty): the verdict is the cosign signatures'. */
export function cosignOnlyFields(cosign: CosignFacts): VerdictFields {
  const verdict = chartVerdictOf(undefined, cosign);
  const failed = failedCosign(verdict, cosign);
  if (failed) return failureFields(failed, false);
  return { state: 'verified', severity: 'ok', code: 'verified', summary: `Verified (${signedWithText(verdict)})`, message: verifiedSentence(cosign) };
}

/**
 * What the cosign signatures change in the verdict fields of a chart with a `.prov`: nothing when there
 * are none or the `.prov` fails the chart (its code decides, as in the CLI); both named when both
 * verify; the failing cosign signature's code and words when only the `.prov` does.
 */
export function withCosignFields(openpgp: Outcome, cosign: CosignFacts | undefined): Partial<VerdictFields> {
  if (!cosign?.length) return {};
  const verdict = chartVerdictOf(openpgp, cosign);
  // The `.prov`'s own state and severity (its warnings) stay.
  if (verdict.verified) return { summary: `Verified (${signedWithText(verdict)})`, message: `${openpgp.message.trim()} ${verifiedSentence(cosign)}` };
  const failed = failedCosign(verdict, cosign);
  return failed ? failureFields(failed, true) : {};
}
