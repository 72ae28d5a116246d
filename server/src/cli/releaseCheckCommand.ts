// `helm-prov release-check --key <FPR> [--keys-file KEYS]... [--keyserver URL]... [--wkd] [--days N]
// [--keyring F]... [artifacts...]`: one line per check with its code; exit 1 when any fails.
import { parseCommandArgs, UsageError } from './args';
import { parseOptionsOf } from './commandSpecs';
import type { Io } from './io';
import { KEY_COMMAND_SPECS } from './keyCommandSpecs';
import type { Keyring } from '../provenance/keyTypes';
import { escapeUntrusted } from '../provenance/untrustedText';

export async function releaseCheckCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, parseOptionsOf(KEY_COMMAND_SPECS['release-check']));
  const { lookupTargetOf } = await import('../keyLookup/lookup');
  const target = lookupTargetOf((values.key as string | undefined) ?? '');
  if (!target?.fingerprint) throw new UsageError('release-check needs --key <fingerprint> (40 or 64 hex) of the release key');
  const days = values.days === undefined ? 30 : Number(values.days);
  if (!Number.isInteger(days) || days < 0 || days > 36500) throw new UsageError(`--days takes a whole number of days (0 to 36500), not "${escapeUntrusted(String(values.days))}"`);
  const keysFileNames = (values['keys-file'] as string[] | undefined) ?? [];
  if (positionals.length > 0 && keysFileNames.length === 0) throw new UsageError('artifacts are verified against the project\'s KEYS file: give it with --keys-file');
  const { loadKeyringFile } = await import('../provenance/keyring');
  const keysFiles: { file: string; ring: Keyring }[] = [];
  for (const file of keysFileNames) {
    const ring = await loadKeyringFile(file);
    if (!ring.ok) { io.err(`Error: ${escapeUntrusted(ring.error.message, 2000)} [${ring.error.code}]`); return 1; }
    keysFiles.push({ file, ring: ring.value });
  }
  const { loadKeys } = await import('./loadKeys');
  const ownKeys = await loadKeys(values.keyring as string[] | undefined, io);
  if (!ownKeys) return 1;
  const { releaseCheck } = await import('../keyLookup/releaseCheck');
  const lines = await releaseCheck({
    fingerprint: target.fingerprint, ownKeys, keysFiles,
    keyservers: (values.keyserver as string[] | undefined) ?? [], wkd: values.wkd === true,
    days, artifacts: positionals,
  });
  for (const line of lines) io.out(`${line.ok ? 'ok  ' : 'FAIL'}  ${line.code.padEnd(30)} ${line.message}`);
  const failed = lines.filter((l) => !l.ok).length;
  io.out(failed ? `${failed} of ${lines.length} checks failed: not ready to release.` : `All ${lines.length} checks passed.`);
  return failed ? 1 : 0;
}
