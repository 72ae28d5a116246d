// Verify Chart Reference… (palette): asks for `oci://host/repo/chart:1.2.3` or `repo/chart@version`,
// has the server fetch and verify it (verifyReferenceRequest.ts) under a cancellable progress, and tells
// the verdict in words (referenceText.ts), the OpenPGP and the cosign outcome, each with its code, and the
// manifest digest; the details go to the output channel. Not in Restricted Mode: it contacts registries
// with this machine's credentials.
import * as vscode from 'vscode';
import type { VerifyReferenceResult } from '../../server/src/lsp/verifyReferenceProtocol';
import { VerifyReferenceRequest } from '../../server/src/lsp/verifyReferenceProtocol';
import type { Log } from './output';
import { referenceSummary } from './referenceText';
import type { ServerConnection } from './serverConnection';
import { requireTrust } from './settings';
import { labelText, messageText } from './uiText';

export interface VerifyReferenceDeps { server: ServerConnection; log: Log }

export async function verifyChartReference(deps: VerifyReferenceDeps, arg: unknown): Promise<VerifyReferenceResult | undefined> {
  if (!requireTrust('Verify Chart Reference', 'contacts registries with the credentials of this machine')) return undefined;
  const reference = typeof arg === 'string' ? arg : await vscode.window.showInputBox({
    title: 'Verify Chart Reference',
    prompt: 'A chart in an OCI registry, or in a repository of your Helm repositories.yaml',
    placeHolder: 'oci://registry.example.com/charts/mychart:1.2.3, or myrepo/mychart@1.2.3',
    ignoreFocusOut: true,
    validateInput: (v) => (/^oci:\/\/\S+:\S+$|^[^/@\s]+\/[^/@\s]+@[^/@\s]+$/.test(v.trim()) ? undefined : 'oci://host/repository/chart:version, or repo/chart@version'),
  });
  if (!reference?.trim()) return undefined;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Verifying ${labelText(reference.trim())}`, cancellable: true },
    (_progress, token) => deps.server.send(VerifyReferenceRequest.type, { reference: reference.trim() }, token),
  );
  if (!result.ok) {
    deps.log.channel.warn(`Verify Chart Reference ${reference.trim()}: ${result.error.code} — ${result.error.message}`);
    void vscode.window.showErrorMessage(`Cannot verify ${messageText(reference.trim())} (${result.error.code}): ${messageText(result.error.message)}`);
    return undefined;
  }
  const log = deps.log.channel;
  log.info(`Verify Chart Reference ${result.reference}: ${result.verdict} (${result.code}) — ${result.message}`);
  if (result.manifestDigest) log.info(`  manifest digest ${result.manifestDigest}`);
  if (result.chartDigest) log.info(`  chart digest ${result.chartDigest}`);
  for (const [kind, p] of [['OpenPGP', result.openpgp], ['cosign', result.cosign]] as const) {
    if (p) log.info(`  ${kind}: ${p.verdict} (${p.code})${p.signer ? `, signed by ${p.signer}` : ''} — ${p.message}`);
  }
  const show = 'Show Details';
  // As Verify Chart: nothing checked for want of a trusted signer (identity-required) is a warning, not an error.
  const tell = result.verdict === 'verified' ? vscode.window.showInformationMessage : result.code === 'identity-required' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
  const shown = tell(referenceSummary(result), show);
  void shown.then((choice) => { if (choice === show) deps.log.show(); });
  return result;
}
