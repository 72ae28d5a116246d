// `helm-prov`: the engine on the command line, for CI. Thin: argument parsing and printing only.
// Exit codes: 0 all verified/done, 1 any rejected/failed, 2 usage error.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BoundedRead } from '../provenance/boundedRead';
import type { Problem } from '../provenance/codes';
import type { Keyring, LoadedKey } from '../provenance/keyTypes';
import type { ArchiveToSign } from '../provenance/signSource';
import { formatKey, formatOutcome, formatProblem, outcomeJson } from './format';
import { escapeLines, escapeUntrusted, jsonLine } from '../provenance/untrustedText';
import { SIGSTORE_COMMANDS, SIGSTORE_USAGE } from './sigstoreCommands';
import { parseCommandArgs, UsageError } from './args';

const USAGE = `Usage: helm-prov <command> [options]

Commands:
  verify <archive|prov|dir>... [--keyring F]... [--trust FPR]... [--json]
                          verify chart archives against their .prov files (x.tgz.prov: x.tgz;
                          dirs: every *.tgz)
  sign <chart-dir|archive> --key <fpr|uid> [--keyring secring]... [--passphrase-file F|-] [--gpg] [-d dir]
                          sign an archive; for a directory, its <name>-<version>.tgz in -d (default .)
                          when it is what packaging the directory writes now, else refused — or
                          packaged first when there is none
  package <chart-dir> [-d dir] [--sign --key <fpr|uid> ...]
                          package a chart directory as helm package does, reproducibly
  lint <file.prov|KEYS>...  report problems with codes and line:column (for a .prov: its structure
                          only; verify checks the signature and the digest)
  verify-file <file> --signature <file.asc> --keyring <ring|KEYS>
                          verify a release artifact against a detached signature
  keys <ring|KEYS>...       list keys with fingerprints and status
${SIGSTORE_USAGE}

Keyrings default to $GNUPGHOME (or ~/.gnupg) pubring.kbx and pubring.gpg.`;


const VERIFY_WINDOW = 8;

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Standard input to its end, for `--passphrase-file -`. */
  stdin: () => string | Promise<string>;
}

/**
 * A passphrase is a line of text: reading stops at 64 KiB, so `--passphrase-file /dev/zero` or a huge
 * file cannot fill memory (it was read whole: 4 GB).
 */
export const MAX_PASSPHRASE_BYTES = 64 * 1024;
/**
 * A named pipe nobody writes to is given up on after 10 s, any pipe after 2 minutes: time enough for
 * `--passphrase-file <(pass show key)` to ask for the password store's own passphrase.
 */
export const PASSPHRASE_WAIT = { writerMs: 10_000, totalMs: 120_000 };

const defaultIo: Io = {
  out: (s) => process.stdout.write(s + '\n'),
  err: (s) => process.stderr.write(s + '\n'),
  stdin: async () => {
    const { readBoundedStdin } = await import('../provenance/boundedRead');
    return passphraseText(await readBoundedStdin(MAX_PASSPHRASE_BYTES, PASSPHRASE_WAIT.totalMs));
  },
};

function passphraseText(read: BoundedRead): string {
  if (!read.ok) throw new UsageError(`--passphrase-file: ${escapeUntrusted(read.message, 2000)}`);
  return read.bytes.toString('utf8');
}

const keyringOptions = {
  keyring: { type: 'string', multiple: true },
  trust: { type: 'string', multiple: true },
} as const;

async function loadKeys(files: string[] | undefined, io: Io): Promise<LoadedKey[]> {
  const { defaultKeyringPaths, loadKeyringFile } = await import('../provenance/keyring');
  const { keyView } = await import('../provenance/keyView');
  const explicit = files && files.length > 0;
  const paths = explicit ? files : defaultKeyringPaths().filter((p) => fs.existsSync(p));
  const rings: Keyring[] = [];
  for (const p of paths) {
    const ring = await loadKeyringFile(p);
    if (!ring.ok) {
      if (explicit) throw new UsageError(ring.error.message);
      io.err(`warning: ${escapeUntrusted(ring.error.message, 2000)}`);
      continue;
    }
    rings.push(ring.value);
  }
  return keyView(rings, new Date());
}

/** The archive a `.prov` belongs to (`x.tgz.prov` → `x.tgz`); other names are archives already. */
function archiveNamed(target: string): string {
  return target.endsWith('.prov') ? target.slice(0, -'.prov'.length) : target;
}

