// `helm-prov keys find`, `helm-prov release-check` and what `verify --fetch-keys` prints. Thin: the
// look-ups and checks are in server/src/keyLookup/. A key found is shown, never trusted: it is imported
// only with --import, into the keyring file the user names.
import { parseCommandArgs, UsageError } from './args';
import { parseOptionsOf } from './commandSpecs';
import { countOf, formatKey } from './format';
import type { Io } from './io';
import { DEFAULT_KEYSERVERS, KEY_COMMAND_SPECS } from './keyCommandSpecs';
import type { LookupReport } from '../keyLookup/lookup';
import { escapeUntrusted, jsonLine } from '../provenance/untrustedText';

/** Each place asked, one line: what was asked, where, and what it found (with the code). */
function printAttempts(report: LookupReport, io: Io): void {
  for (const a of report.attempts) {
    io.out(`  ${a.source.padEnd(12)} ${a.code.padEnd(22)} ${escapeUntrusted(a.message, 2000)}`);
  }
}

/** The keys found, each as `keys` lists it, with every place that served it. */
async function printFound(report: LookupReport, io: Io): Promise<import('../provenance/keyTypes').LoadedKey[]> {
  const { foundKeys } = await import('../keyLookup/lookup');
  const keys = foundKeys(report);
  const now = new Date();
  for (const key of keys) {
    io.out(formatKey(key.info, now));
    const from = report.attempts.filter((a) => a.key?.info.fingerprint === key.info.fingerprint).map((a) => `${escapeUntrusted(a.where, 400)} (${a.source})`);
    io.out(`     found at ${from.join(', ')}`);
  }
  return keys;
}

async function keysFindCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, parseOptionsOf(KEY_COMMAND_SPECS['keys find']));
  if (positionals.length !== 1) throw new UsageError('keys find takes one fingerprint, 16-hex key id or e-mail address');
  const { lookUpKey, lookupTargetOf } = await import('../keyLookup/lookup');
  const target = lookupTargetOf(positionals[0]);
  if (!target) throw new UsageError(`"${escapeUntrusted(positionals[0])}" is not a fingerprint (40 or 64 hex), a 16-hex key id or an e-mail address`);
  const keysFiles = (values['keys-file'] as string[] | undefined) ?? [];
  const asked = keysFiles.length > 0 || values.wkd || (values.keyserver as string[] | undefined)?.length;
  const keyservers = (values.keyserver as string[] | undefined) ?? (asked ? [] : DEFAULT_KEYSERVERS);
  if (!asked) io.out(`No place named: asking ${DEFAULT_KEYSERVERS.join(', ')} (name places with --keyserver, --wkd, --keys-file).`);
  const report = await lookUpKey(target, { keysFiles, keyservers, wkd: values.wkd as boolean | undefined });
  io.out(`Looked up ${escapeUntrusted(positionals[0])}:`);
  printAttempts(report, io);
  const keys = await printFound(report, io);
  if (keys.length === 0) {
    io.out('No key found.');
    return 1;
  }
  if (!target.fingerprint) {
    io.out(`Found by ${target.email ? 'e-mail address (anyone can put any address in a user id)' : 'key id (key ids can be made to collide)'} only: the fingerprint above is what to check.`);
  }
  const into = values.import as string | undefined;
  if (!into) {
    io.out(`Not imported. Compare the fingerprint with its owner's through another channel; then import it with --import <keyring file>.`);
    return 0;
  }
  if (keys.length > 1) {
    io.err(`Error: ${countOf(keys.length, 'different key')} found: nothing imported. Look the one you mean up by its fingerprint.`);
    return 1;
  }
  const { importIntoKeyring } = await import('../keyLookup/importKey');
  const imported = await importIntoKeyring(into, keys[0]);
  if (!imported.ok) {
    io.err(`Error: ${escapeUntrusted(imported.error.message, 2000)} [${imported.error.code}]`);
    return 1;
  }
  const said = { new: 'imported into', updated: 'merged into its copy in', unchanged: 'already, unchanged, in' }[imported.value.change];
  io.out(`Key ${imported.value.key.info.fingerprint} ${said} ${escapeUntrusted(into, 2000)}.`);
  return 0;
}

/** `keys find …` (helmProv.ts sends it here; every other `keys` call is the listing). */
export function keysFind(args: string[], io: Io): Promise<number> {
  return keysFindCommand(args.slice(1), io);
}

/**
 * For `verify --fetch-keys`: looks each issuer of an unknown-signer outcome up and says what was found.
 * The outcome stays rejected: a key found is not a key the user trusts.
 */
export async function fetchKeysFor(outcome: import('../provenance/verify').Outcome, places: { keyservers?: string[]; wkd?: boolean }, json: boolean, io: Io): Promise<void> {
  if (outcome.code !== 'unknown-signer' || !outcome.issuers?.length) return;
  const { foundKeys } = await import('../keyLookup/lookup');
  const { lookUpSigners } = await import('../keyLookup/signerLookup');
  const keyservers = places.keyservers?.length ? places.keyservers : DEFAULT_KEYSERVERS;
  for (const { issuer, report } of await lookUpSigners(outcome.issuers, outcome.document?.signature?.armored, { keyservers, wkd: places.wkd })) {
    if (json) {
      io.out(jsonLine({
        archive: outcome.archive, lookup: issuer,
        attempts: report.attempts.map((a) => ({ source: a.source, where: a.where, code: a.code, fingerprint: a.key?.info.fingerprint ?? null, message: a.message })),
        found: foundKeys(report).map((k) => ({ fingerprint: k.info.fingerprint, userIds: k.info.userIds, created: k.info.created.toISOString(), expires: k.info.expires?.toISOString() ?? null })),
      }));
      continue;
    }
    io.out(`  looked up ${issuer}:`);
    printAttempts(report, { ...io, out: (s) => io.out(`  ${s}`) });
    const keys = await printFound(report, { ...io, out: (s) => io.out(s.split('\n').map((l) => `    ${l}`).join('\n')) });
    io.out(keys.length
      ? `  Still rejected: a key found is not trusted. If it is the signer's, import it: helm-prov keys find ${issuer} --keyserver <URL> --import <keyring file>`
      : '  No key found.');
  }
}
