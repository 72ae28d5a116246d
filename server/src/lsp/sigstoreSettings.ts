// `helmProvenance.sigstore.*`, checked field by field as settings.ts does the others. Machine-scoped
// (package.json): VS Code never reads them from a workspace, so a repository cannot name the signer its
// own cosign signatures are checked against. An identity entry counts only when it says both who
// (identity or identityRegexp) and by which OIDC issuer (issuer or issuerRegexp), each one way: half an
// entry would trust a name from any issuer. Pure data: the client imports this file too.
import type { SigstoreSettings, SigstoreTrustedIdentity } from './protocol';

const FIELDS = ['identity', 'identityRegexp', 'issuer', 'issuerRegexp'] as const;

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** An entry as given, or why it is not one. */
export function trustedIdentityOf(raw: unknown): SigstoreTrustedIdentity | string {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return 'an entry is not an object';
  const r = raw as Record<string, unknown>;
  const entry: SigstoreTrustedIdentity = {};
  for (const f of FIELDS) {
    const v = nonEmpty(r[f]);
    if (v !== undefined) entry[f] = v;
  }
  const who = (entry.identity ? 1 : 0) + (entry.identityRegexp ? 1 : 0);
  const issuer = (entry.issuer ? 1 : 0) + (entry.issuerRegexp ? 1 : 0);
  if (who !== 1) return 'an entry needs exactly one of "identity" and "identityRegexp"';
  if (issuer !== 1) return 'an entry needs exactly one of "issuer" and "issuerRegexp" (a name from any OIDC issuer is no identity)';
  return entry;
}

export function normalizeSigstoreSettings(raw: unknown): SigstoreSettings {
  const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const entries = Array.isArray(r.trustedIdentities) ? r.trustedIdentities.map(trustedIdentityOf) : [];
  return {
    trustedIdentities: entries.filter((e): e is SigstoreTrustedIdentity => typeof e !== 'string'),
    trustedRoot: nonEmpty(r.trustedRoot) ?? '',
    tufMirror: nonEmpty(r.tufMirror) ?? '',
  };
}

/** How a person says whom to trust in the editor, for messages. */
export const TRUSTED_IDENTITIES_SETTING = 'helmProvenance.sigstore.trustedIdentities';