/** Archives named directly (a `.prov` names its archive), and every *.tgz below named directories (sorted, no node_modules/.git). */
function collectArchives(targets: string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules' && entry.name !== '.git') walk(full);
      else if (entry.isFile() && entry.name.endsWith('.tgz')) found.push(full);
    }
  };
  for (const t of targets) {
    let stat: fs.Stats;
    try { stat = fs.statSync(t); } catch { throw new UsageError(`${escapeUntrusted(t, 2000)}: no such file or directory`); }
    if (stat.isDirectory()) walk(t); else found.push(archiveNamed(t));
  }
  return [...new Set(found)];
}

async function verifyCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { ...keyringOptions, json: { type: 'boolean' } });
  if (positionals.length === 0) throw new UsageError('verify needs at least one archive or directory');
  const archives = collectArchives(positionals);
  if (archives.length === 0) throw new UsageError(`no *.tgz found in ${positionals.map((p) => escapeUntrusted(p, 2000)).join(', ')}`);
  const keys = await loadKeys(values.keyring as string[] | undefined, io);
  const { verifyArchive } = await import('../provenance/verify');
  const options = { keys, trustedFingerprints: values.trust as string[] | undefined };
  let failed = 0;
  // A window of a few at a time: file reads overlap with hashing and signature checks; output stays in order.
  const pending: ReturnType<typeof verifyArchive>[] = [];
  let next = 0;
  const launch = () => { if (next < archives.length) pending.push(verifyArchive(archives[next++], options)); };
  for (let i = 0; i < VERIFY_WINDOW; i++) launch();
  while (pending.length > 0) {
    const outcome = await pending.shift()!;
    launch();
    if (outcome.verdict !== 'verified') failed++;
    io.out(values.json ? jsonLine(outcomeJson(outcome)) : formatOutcome(outcome, archives.length > 1));
  }
  return failed ? 1 : 0;
}

async function readPassphrase(file: string | undefined, io: Io): Promise<string | undefined> {
  if (file === undefined) return process.env.HELM_PROV_PASSPHRASE;
  let raw: string;
  if (file === '-') {
    raw = await io.stdin();
  } else {
    // A regular file or a pipe (`<(pass show key)` is /dev/fd/N), bounded in size and in waiting; devices refused.
    const { readBoundedInput } = await import('../provenance/boundedRead');
    raw = passphraseText(await readBoundedInput(file, MAX_PASSPHRASE_BYTES, PASSPHRASE_WAIT));
  }
  return raw.replace(/\r?\n$/, '');
}

const signOptions = {
  key: { type: 'string' },
  keyring: { type: 'string', multiple: true },
  'passphrase-file': { type: 'string' },
  gpg: { type: 'boolean' },
  'gpg-home': { type: 'string' },
  destination: { type: 'string', short: 'd' },
} as const;

type SignValues = { key?: string; keyring?: string[]; 'passphrase-file'?: string; gpg?: boolean; 'gpg-home'?: string };

/** Signs `toSign` (its bytes pinned when they were packaged or compared) and says where it came from. */
async function signArchiveWith(toSign: ArchiveToSign, values: SignValues, io: Io): Promise<number> {
  const { archivePath, sha256: expectedSha256 } = toSign;
  const keyQuery = values.key as string;
  const passphrase = await readPassphrase(values['passphrase-file'], io);
  const signed = values.gpg
    ? await (await import('../provenance/gpgSign')).gpgSignArchive({ archivePath, keyQuery, passphrase, gpgHome: values['gpg-home'], expectedSha256 })
    : await (await import('../provenance/sign')).signArchive({ archivePath, keyQuery, secretKeyrings: values.keyring ?? [], passphrase, expectedSha256 });
  if (!signed.ok) {
    io.err(`Error: ${escapeUntrusted(signed.error.message, 2000)} [${signed.error.code}]`);
    return 1;
  }
  io.out(`Signed ${escapeUntrusted(archivePath, 2000)} → ${escapeUntrusted(signed.value.provPath, 2000)}`);
  io.out(`Using Key With Fingerprint: ${signed.value.fingerprint}`);
  if (toSign.origin.kind !== 'packaged') io.out((await import('../provenance/signSource')).describeOrigin(toSign));
  return 0;
}

async function packageDir(dir: string, destination: string | undefined, io: Io): Promise<ArchiveToSign | undefined> {
  const { packageChart } = await import('../provenance/package');
  const packaged = await packageChart(dir, { outDir: destination ?? process.cwd() });
  if (!packaged.ok) {
    io.err(`Error: ${escapeUntrusted(packaged.error.message, 2000)} [${packaged.error.code}]`);
    return undefined;
  }
  io.out(`Successfully packaged chart and saved it to: ${escapeUntrusted(packaged.value.archivePath, 2000)}`);
  const { archivePath, sha256, warnings } = packaged.value;
  return { archivePath, sha256, origin: { kind: 'packaged', chartDir: dir }, warnings };
}

