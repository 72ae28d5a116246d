// Quick fixes: for each state whose next step is clear, the commands that can work now — thin over the
// existing commands (Sign Chart, Package and Sign, and the client's Copy Fingerprint). The same list is
// a status's `fixes` (buttons on the Verify notification) and the code actions on the `.prov`'s
// diagnostics with those codes (or on the Chart.yaml, for a chart's own state). Pure.
//   hash-mismatch            Sign again (only when the archive is what the folder packages to now),
//                            Re-package and sign
//   unknown-signer           Copy fingerprint (the key the signature names)
//   key-expired, key-revoked Select another key and sign
//   stale, out of date       Package and sign
//   identity-required,       Trust a Sigstore signer (the client's Verify Sigstore Signature on the
//   identity/issuer-mismatch archive: it asks whom to expect and offers to remember that signer)
// Writes are offered only in a trusted workspace, client commands only to a client that has them.
import { CodeActionKind, type CodeAction, type Diagnostic } from 'vscode-languageserver/node';
import { CLIENT_COMMANDS, COMMANDS, type ChartCommandArgs, type StatusFix, type StatusParams } from './protocol';
import type { ProvCheck } from './provCheck';
import { outOfDateOf, type ChartEvaluation } from './status';
import { chartVerdictOf, failedCosign } from './statusSigstore';
import { pathToUri } from './uris';

export interface FixContext {
  /** False in Restricted Mode: nothing that writes files or runs gpg. */
  trusted: boolean;
  /** The client registers the commands itself (VS Code): client-only commands and the key picker exist. */
  clientCommands: boolean;
}

/** The cosign codes a trusted signer named now can change (reading only: allowed in Restricted Mode too). */
const SIGNER_CODES = new Set(['identity-required', 'identity-mismatch', 'issuer-mismatch']);

/** The code of the chart state "archive out of date" (docs/codes.md). */
const OUT_OF_DATE = 'archive-differs-from-source';

function fix(title: string, command: string, args: unknown, code: string): StatusFix {
  return { title, command, arguments: [args], code };
}

/** The key a signature names: a 40-hex fingerprint, or a 16-hex key id from older signatures. */
function copyKeyFix(check: ProvCheck): StatusFix | undefined {
  const id = check.issuers.find((i) => /^[0-9A-F]{40}$/.test(i)) ?? check.issuers.find((i) => /^[0-9A-F]{16}$/.test(i));
  if (!id) return undefined;
  return fix(id.length === 40 ? 'Copy fingerprint' : 'Copy key ID', CLIENT_COMMANDS.copyFingerprint, id, 'unknown-signer');
}

/** Fixes for a `.prov`'s verdict; `chart` when the `.prov` is its chart's (signing needs the chart). */
function verdictFixes(check: ProvCheck, ctx: FixContext, chart?: { args: ChartCommandArgs; archiveCurrent: boolean }): StatusFix[] {
  const code = check.outcome.code;
  const fixes: (StatusFix | undefined)[] = [];
  if (code === 'unknown-signer' && ctx.clientCommands) fixes.push(copyKeyFix(check));
  if (chart && ctx.trusted) {
    // Signing the chart signs its archive only when it is what the folder packages to (signSource.ts).
    const sign = chart.archiveCurrent ? COMMANDS.signChart : COMMANDS.packageAndSignChart;
    if (code === 'hash-mismatch') {
      if (chart.archiveCurrent) fixes.push(fix('Sign again', COMMANDS.signChart, chart.args, code));
      fixes.push(fix('Re-package and sign', COMMANDS.packageAndSignChart, chart.args, code));
    }
    if ((code === 'key-expired' || code === 'key-revoked') && ctx.clientCommands) {
      fixes.push(fix('Select another key and sign', sign, { ...chart.args, pickKey: true }, code));
    }
  }
  return fixes.filter((f): f is StatusFix => f !== undefined);
}

/** The fixes of a chart's state: its `.prov`'s verdict, or Package and Sign for an archive that is stale or out of date. */
export function chartFixes(evaluation: ChartEvaluation, ctx: FixContext): StatusFix[] {
  const chartYaml = pathToUri(evaluation.chart.chartYaml);
  switch (evaluation.kind) {
    case 'stale':
      return ctx.trusted ? [fix('Package and sign', COMMANDS.packageAndSignChart, { chartYaml, archive: pathToUri(evaluation.archive) }, 'stale')] : [];
    case 'unsigned':
    case 'checked': {
      const args: ChartCommandArgs = { chartYaml, archive: pathToUri(evaluation.archive), ...(evaluation.kind === 'checked' ? { prov: pathToUri(evaluation.prov) } : {}) };
      if (outOfDateOf(evaluation)) return ctx.trusted ? [fix('Package and sign', COMMANDS.packageAndSignChart, args, OUT_OF_DATE)] : [];
      const cosign = failedCosign(chartVerdictOf(evaluation.kind === 'checked' ? evaluation.check.outcome : undefined, evaluation.cosign), evaluation.cosign);
      if (cosign) return ctx.clientCommands && SIGNER_CODES.has(cosign.code) ? [fix('Trust a Sigstore signer', CLIENT_COMMANDS.verifySigstoreSignature, args.archive, cosign.code)] : [];
      if (evaluation.kind === 'unsigned') return [];
      return verdictFixes(evaluation.check, ctx, { args, archiveCurrent: evaluation.freshness?.current === true });
    }
    default:
      return [];
  }
}

/** The fixes of a `.prov` checked outside any chart: nothing to sign it from, so only what needs no chart. */
export function provFixes(check: ProvCheck, ctx: FixContext): StatusFix[] {
  return verdictFixes(check, ctx);
}

/** A status with its fixes (none: the field is left out). */
export function withFixes(status: StatusParams, fixes: StatusFix[]): StatusParams {
  return fixes.length ? { ...status, fixes } : status;
}

/**
 * The quick fixes for a code-action request: each fix on the diagnostics (of the request's context)
 * with its code; a fix of the chart's own state (stale, out of date) on its Chart.yaml needs none.
 */
export function quickFixes(fixes: StatusFix[], diagnostics: Diagnostic[], onChartYaml: boolean): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const f of fixes) {
    const fixed = diagnostics.filter((d) => d.code === f.code);
    const chartState = onChartYaml && (f.code === 'stale' || f.code === OUT_OF_DATE);
    if (!fixed.length && !chartState) continue;
    actions.push({
      title: f.title,
      kind: CodeActionKind.QuickFix,
      ...(fixed.length ? { diagnostics: fixed } : {}),
      command: { title: f.title, command: f.command, arguments: f.arguments },
    });
  }
  return actions;
}
