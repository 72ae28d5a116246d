// `helm-prov verify-blob` (cosign's flags), `helm-prov verify-bundle` (the sigstore-conformance CLI
// protocol, docs/cli_protocol.md of that suite) and `helm-prov sigstore …` (the trusted root).
// Thin: reading the named files (bounded) and printing; the checks are in server/src/sigstore/.
// Exit codes as `verify`: 0 verified, 1 rejected or failed, 2 usage error.
import { parseCommandArgs, UsageError, withUsage } from './args';
import type { SigstoreOutcome } from '../sigstore/codes';
import { escapeUntrusted, jsonLine } from '../provenance/untrustedText';
import { formatSigstoreOutcome, sigstoreOutcomeJson } from './sigstoreFormat';
import { identityOptions, readNamedFile as readNamed, trustedRootReader, trustFromFlags } from './sigstoreTrust';
import { SIGSTORE_USAGE } from './familyUsage';

export interface SigstoreIo { out: (s: string) => void; err: (s: string) => void }

const verifyOptions = {
  bundle: { type: 'string' },
  signature: { type: 'string' },
  certificate: { type: 'string' },
  'rekor-entry': { type: 'string' },
  key: { type: 'string' },
  ...identityOptions,
  staging: { type: 'boolean' },
  'insecure-ignore-tlog': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

type VerifyValues = { [K in keyof typeof verifyOptions]?: (typeof verifyOptions)[K]['type'] extends 'boolean' ? boolean : string };

async function runVerify(values: VerifyValues, target: string, io: SigstoreIo): Promise<number> {
  const limits = await import('../sigstore/limits');
  const { readArtifact } = await import('../sigstore/artifact');

  if (!values.bundle && !values.signature) throw new UsageError('give the signature: --bundle F, or --signature F.sig (with --certificate F.cert, or --key F.pub)');
  if (values.bundle && (values.signature || values.certificate || values['rekor-entry'])) throw new UsageError('--bundle holds the signature, certificate and log entry: do not combine it with --signature, --certificate or --rekor-entry');
  if (!values.key && values.signature && !values.certificate) throw new UsageError('--signature needs --certificate F.cert (keyless) or --key F.pub (keyed)');
  const trust = (await trustFromFlags(values, 'key', true))!;
  if (trust.kind === 'key-error') return print(io, values, target, { verdict: 'rejected', code: trust.code as SigstoreOutcome['code'], message: trust.message, warnings: [] });

  const { trustedRootForVerify } = await import('../sigstore/rootSelection');
  const root = await trustedRootForVerify({ file: values['trusted-root'], staging: values.staging ?? false, read: await trustedRootReader() });
  if (!root.ok) return print(io, values, target, { verdict: 'rejected', code: root.error.code as SigstoreOutcome['code'], message: root.error.message, warnings: [] });
  const { trustedRoot, warnings } = root.value;

  const artifact = await readArtifact(target);
  if (!artifact.ok) return print(io, values, target, { verdict: 'rejected', code: 'artifact-unreadable', message: artifact.error.message, warnings });

  const named = (file: string | undefined, limit: number, flag: string) => file === undefined ? undefined : { name: file, bytes: readNamed(file, limit, flag) };
  const { verifySignatureFiles } = await import('../sigstore/verifyFiles');
  return print(io, values, target, verifySignatureFiles({
    bundle: named(values.bundle, limits.MAX_BUNDLE_BYTES, '--bundle'),
    signature: named(values.signature, limits.MAX_SMALL_FILE_BYTES, '--signature'),
    certificate: named(values.certificate, limits.MAX_SMALL_FILE_BYTES, '--certificate'),
    rekorEntry: named(values['rekor-entry'], limits.MAX_REKOR_ENTRY_BYTES, '--rekor-entry'),
  }, artifact.value, { trustedRoot, trust, warnings, insecureIgnoreTlog: values['insecure-ignore-tlog'] ?? false }));
}

/** The outcome as the issue's --json shape, or two human lines plus warnings. */
function print(io: SigstoreIo, values: VerifyValues, artifact: string, o: SigstoreOutcome): number {
  if (values.json) io.out(jsonLine({ artifact, ...sigstoreOutcomeJson(o) }));
  else io.out(`${escapeUntrusted(artifact, 2000)}: ${formatSigstoreOutcome(o)}`);
  return o.verdict === 'verified' ? 0 : 1;
}

async function verifyBlobCommand(args: string[], io: SigstoreIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, verifyOptions);
  if (positionals.length !== 1) throw new UsageError('verify-blob takes one artifact (a file, or sha256:<64 hex>)');
  return runVerify(values as VerifyValues, positionals[0], io);
}

/** The conformance protocol's verify-bundle: exact identity and issuer, or --key; the rest as verify-blob. */
async function verifyBundleCommand(args: string[], io: SigstoreIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    bundle: { type: 'string' }, 'certificate-identity': { type: 'string' }, 'certificate-oidc-issuer': { type: 'string' },
    key: { type: 'string' }, 'trusted-root': { type: 'string' }, staging: { type: 'boolean' },
  } as const);
  if (positionals.length !== 1) throw new UsageError('verify-bundle takes one FILE_OR_DIGEST');
  if (!values.bundle) throw new UsageError('verify-bundle needs --bundle FILE');
  return runVerify(values as VerifyValues, positionals[0], io);
}

async function sigstoreCommand(args: string[], io: SigstoreIo): Promise<number> {
  const [sub, ...rest] = args;
  const { rootCommand } = await import('./sigstoreRootCommands');
  if (sub === 'init' || sub === 'update-root' || sub === 'root') return rootCommand(sub, rest, io, (m: string) => new UsageError(m));
  throw new UsageError(`sigstore takes init, update-root or root${sub ? `, not "${escapeUntrusted(sub)}"` : ''}`);
}

export const SIGSTORE_COMMANDS = {
  'verify-blob': withUsage(SIGSTORE_USAGE, verifyBlobCommand),
  'verify-bundle': withUsage(SIGSTORE_USAGE, verifyBundleCommand),
  sigstore: withUsage(SIGSTORE_USAGE, sigstoreCommand),
};
