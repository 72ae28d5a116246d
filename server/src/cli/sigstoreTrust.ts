// The identity policy from cosign's four flags, shared by `verify-blob` (where a certificate-signed
// artifact needs it) and `verify` (where it is needed only for a chart with a keyless cosign sibling).
// Exact or whole-value regexp, never both; an identity without an issuer (or the reverse) is a usage
// error, since "any issuer" would let any OIDC provider vouch for that name.
import type { Matcher, IdentityPolicy } from '../sigstore/policy';
import { UsageError } from './args';

export const IDENTITY_FLAGS = ['certificate-identity', 'certificate-identity-regexp', 'certificate-oidc-issuer', 'certificate-oidc-issuer-regexp'] as const;

export type IdentityFlagValues = { [K in (typeof IDENTITY_FLAGS)[number]]?: string };

/** The policy the flags give; undefined when none is given and `required` is false. */
export async function identityPolicyFromFlags(values: IdentityFlagValues, required: boolean): Promise<IdentityPolicy | undefined> {
  if (!required && IDENTITY_FLAGS.every((f) => values[f] === undefined)) return undefined;
  const { exactMatcher, regexpMatcher } = await import('../sigstore/policy');
  const matcher = (exactFlag: 'certificate-identity' | 'certificate-oidc-issuer', what: string): Matcher => {
    const exact = values[exactFlag];
    const regexp = values[`${exactFlag}-regexp`];
    if (exact !== undefined && regexp !== undefined) throw new UsageError(`give --${exactFlag} or --${exactFlag}-regexp, not both`);
    if (exact === undefined && regexp === undefined) {
      throw new UsageError(`no ${what} given: a certificate-signed artifact verifies only against the signer you expect (--${exactFlag} S or --${exactFlag}-regexp R); without it any Sigstore certificate would pass`);
    }
    if (exact !== undefined) return exactMatcher(exact);
    const m = regexpMatcher(regexp!);
    if (typeof m === 'string') throw new UsageError(`--${exactFlag}-regexp: ${m}`);
    return m;
  };
  return { identity: matcher('certificate-identity', 'identity'), issuer: matcher('certificate-oidc-issuer', 'OIDC issuer') };
}
