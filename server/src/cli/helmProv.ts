// `helm-prov`: the engine on the command line, for CI. Thin: argument parsing and printing only.
// Exit codes: 0 all verified/done, 1 any rejected/failed, 2 usage error.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { BoundedRead } from '../provenance/boundedRead';
import type { Problem } from '../provenance/codes';
import type { LoadedKey } from '../provenance/keyTypes';
import { formatKey, formatOutcome, formatProblem, jsonLine, outcomeJson } from './format';
import { printable } from '../provenance/provDocument';

const USAGE = `Usage: helm-prov <command> [options]

Commands:
  verify <archive|prov|dir>... [--keyring F]... [--trust FPR]... [--json]
                          verify chart archives against their .prov files (x.tgz.prov: x.tgz;
                          dirs: every *.tgz)
  sign <chart-dir|archive> --key <fpr|uid> [--keyring secring]... [--passphrase-file F|-] [--gpg] [-d dir]
                          sign an archive (a directory is packaged first)
  package <chart-dir> [-d dir] [--sign --key <fpr|uid> ...]
                          package a chart directory as helm package does, reproducibly
  lint <file.prov|KEYS>...  report problems with codes and line:column (for a .prov: its structure
                          only; verify checks the signature and the digest)
  verify-file <file> --signature <file.asc> --keyring <ring|KEYS>
                          verify a release artifact against a detached signature
  keys <ring|KEYS>...       list keys with fingerprints and status

Keyrings default to $GNUPGHOME (or ~/.gnupg) pubring.kbx and pubring.gpg.`;

class UsageError extends Error {}

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
  if (!read.ok) throw new UsageError(`--passphrase-file: ${printable(read.message, 2000)}`);
  return read.bytes.toString('utf8');
}

function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

const keyringOptions = {
  keyring: { type: 'string', multiple: true },
  trust: { type: 'string', multiple: true },
} as const;

async function loadKeys(files: string[] | undefined, io: Io): Promise<LoadedKey[]> {
  const { defaultKeyringPaths, loadKeyringFile } = await import('../provenance/keyring');
  const explicit = files && files.length > 0;
  const paths = explicit ? files : defaultKeyringPaths().filter((p) => fs.existsSync(p));
  const keys: LoadedKey[] = [];
  for (const p of paths) {
    const ring = await loadKeyringFile(p);
    if (!ring.ok) {
      if (explicit) throw new UsageError(ring.error.message);
      io.err(`warning: ${ring.error.message}`);
      continue;
    }
    keys.push(...ring.value.keys);
  }
  return keys;
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
    try { stat = fs.statSync(t); } catch { throw new UsageError(`${t}: no such file or directory`); }
    if (stat.isDirectory()) walk(t); else found.push(archiveNamed(t));
  }
  return [...new Set(found)];
}

async function verifyCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { ...keyringOptions, json: { type: 'boolean' } });
  if (positionals.length === 0) throw new UsageError('verify needs at least one archive or directory');
  const archives = collectArchives(positionals);
  if (archives.length === 0) throw new UsageError(`no *.tgz found in ${positionals.join(', ')}`);
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

async function signArchiveWith(archivePath: string, values: SignValues, io: Io): Promise<number> {
  if (!values.key) throw new UsageError('sign needs --key <fingerprint|user id>');
  const passphrase = await readPassphrase(values['passphrase-file'], io);
  const signed = values.gpg
    ? await (await import('../provenance/gpgSign')).gpgSignArchive({ archivePath, keyQuery: values.key, passphrase, gpgHome: values['gpg-home'] })
    : await (await import('../provenance/sign')).signArchive({ archivePath, keyQuery: values.key, secretKeyrings: values.keyring ?? [], passphrase });
  if (!signed.ok) {
    io.err(`Error: ${signed.error.message} [${signed.error.code}]`);
    return 1;
  }
  io.out(`Signed ${path.basename(archivePath)} → ${signed.value.provPath}`);
  io.out(`Using Key With Fingerprint: ${signed.value.fingerprint}`);
  return 0;
}

