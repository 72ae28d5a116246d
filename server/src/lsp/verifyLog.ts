// The output channel's line for a Verify that did not end in "verified": what was checked and with
// which keys (the keyring files looked for and read, the trusted fingerprints), so a person can see why
// a signer was unknown without guessing where the extension looked.
import { escapeUntrusted } from '../provenance/untrustedText';
import { refusalMessage } from '../provenance/userPaths';
import type { KeySet } from './keyStore';
import type { ResolvedPaths } from './pathSettings';
import type { HelmProvenanceSettings, StatusParams } from './protocol';
import { uriToPath } from './uris';

export function verifyFailureLine(target: string, status: StatusParams, keys: KeySet, paths: ResolvedPaths, settings: HelmProvenanceSettings): string {
  const file = (uri: string | undefined) => (uri ? escapeUntrusted(uriToPath(uri) ?? uri) : undefined);
  const read = new Set(keys.files);
  const keyrings = paths.keyrings.paths.map((p) => `${escapeUntrusted(p)}${read.has(p) ? '' : ' (absent or unreadable)'}`).join(', ') || '(none)';
  const tried = [
    status.archive ? `archive ${file(status.archive)}` : undefined,
    status.prov ? `provenance ${file(status.prov)}` : undefined,
    `keyrings ${keyrings} (${keys.keys.length} keys)`,
    `trusted fingerprints ${settings.trustedFingerprints.length ? settings.trustedFingerprints.join(', ') : 'any key in the keyrings'}`,
    ...paths.refusals.map((r) => `refused ${refusalMessage(r)}`),
  ].filter((part): part is string => part !== undefined);
  return `Verify ${file(target)}: ${status.state}${status.code ? ` [${status.code}]` : ''} ${status.message} Tried: ${tried.join('; ')}`;
}