/**
 * `sign <chart-dir>` signs the archive of the source as it is now: the existing `<name>-<version>.tgz`
 * in the destination only when it is what packaging the directory writes, else a fresh package when
 * there is none (docs/security.md). `sign <archive>` signs that archive and says whether it matches a
 * chart folder next to it.
 */
async function signCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, signOptions);
  if (positionals.length !== 1) throw new UsageError('sign takes one chart directory or archive');
  if (!values.key) throw new UsageError('sign needs --key <fingerprint|user id>');
  const target = positionals[0];
  const { archiveAsGiven, archiveForChart } = await import('../provenance/signSource');
  if (!fs.statSync(target, { throwIfNoEntry: false })?.isDirectory()) return signArchiveWith(await archiveAsGiven(target), values as SignValues, io);
  const destination = (values.destination as string | undefined) ?? process.cwd();
  const chosen = await archiveForChart(target, destination, {
    rebuildHint: `Rebuild it from the source and sign it: helm-prov package ${target} -d ${destination} --sign --key ${values.key}`,
  });
  if (!chosen.ok) {
    io.err(`Error: ${escapeUntrusted(chosen.error.message, 4000)} [${chosen.error.code}]`);
    return 1;
  }
  if (chosen.value.origin.kind === 'packaged') io.out(`Successfully packaged chart and saved it to: ${chosen.value.archivePath}`);
  return signArchiveWith(chosen.value, values as SignValues, io);
}

async function packageCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { ...signOptions, sign: { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('package takes one chart directory');
  if (values.sign && !values.key) throw new UsageError('sign needs --key <fingerprint|user id>');
  const packaged = await packageDir(positionals[0], values.destination as string | undefined, io);
  if (!packaged) return 1;
  return values.sign ? signArchiveWith(packaged, values as SignValues, io) : 0;
}

async function lintCommand(args: string[], io: Io): Promise<number> {
  const { positionals } = parseCommandArgs(args, {});
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

async function verifyFileCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { ...keyringOptions, signature: { type: 'string' }, json: { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('verify-file takes one file');
  const signature = (values.signature as string | undefined) ?? `${positionals[0]}.asc`;
  const keys = await loadKeys(values.keyring as string[] | undefined, io);
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

async function keysCommand(args: string[], io: Io): Promise<number> {
  const { positionals } = parseCommandArgs(args, {});
  if (positionals.length === 0) throw new UsageError('keys needs at least one keyring or KEYS file');
  const { loadKeyringFile } = await import('../provenance/keyring');
  let failed = 0;
  for (const file of positionals) {
    const ring = await loadKeyringFile(file);
    if (!ring.ok) { io.err(`Error: ${escapeUntrusted(ring.error.message, 2000)}`); failed++; continue; }
    io.out(`${escapeUntrusted(file, 2000)} (${ring.value.format}, ${ring.value.keys.length} keys)`);
    for (const key of ring.value.keys) io.out(formatKey(key.info, new Date()));
    for (const p of ring.value.problems) io.out(formatProblem(file, p));
  }
  return failed ? 1 : 0;
}

const COMMANDS: Record<string, (args: string[], io: Io) => Promise<number>> = {
  verify: verifyCommand,
  sign: signCommand,
  package: packageCommand,
  lint: lintCommand,
  'verify-file': verifyFileCommand,
  keys: keysCommand,
  ...SIGSTORE_COMMANDS,
};

/**
 * Every line the CLI prints passes the escaper once more: the commands escape what they quote (so a
 * newline in a name cannot start a forged line), and this keeps any text they missed from reaching
 * the terminal with a control or invisible character in it.
 */
function terminalSafe(io: Io): Io {
  return { out: (s) => io.out(escapeLines(s)), err: (s) => io.err(escapeLines(s)), stdin: io.stdin };
}

export async function main(argv: string[], unsafeIo: Io = defaultIo): Promise<number> {
  const io = terminalSafe(unsafeIo);
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.out(USAGE);
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  if (!run) {
    io.err(`Unknown command "${escapeUntrusted(command)}".\n\n${USAGE}`);
    return 2;
  }
  try {
    return await run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`Error: ${escapeUntrusted(e.message, 2000)}\n\n${USAGE}`);
      return 2;
    }
    io.err(`Error: ${escapeUntrusted((e as Error).message, 2000)}`);
    return 1;
  }
}