async function packageDir(dir: string, destination: string | undefined, io: Io): Promise<string | undefined> {
  const { packageChart } = await import('../provenance/package');
  const packaged = await packageChart(dir, { outDir: destination ?? process.cwd() });
  if (!packaged.ok) {
    io.err(`Error: ${packaged.error.message} [${packaged.error.code}]`);
    return undefined;
  }
  io.out(`Successfully packaged chart and saved it to: ${packaged.value.archivePath}`);
  return packaged.value.archivePath;
}

async function signCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, signOptions);
  if (positionals.length !== 1) throw new UsageError('sign takes one chart directory or archive');
  let target = positionals[0];
  if (fs.statSync(target, { throwIfNoEntry: false })?.isDirectory()) {
    const archive = await packageDir(target, values.destination as string | undefined, io);
    if (!archive) return 1;
    target = archive;
  }
  return signArchiveWith(target, values as SignValues, io);
}

async function packageCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { ...signOptions, sign: { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('package takes one chart directory');
  const archive = await packageDir(positionals[0], values.destination as string | undefined, io);
  if (!archive) return 1;
  return values.sign ? signArchiveWith(archive, values as SignValues, io) : 0;
}

async function lintCommand(args: string[], io: Io): Promise<number> {
  const { positionals } = parse(args, {});
  if (positionals.length === 0) throw new UsageError('lint needs at least one file');
  let errors = 0;
  const { readBoundedFile } = await import('../provenance/boundedRead');
  const { MAX_TEXT_KEYRING_BYTES } = await import('../provenance/keyring');
  for (const file of positionals) {
    // Bounded like every engine read: a FIFO or /dev/zero given by mistake is an error, not a hang.
    const read = readBoundedFile(file, MAX_TEXT_KEYRING_BYTES);
    if (!read.ok) { io.err(`Error: ${printable(read.message, 2000)}`); errors++; continue; }
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
    if (problems.length === 0) io.out(`${printable(file, 2000)}: no problems`);
    // Like gpg's and Helm's own split: lint reads the structure, verify decides trust. Said every time,
    // so a clean lint of a .prov is never read as a good signature.
    if (file.endsWith('.prov') && fileErrors === 0) {
      io.out(`${printable(file, 2000)}: structure only: lint does not check the signature or the archive's digest; run: helm-prov verify ${printable(archiveNamed(file), 2000)} --keyring <keyring>`);
    }
  }
  return errors ? 1 : 0;
}

async function verifyFileCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { ...keyringOptions, signature: { type: 'string' }, json: { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('verify-file takes one file');
  const signature = (values.signature as string | undefined) ?? `${positionals[0]}.asc`;
  const keys = await loadKeys(values.keyring as string[] | undefined, io);
  const { verifyDetached } = await import('../provenance/detached');
  const outcome = await verifyDetached(positionals[0], signature, keys, { trustedFingerprints: values.trust as string[] | undefined });
  if (values.json) {
    io.out(jsonLine({ file: outcome.file, verdict: outcome.verdict, code: outcome.code, warnings: outcome.warnings.map((w) => w.code), signer: outcome.signer ? { fingerprint: outcome.signer.fingerprint, signingKey: outcome.signer.signingKey, uid: outcome.signer.uid } : null, message: outcome.message }));
  } else {
    io.out(`${printable(outcome.file, 2000)}: ${outcome.verdict}${outcome.verdict === 'verified' ? '' : ` (${outcome.code})`}`);
    io.out(`  ${printable(outcome.message, 2000)}`);
  }
  return outcome.verdict === 'verified' ? 0 : 1;
}

async function keysCommand(args: string[], io: Io): Promise<number> {
  const { positionals } = parse(args, {});
  if (positionals.length === 0) throw new UsageError('keys needs at least one keyring or KEYS file');
  const { loadKeyringFile } = await import('../provenance/keyring');
  let failed = 0;
  for (const file of positionals) {
    const ring = await loadKeyringFile(file);
    if (!ring.ok) { io.err(`Error: ${ring.error.message}`); failed++; continue; }
    io.out(`${file} (${ring.value.format}, ${ring.value.keys.length} keys)`);
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
};

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.out(USAGE);
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  if (!run) {
    io.err(`Unknown command "${command}".\n\n${USAGE}`);
    return 2;
  }
  try {
    return await run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`Error: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    io.err(`Error: ${(e as Error).message}`);
    return 1;
  }
}
