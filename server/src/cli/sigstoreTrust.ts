// The cosign trust from cosign's flags, shared by `verify-blob` / `verify-bundle` (where a
// certificate-signed artifact needs it), `verify` of local charts (only for a keyless cosign sibling)
// and `verify oci://…` (the signatures beside a chart's manifest). A key, or an identity policy: exact or
// whole-value regexp, never both; an identity without an issuer (or the reverse) is a usage error,
// since "any issuer" would let any OIDC provider vouch for that name.
import { readBoundedFile } from '../provenance/boundedRead';
import { escapeUntrusted } from '../provenance/untrustedText';
import type { Matcher, IdentityPolicy } from '../sigstore/policy';
import type { Trust } from '../sigstore/verifyBundle';
import { UsageError } from './args';

export const IDENTITY_FLAGS = ['certificate-identity', 'certificate-identity-regexp', 'certificate-oidc-issuer', 'certificate-oidc-issuer-regexp'] as const;

/** The option table entries of the identity flags and `--trusted-root`, for commands that verify cosign signatures. */
export const identityOptions = {
  'certificate-identity': { type: 'string' },
  'certificate-identity-regexp': { type: 'string' },
  'certificate-oidc-issuer': { type: 'string' },
  'certificate-oidc-issuer-regexp': { type: 'string' },
  'trusted-root': { type: 'string' },
} as const;

export type IdentityFlagValues = { [K in (typeof IDENTITY_FLAGS)[number]]?: string };

/** Reads a file named on the command line, bounded; a missing or unreadable one is a usage error. */
export function readNamedFile(file: string, limit: number, flag: string): Buffer {
  const read = readBoundedFile(file, limit);
  if (!read.ok) throw new UsageError(`${flag} ${escapeUntrusted(read.message, 2000)}`);
  return read.bytes;
}

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

/** A key file that did not parse: the caller reports it as a usage error or as a rejected outcome. */
export interface KeyFileError { kind: 'key-error'; code: string; message: string }

/**
 * The trust the flags ask for: the public key named by `keyFlag`, or the identity policy. A key with
 * identity flags is a usage error (a key signature carries no identity to check). Undefined when
 * neither is given and `identityRequired` is false.
 */
export async function trustFromFlags(values: IdentityFlagValues & Record<string, unknown>, keyFlag: string, identityRequired: boolean): Promise<Trust | KeyFileError | undefined> {
  const keyFile = values[keyFlag];
  if (typeof keyFile === 'string') {
    const given = IDENTITY_FLAGS.filter((f) => values[f] !== undefined);
    if (given.length) throw new UsageError(`--${keyFlag} trusts a key, not a certificate identity: drop --${given.join(', --')}`);
    const { MAX_SMALL_FILE_BYTES } = await import('../sigstore/limits');
    const { parsePublicKeyFile } = await import('../sigstore/cosignFiles');
    const key = parsePublicKeyFile(readNamedFile(keyFile, MAX_SMALL_FILE_BYTES, `--${keyFlag}`), keyFile);
    if (!key.ok) return { kind: 'key-error', code: key.error.code, message: key.error.message };
    return { kind: 'key', key: key.value };
  }
  const policy = await identityPolicyFromFlags(values, identityRequired);
  return policy ? { kind: 'identity', policy } : undefined;
}

/** Reads `--trusted-root F` for trustedRootForVerify, bounded. */
export async function trustedRootReader(): Promise<(file: string) => Buffer> {
  const { MAX_TRUSTED_ROOT_BYTES } = await import('../sigstore/limits');
  return (file) => readNamedFile(file, MAX_TRUSTED_ROOT_BYTES, '--trusted-root');
}
