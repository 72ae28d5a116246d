// `helm-prov`: the engine on the command line, for CI. Thin: argument parsing and printing only.
// Exit codes: 0 all verified/done, 1 any rejected/failed, 2 usage error.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Problem } from '../provenance/codes';
import type { Keyring, LoadedKey } from '../provenance/keyTypes';
import { countOf, formatKey, formatProblem } from './format';
import { escapeLines, escapeUntrusted, jsonLine } from '../provenance/untrustedText';
import { byText } from '../provenance/textOrder';
import { SIGSTORE_COMMANDS } from './sigstoreCommands';
import { fetchKeysFor, isKeysFind, KEY_COMMANDS, keysFind } from './keyCommands';
import { ociCommands } from './ociCommands';
import { POLICY_COMMANDS } from './policyCommands';
import { DOCTOR_COMMANDS } from './doctorCommand';
import { parseCommandArgs, UsageError } from './args';
import { COMMAND_SPECS, commandHelp, parseOptionsOf, synopsis, USAGE } from './commandSpecs';
import { defaultIo, type Io } from './io';
import { packageCommand, signCommand } from './signCommands';
import { helmProvVersion } from './version';

export type { Io } from './io';

const VERIFY_WINDOW = 8;

/** The keys of the named keyrings (else GnuPG's defaults); undefined, said on stderr, when a named one cannot be read. */
export async function loadKeys(files: string[] | undefined, io: Io): Promise<LoadedKey[] | undefined> {
  const { defaultKeyringPaths, loadKeyringFile } = await import('../provenance/keyring');
  const { keyView } = await import('../provenance/keyView');
  const explicit = files && files.length > 0;
  const paths = explicit ? files : defaultKeyringPaths().filter((p) => fs.existsSync(p));
  const rings: Keyring[] = [];
  for (const p of paths) {
    const ring = await loadKeyringFile(p);
    if (!ring.ok) {
      // As `helm verify --keyring` does: an error naming the file, exit 1, not a usage text.
      if (explicit) {
        io.err(`Error: ${escapeUntrusted(ring.error.message, 2000)} [${ring.error.code}]`);
        return undefined;
      }
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
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => byText(a.name, b.name))) {
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
  const { values, positionals } = parseCommandArgs(args, parseOptionsOf(COMMAND_SPECS.verify));
  if (positionals.length === 0) throw new UsageError('verify needs at least one archive or directory');
  const archives = collectArchives(positionals);
  if (archives.length === 0) throw new UsageError(`no *.tgz found in ${positionals.map((p) => escapeUntrusted(p, 2000)).join(', ')}`);
  const keys = await loadKeys(values.keyring as string[] | undefined, io);
  if (!keys) return 1;
  const { verifyArchive } = await import('../provenance/verify');
  const { chartReport, siblingCheckFromFlags } = await import('./chartSigstore');
  const cosignSiblings = await siblingCheckFromFlags(values as Parameters<typeof siblingCheckFromFlags>[0]);
  const options = { keys, trustedFingerprints: values.trust as string[] | undefined };
  let failed = 0;
  // A window of a few at a time: file reads overlap with hashing and signature checks; output stays in order.
  const pending: Promise<[Awaited<ReturnType<typeof verifyArchive>>, Awaited<ReturnType<typeof cosignSiblings>>]>[] = [];
  let next = 0;
  const launch = () => { if (next < archives.length) { const a = archives[next++]; pending.push(Promise.all([verifyArchive(a, options), cosignSiblings(a)])); } };
  for (let i = 0; i < VERIFY_WINDOW; i++) launch();
  while (pending.length > 0) {
    const [outcome, cosign] = await pending.shift()!;
    launch();
    const report = chartReport(outcome, cosign, archives.length > 1);
    if (!report.ok) failed++;
    io.out(values.json ? jsonLine(report.json) : report.text);
    if (values['fetch-keys']) await fetchKeysFor(outcome, { keyservers: values.keyserver as string[] | undefined, wkd: values.wkd as boolean | undefined }, values.json === true, io);
  }
  return failed ? 1 : 0;
}

async function lintCommand(args: string[], io: Io): Promise<number> {
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

async function verifyFileCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, parseOptionsOf(COMMAND_SPECS['verify-file']));
  if (positionals.length !== 1) throw new UsageError('verify-file takes one file');
  const signature = (values.signature as string | undefined) ?? `${positionals[0]}.asc`;
  const keys = await loadKeys(values.keyring as string[] | undefined, io);
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

async function keysCommand(args: string[], io: Io): Promise<number> {
  if (isKeysFind(args)) return keysFind(args, io);
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

const COMMANDS: Record<string, (args: string[], io: Io) => Promise<number>> = {
  verify: verifyCommand,
  sign: signCommand,
  package: packageCommand,
  lint: lintCommand,
  'verify-file': verifyFileCommand,
  keys: keysCommand,
  ...SIGSTORE_COMMANDS,
  ...KEY_COMMANDS,
  ...ociCommands(verifyCommand, loadKeys),
  ...POLICY_COMMANDS,
  ...DOCTOR_COMMANDS,
};

/**
 * Every line the CLI prints passes the escaper once more: the commands escape what they quote (so a
 * newline in a name cannot start a forged line), and this keeps any text they missed from reaching
 * the terminal with a control or invisible character in it.
 */
function terminalSafe(io: Io): Io {
  return { ...io, out: (s) => io.out(escapeLines(s)), err: (s) => io.err(escapeLines(s)) };
}

/** `--help`/`-h` among a command's arguments (before a `--` that ends the options). */
function asksForHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** A usage mistake: what was wrong and the command's synopsis, not the whole usage text. */
function usageError(command: string, message: string): string {
  const spec = (COMMAND_SPECS as Record<string, Parameters<typeof synopsis>[1]>)[command];
  const usage = spec ? `Usage: helm-prov ${synopsis(command, spec)}\n` : '';
  return `Error: ${escapeUntrusted(message, 2000)}\n${usage}Run "helm-prov ${command} --help" for more.`;
}

export async function main(argv: string[], unsafeIo: Io = defaultIo): Promise<number> {
  const io = terminalSafe(unsafeIo);
  const [command, ...rest] = argv;
  if (!command) {
    io.err(USAGE);
    return 2;
  }
  if (command === '--version' || command === 'version') {
    io.out(`helm-prov ${helmProvVersion()}`);
    return 0;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    const help = rest.length > 0 ? commandHelp(rest.slice(0, 2).join(' ')) ?? commandHelp(rest[0]) : USAGE;
    if (help === undefined) {
      io.err(`Unknown command "${escapeUntrusted(rest[0])}". Run "helm-prov --help" for the list.`);
      return 2;
    }
    io.out(help);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    io.err(`Unknown command "${escapeUntrusted(command)}". Run "helm-prov --help" for the list.`);
    return 2;
  }
  if (asksForHelp(rest)) {
    io.out(commandHelp(`${command} ${rest[0]}`) ?? commandHelp(command) ?? USAGE);
    return 0;
  }
  try {
    return await run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(usageError(command === 'keys' && isKeysFind(rest) ? 'keys find' : command, e.message));
      return 2;
    }
    io.err(`Error: ${escapeUntrusted((e as Error).message, 2000)}`);
    return 1;
  }
}
