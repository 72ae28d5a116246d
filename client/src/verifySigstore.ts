// Verify Sigstore Signature (palette, and the explorer on any file): the cosign signatures beside the
// file (`<file>.sigstore.json`, `<file>.sig` + `<file>.cert`; a bundle, `.sig` or `.cert` stands for its
// artifact), verified by the server with the signers of `helmProvenance.sigstore.trustedIdentities`.
// When none is configured (or none matches) it asks whom the person expects — never prefilled from the
// signature, whose claim is shown only as a hint — and offers to remember that signer in the user
// (machine) settings; a workspace setting would be ignored.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SETTINGS_SECTION, VerifySigstoreRequest, type SigstoreSignatureResult, type SigstoreTrustedIdentity, type VerifySigstoreResult } from '../../server/src/lsp/protocol';
import type { Log } from './output';
import type { ServerConnection } from './serverConnection';
import { labelText, messageText } from './uiText';

export interface VerifySigstoreDeps { server: ServerConnection; log: Log }

const TRUSTED_IDENTITIES = 'sigstore.trustedIdentities';

/**
 * The line a verdict is told in, in words as the other verify commands' (no ✓/✗ beside the
 * notification's own icon): who signed and when the log says it happened, or the server's sentence,
 * which names the signature file and says what failed and what to do (the code goes to the log).
 */
export function sigstoreVerdictText(r: SigstoreSignatureResult): string {
  if (r.verdict !== 'verified') return messageText(r.message);
  const name = path.basename(vscode.Uri.parse(r.file).fsPath);
  const who = r.signer && 'identity' in r.signer ? `${messageText(r.signer.identity)} (issuer ${messageText(r.signer.issuer)})` : r.signer ? `key ${r.signer.key}` : 'an unnamed signer';
  const when = r.tlog ? `, logged ${r.tlog.integratedTime ?? 'with a timestamp'} (log index ${r.tlog.logIndex})` : ', with no log entry';
  return `${messageText(name)} verified: signed by ${who}${when}.`;
}

async function askIdentity(claimed: SigstoreSignatureResult['signer']): Promise<SigstoreTrustedIdentity | undefined> {
  const hint = claimed && 'identity' in claimed ? ` The signature claims "${labelText(claimed.identity)}" from "${labelText(claimed.issuer)}": accept that only if the project's own documentation names it.` : '';
  const identity = await vscode.window.showInputBox({
    title: 'Verify Sigstore Signature: who should have signed?',
    prompt: `The certificate identity you expect (an email or a workflow URI).${hint}`,
    placeHolder: 'release@example.com, or https://github.com/org/repo/.github/workflows/release.yml@refs/tags/v1.0.0',
    ignoreFocusOut: true,
  });
  if (!identity?.trim()) return undefined;
  const issuer = await vscode.window.showInputBox({
    title: 'Verify Sigstore Signature: which OIDC issuer vouched for it?',
    prompt: 'The OIDC issuer recorded in the certificate.',
    placeHolder: 'https://token.actions.githubusercontent.com, https://accounts.google.com, https://github.com/login/oauth',
    ignoreFocusOut: true,
  });
  if (!issuer?.trim()) return undefined;
  return { identity: identity.trim(), issuer: issuer.trim() };
}

async function rememberIdentity(identity: SigstoreTrustedIdentity): Promise<void> {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  // The entries as the user wrote them, those the extension ignores included: remembering adds one and rewrites none.
  const written = config.get<unknown>(TRUSTED_IDENTITIES);
  await config.update(TRUSTED_IDENTITIES, [...(Array.isArray(written) ? written : []), identity], vscode.ConfigurationTarget.Global);
}

function run(deps: VerifySigstoreDeps, uri: vscode.Uri, identity?: SigstoreTrustedIdentity) {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Verifying the Sigstore signature of ${labelText(path.basename(uri.fsPath))}`, cancellable: true },
    (_progress, token) => deps.server.send(VerifySigstoreRequest.type, { uri: uri.toString(), ...(identity ? { identity } : {}) }, token),
  );
}

export async function verifySigstoreSignature(deps: VerifySigstoreDeps, arg: unknown): Promise<VerifySigstoreResult | undefined> {
  // A chart status's fix (codeActions.ts) names the archive as a uri string.
  const given = typeof arg === 'string' ? vscode.Uri.parse(arg) : arg;
  const uri = given instanceof vscode.Uri && given.scheme === 'file' ? given : vscode.window.activeTextEditor?.document.uri.scheme === 'file' ? vscode.window.activeTextEditor.document.uri
    : (await vscode.window.showOpenDialog({ title: 'Select the file to verify', canSelectMany: false }))?.[0];
  if (!uri) return undefined;
  let result = await run(deps, uri);
  if (!result.ok) {
    void vscode.window.showErrorMessage(`Cannot verify ${messageText(path.basename(uri.fsPath))}: ${messageText(result.error.message)}`);
    return undefined;
  }
  const artifact = path.basename(vscode.Uri.parse(result.artifact).fsPath);
  if (result.signatures.length === 0) {
    void vscode.window.showWarningMessage(`${messageText(artifact)} has no Sigstore signature beside it (looked for ${messageText(artifact)}.sigstore.json, and ${messageText(artifact)}.sig with ${messageText(artifact)}.cert).`);
    return result;
  }
  const unmatched = result.signatures.find((s) => s.code === 'identity-required' || s.code === 'identity-mismatch' || s.code === 'issuer-mismatch');
  let asked: SigstoreTrustedIdentity | undefined;
  if (unmatched) {
    asked = await askIdentity(unmatched.signer);
    if (asked) {
      const again = await run(deps, uri, asked);
      if (again.ok) result = again;
    }
  }
  for (const s of result.signatures) {
    deps.log.channel.info(`Verify Sigstore ${vscode.Uri.parse(s.file).fsPath}: ${s.verdict} (${s.code}) — ${s.message}`);
    for (const w of s.warnings) deps.log.channel.warn(`${vscode.Uri.parse(s.file).fsPath}: ${w.code}: ${w.message}`);
    if (s.verdict === 'verified') void vscode.window.showInformationMessage(sigstoreVerdictText(s));
    // No signer named (the person dismissed the question): nothing was checked, nothing failed.
    else if (s.code === 'identity-required') void vscode.window.showWarningMessage(sigstoreVerdictText(s));
    else void vscode.window.showErrorMessage(sigstoreVerdictText(s));
  }
  if (asked && result.signatures.some((s) => s.verdict === 'verified')) {
    const remember = 'Remember this signer';
    const choice = await vscode.window.showInformationMessage(`Trust ${messageText(asked.identity!)} (issuer ${messageText(asked.issuer!)}) for Sigstore signatures from now on? It is saved in your user settings (helmProvenance.sigstore.trustedIdentities), never in the workspace.`, remember);
    if (choice === remember) await rememberIdentity(asked);
  }
  return result;
}
