// `helm-prov`: the engine on the command line, for CI. Thin: argument parsing and printing only.
// Exit codes: 0 all verified/done, 1 any rejected/failed, 2 usage error.
import { escapeLines, escapeUntrusted } from '../provenance/untrustedText';
import { UsageError } from './args';
import { commandHelp, specOf, synopsis, USAGE } from './commandSpecs';
import { processIo, type Io } from './io';
import { helmProvVersion } from './version';

export type { Io } from './io';

type Command = (args: string[], io: Io) => Promise<number>;

/**
 * Every command by name, its code loaded only when it runs: a dynamic import is a module esbuild leaves
 * unevaluated in the bundle until called, so `verify` does not start the Sigstore, registry, policy or
 * key look-up code (nor the libraries they import). Names, synopses and help are data in
 * commandSpecs.ts and familyUsage.ts, so `--help` and usage errors load no command either.
 */
const COMMANDS: Record<string, Command> = {
  verify: async (args, io) => (namesRegistry(args)
    ? (await import('./ociCommands')).OCI_COMMANDS.verify(args, io)
    : (await import('./verifyCommand')).verifyCommand(args, io)),
  sign: async (args, io) => (await import('./signCommands')).signCommand(args, io),
  package: async (args, io) => (await import('./signCommands')).packageCommand(args, io),
  lint: async (args, io) => (await import('./fileCommands')).lintCommand(args, io),
  'verify-file': async (args, io) => (await import('./fileCommands')).verifyFileCommand(args, io),
  keys: async (args, io) => (isKeysFind(args)
    ? (await import('./keyCommands')).keysFind(args, io)
    : (await import('./fileCommands')).keysCommand(args, io)),
  'release-check': async (args, io) => (await import('./releaseCheckCommand')).releaseCheckCommand(args, io),
  'verify-blob': async (args, io) => (await import('./sigstoreCommands')).SIGSTORE_COMMANDS['verify-blob'](args, io),
  'verify-bundle': async (args, io) => (await import('./sigstoreCommands')).SIGSTORE_COMMANDS['verify-bundle'](args, io),
  sigstore: async (args, io) => (await import('./sigstoreCommands')).SIGSTORE_COMMANDS.sigstore(args, io),
  push: async (args, io) => (await import('./ociCommands')).OCI_COMMANDS.push(args, io),
  deps: async (args, io) => (await import('./ociCommands')).OCI_COMMANDS.deps(args, io),
  policy: async (args, io) => (await import('./policyCommands')).POLICY_COMMANDS.policy(args, io),
  'verify-image-signature': async (args, io) => (await import('./policyCommands')).POLICY_COMMANDS['verify-image-signature'](args, io),
  doctor: async (args, io) => (await import('./doctorCommand')).DOCTOR_COMMANDS.doctor(args, io),
};

/** A registry reference or a repository among `verify`'s arguments (before a `--`): the remote verify. */
function namesRegistry(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a.startsWith('oci://') || a === '--repo' || a.startsWith('--repo='));
}

/** `keys find …` is the look-up; every other `keys` call is the listing. */
function isKeysFind(args: string[]): boolean {
  return args[0] === 'find';
}

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
  const spec = specOf(command);
  const usage = spec ? `Usage: helm-prov ${synopsis(command, spec)}\n` : '';
  return `Error: ${escapeUntrusted(message, 2000)}\n${usage}Run "helm-prov ${command} --help" for more.`;
}

/** Set by the launcher (bin/helm-prov.js): the private cache folder for the keyring cache. */
export { setPrivateCache } from './loadKeys';

export async function main(argv: string[], unsafeIo?: Io): Promise<number> {
  const io = terminalSafe(unsafeIo ?? processIo());
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
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
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
