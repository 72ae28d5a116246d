// The CodeLens on the first line of a Chart.yaml: the chart's live provenance status, each lens running
// the command that helps (verify, sign, package and sign, open the .prov). Pure.
import * as path from 'node:path';
import type { CodeLens } from 'vscode-languageserver/node';
import { codiconText } from '../provenance/untrustedText';
import { COMMANDS, type ChartCommandArgs } from './protocol';
import { chartStatus, outcomeWords, outOfDateOf, type ChartEvaluation } from './status';
import { outOfDateText, type OutOfDate } from './sourceFreshness';
import { shortFingerprint } from './keyText';
import { pathToUri } from './uris';
import { cosignLenses, cosignMark, type CosignFacts } from './cosignLine';
import { signedWithText, type ChartVerdict } from '../sigstore/chartVerdict';
import { sigstoreWords } from '../sigstore/outcomeWords';
import { chartVerdictOf, failedCosign } from './statusSigstore';

const FIRST_LINE = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

function lens(title: string, command: string, args?: ChartCommandArgs): CodeLens {
  // An empty command id shows the title as plain text (nothing to run).
  return { range: FIRST_LINE, command: { title, command, ...(args ? { arguments: [args] } : {}) } };
}

export const CHECKING_LENS_TITLE = 'Checking provenance…';

/** The lens shown while a chart is evaluated for the first time. */
export function checkingLenses(): CodeLens[] {
  return [lens(CHECKING_LENS_TITLE, '')];
}

/**
 * A lens that packages or signs. In Restricted Mode it could only fail, so it runs nothing and says
 * what is off and why instead.
 */
function writeLens(what: string, action: 'Package and Sign' | 'Sign Chart', command: string, args: ChartCommandArgs, trusted: boolean): CodeLens {
  return trusted ? lens(`${what} — ${action}`, command, args) : lens(`${what} — ${action} is off in Restricted Mode (it writes files)`, '');
}

function outOfDateLens(outOfDate: OutOfDate, args: ChartCommandArgs, trusted: boolean): CodeLens {
  const what = `⚠ Archive out of date: ${outOfDateText(outOfDate, (name) => codiconText(name, 80))}`;
  return writeLens(what, 'Package and Sign', COMMANDS.packageAndSignChart, args, trusted);
}

/**
 * The verdict lens of a chart whose cosign signatures decide it: verified (cosign only), or the one that
 * fails, its words and what to do (identity-required: which setting names a trusted signer).
 */
function cosignVerdictLens(verdict: ChartVerdict, cosign: CosignFacts | undefined, args: ChartCommandArgs): CodeLens {
  const failed = failedCosign(verdict, cosign);
  if (!failed) return lens(`✓ Verified (${signedWithText(verdict)})`, COMMANDS.verifyChart, args);
  const words = sigstoreWords(failed.code);
  return lens(`${cosignMark(failed.code)} Sigstore: ${words.summary} — ${words.reason}`, COMMANDS.verifyChart, args);
}

/**
 * The lenses of a chart; `trusted` is false in Restricted Mode (nothing may be written). A narrow window
 * cuts the lenses of a line off, so the verdict's lens carries the status's whole sentence as its
 * tooltip (plain text: escaped, as the status is).
 */
export function chartLenses(evaluation: ChartEvaluation, trusted = true): CodeLens[] {
  const [verdict, ...rest] = provenanceLenses(evaluation, trusted);
  const withSentence = { ...verdict, command: { ...verdict.command!, tooltip: chartStatus(evaluation).message } };
  return [withSentence, ...rest, ...cosignLenses('cosign' in evaluation ? evaluation.cosign : undefined)];
}

function provenanceLenses(evaluation: ChartEvaluation, trusted: boolean): CodeLens[] {
  const chartYaml = pathToUri(evaluation.chart.chartYaml);
  switch (evaluation.kind) {
    case 'invalid':
      return [lens(codiconText(`Chart.yaml: ${evaluation.chart.error ?? 'no name or version'}`, 120), '')];
    case 'not-packaged':
      return [writeLens('Not packaged', 'Package and Sign', COMMANDS.packageAndSignChart, { chartYaml }, trusted)];
    case 'stale': {
      const what = codiconText(`Stale: archive holds ${evaluation.holds.version}, Chart.yaml says ${evaluation.chart.version ?? ''}`, 160);
      return [writeLens(what, 'Package and Sign', COMMANDS.packageAndSignChart, { chartYaml, archive: pathToUri(evaluation.archive) }, trusted)];
    }
    case 'irregular':
      return [lens(codiconText(`✗ Not a regular file — ${path.basename(evaluation.file)} is ${evaluation.what}`, 160), COMMANDS.verifyChart, { chartYaml })];
    case 'unsigned': {
      const args = { chartYaml, archive: pathToUri(evaluation.archive) };
      const outOfDate = outOfDateOf(evaluation);
      if (outOfDate) return [outOfDateLens(outOfDate, args, trusted)];
      // Signed with cosign only: its verdict, never "Unsigned" (the cosign line below names the signer).
      if (evaluation.cosign?.length) return [cosignVerdictLens(chartVerdictOf(undefined, evaluation.cosign), evaluation.cosign, args)];
      return [writeLens('⚠ Unsigned', 'Sign Chart', COMMANDS.signChart, args, trusted)];
    }
    case 'checked': {
      const { outcome, issuers } = evaluation.check;
      const args = { chartYaml, archive: pathToUri(evaluation.archive), prov: pathToUri(evaluation.prov) };
      const open = lens('Open .prov', COMMANDS.openProvenance, args);
      const outOfDate = outOfDateOf(evaluation);
      if (outOfDate) return [outOfDateLens(outOfDate, args, trusted), open];
      const verdict = chartVerdictOf(outcome, evaluation.cosign);
      if (verdict.failed?.kind === 'Sigstore') return [cosignVerdictLens(verdict, evaluation.cosign, args), open];
      if (outcome.verdict === 'verified' && outcome.signer) {
        const who = outcome.signer.uid ? `${codiconText(outcome.signer.uid, 80)} · ` : '';
        const how = verdict.signedWith.includes('Sigstore') ? ` (${signedWithText(verdict)})` : '';
        return [lens(`✓ Signed by ${who}${shortFingerprint(outcome.signer.fingerprint)} · verified${how}`, COMMANDS.verifyChart, args), open];
      }
      const words = outcomeWords(outcome.code);
      const reason = outcome.code === 'unknown-signer' && issuers.length
        ? `key ${codiconText(issuers[0], 64)} is not in your keyrings`
        : words.reason;
      return [lens(`✗ ${words.summary} — ${reason}`, COMMANDS.verifyChart, args), open];
    }
  }
}
