// The words of Verify Chart Reference…'s notification (verifyReference.ts), kept free of `vscode` so
// a unit test reads them: the verdict in words, as the other verify commands tell theirs, then each
// signature's outcome with its code and the manifest digest.
import { notificationText } from '../../server/src/lsp/keyText';
import type { ReferenceSignatureOutcome, VerifyReferenceResult } from '../../server/src/lsp/verifyReferenceProtocol';
import { messageText } from './uiText';

function partText(kind: string, p: ReferenceSignatureOutcome | undefined): string {
  if (!p) return `${kind}: —`;
  if (p.verdict === 'verified') return `${kind}: verified${p.signer ? `, signed by ${messageText(p.signer)}` : ''}`;
  // No trusted signer named: nothing was checked, nothing failed.
  return `${kind}: ${p.code === 'identity-required' ? 'not checked' : 'not verified'} (${p.code})`;
}

/** The notification's text: `<reference> verified — …`, or `<reference> not verified (<code>): <message> — …`. */
export function referenceSummary(r: VerifyReferenceResult): string {
  const parts = [partText('OpenPGP', r.openpgp), ...(r.cosign ? [partText('cosign', r.cosign)] : [])];
  const digest = r.manifestDigest ? ` · manifest ${r.manifestDigest}` : '';
  const verdict = r.verdict === 'verified' ? 'verified' : `not verified (${r.code}): ${messageText(notificationText(r.message))}`;
  return `${messageText(r.reference)} ${verdict} — ${parts.join(' · ')}${digest}`;
}
