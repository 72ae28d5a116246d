// `helm-prov lint`, `verify-file` and `keys` (the listing; `keys find` is keyCommands.ts): commands on
// files named on the command line, one result per file.
import type { Problem } from '../provenance/codes';
import { escapeUntrusted, jsonLine } from '../provenance/untrustedText';
import { parseCommandArgs, UsageError } from './args';
import { COMMAND_SPECS, parseOptionsOf } from './commandSpecs';
import { countOf, formatKey, formatProblem } from './format';
import type { Io } from './io';
import { loadCheckKeys } from './loadKeys';
import { archiveNamed } from './verifyCommand';

export async function lintCommand(args: string[], io: Io): Promise<number> {
  const { positionals } = parseCommandArgs(args, parseOptionsOf(COMMAND_SPECS.lint));
  if (positionals.length === 0) throw new UsageError('lint needs at least one file');
  let errors = 0;
  const { readBoundedFile } = await import('../provenance/boundedRead');
  const { MAX_TEXT_KEYRING_BYTES } = await import('../provenance/keyring');
  for (const file of positionals) {
    // Bounded like every engine read: a FIFO or /dev/zero given by mistake is an error, not a hang.
    const read = readBoundedFile(file, MAX_TEXT_KEYRING_BYTES);
    if (!read.ok) { io.err(`Error: ${escapeUntrusted(read.message, 2000)}`); errors++; continue; }
    const text = read.bytes.toString('utf8');
    let problems: Problem[];
    if (file.endsWith('.prov')) {
      problems = (await import('../provenance/provDocument')).parseProvenance(text).problems;
    } else {
      problems = (await (await import('../provenance/keysFile')).lintKeysFile(text, new Date())).problems;
    }
    for (const p of problems) io.out(formatProblem(file, p));
    const fileErrors = problems.filter((p) => p.severity === 'error').length;
    errors += fileErrors;
    if (problems.length === 0) io.out(`${escapeUntrusted(file, 2000)}: no problems`);
    // Like gpg's and Helm's own split: lint reads the structure, verify decides trust. Said every time,
    // so a clean lint of a .prov is never read as a good signature.
    if (file.endsWith('.prov') && fileErrors === 0) {
      io.out(`${escapeUntrusted(file, 2000)}: structure only: lint does not check the signature or the archive's digest; run: helm-prov verify ${escapeUntrusted(archiveNamed(file), 2000)} --keyring <keyring>`);
    }
  }
  return errors ? 1 : 0;
}

export async function verifyFileCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, parseOptionsOf(COMMAND_SPECS['verify-file']));
  if (positionals.length !== 1) throw new UsageError('verify-file takes one file');
  const signature = (values.signature as string | undefined) ?? `${positionals[0]}.asc`;
  const keys = await loadCheckKeys(values.keyring as string[] | undefined, io);
  if (!keys) return 1;
  const { verifyDetached } = await import('../provenance/detached');
  const outcome = await verifyDetached(positionals[0], signature, keys, { trustedFingerprints: values.trust as string[] | undefined });
  if (values.json) {
    io.out(jsonLine({ file: outcome.file, verdict: outcome.verdict, code: outcome.code, warnings: outcome.warnings.map((w) => w.code), signer: outcome.signer ? { fingerprint: outcome.signer.fingerprint, signingKey: outcome.signer.signingKey, uid: outcome.signer.uid } : null, message: outcome.message }));
  } else {
    io.out(`${escapeUntrusted(outcome.file, 2000)}: ${outcome.verdict}${outcome.verdict === 'verified' ? '' : ` (${outcome.code})`}`);
    io.out(`  ${escapeUntrusted(outcome.message, 2000)}`);
  }
  return outcome.verdict === 'verified' ? 0 : 1;
}

export async function keysCommand(args: string[], io: Io): Promise<number> {
  const { positionals } = parseCommandArgs(args, parseOptionsOf(COMMAND_SPECS.keys));
  if (positionals.length === 0) throw new UsageError('keys needs at least one keyring or KEYS file');
  const { loadKeyringFile } = await import('../provenance/keyring');
  let failed = 0;
  for (const file of positionals) {
    const ring = await loadKeyringFile(file);
    if (!ring.ok) { io.err(`Error: ${escapeUntrusted(ring.error.message, 2000)}`); failed++; continue; }
    io.out(`${escapeUntrusted(file, 2000)} (${ring.value.format}, ${countOf(ring.value.keys.length, 'key')})`);
    for (const key of ring.value.keys) io.out(formatKey(key.info, new Date()));
    for (const p of ring.value.problems) io.out(formatProblem(file, p));
  }
  return failed ? 1 : 0;
}
