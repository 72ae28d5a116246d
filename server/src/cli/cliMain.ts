// What every `helm-prov` entry does around a command: the terminal escaping of every line, --version,
// --help, unknown commands, usage errors and the exit status. The command table is the caller's:
// helmProv.ts (every command) and verifyMain.ts (a bundle of its own for `verify` of local files).
import { escapeLines, escapeUntrusted } from '../provenance/untrustedText';
import { UsageError } from './args';
import { commandHelp, specOf, synopsis, USAGE } from './commandSpecs';
import { processIo, type Io } from './io';
import { helmProvVersion } from './version';

export type Command = (args: string[], io: Io) => Promise<number>;

/** The arguments before a `--` that ends the options (all of them without one). */
function beforeEndOfOptions(args: string[]): string[] {
  const end = args.indexOf('--');
  return end < 0 ? args : args.slice(0, end);
}

/** A registry reference or a repository among `verify`'s arguments (before a `--`): the remote verify. */
export function namesRegistry(args: string[]): boolean {
  return beforeEndOfOptions(args).some((a) => a.startsWith('oci://') || a === '--repo' || a.startsWith('--repo='));
}

/** `keys find …` is the look-up; every other `keys` call is the listing. */
export function isKeysFind(args: string[]): boolean {
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
  return beforeEndOfOptions(args).some((a) => a === '--help' || a === '-h');
}

/** A usage mistake: what was wrong and the command's synopsis, not the whole usage text. */
function usageError(command: string, message: string): string {
  const spec = specOf(command);
  const usage = spec ? `Usage: helm-prov ${synopsis(command, spec)}\n` : '';
  return `Error: ${escapeUntrusted(message, 2000)}\n${usage}Run "helm-prov ${command} --help" for more.`;
}

/** Runs `argv` with the commands of `commands`; answers the exit status (0 done, 1 rejected/failed, 2 usage). */
export async function runCli(argv: string[], commands: Record<string, Command>, unsafeIo?: Io): Promise<number> {
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
  const run = Object.hasOwn(commands, command) ? commands[command] : undefined;
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
