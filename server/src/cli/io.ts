// How the CLI talks to its user: output, errors, standard input (for `--passphrase-file -`), and the
// bounds on reading a passphrase.
import type { BoundedRead } from '../provenance/boundedRead';
import { escapeUntrusted } from '../provenance/untrustedText';
import { UsageError } from './args';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Standard input to its end, for `--passphrase-file -`. */
  stdin: () => string | Promise<string>;
  /**
   * Asks a person for a secret without echo; undefined (or absent) when nobody can answer (standard
   * input is not a terminal, or CI): then a missing passphrase is an error, never a wait.
   */
  askHidden?: (question: string) => Promise<string | undefined>;
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

/**
 * The process's own streams, made when main() first needs them rather than when this module loads:
 * asking whether a person can be prompted reads `process.stdin.isTTY`, which creates standard input's
 * stream (node:net or node:tty), and a verify never reads standard input.
 */
let processStreams: Io | undefined;
export function processIo(): Io {
  return (processStreams ??= makeProcessIo());
}

function makeProcessIo(): Io {
  // A reader that went away (`helm-prov keys … | head`) is no error of ours: further output is dropped
  // and the command still ends with its own exit status (an unhandled EPIPE crashed the process).
  let stdoutClosed = false;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    stdoutClosed = true;
  });
  return {
    out: (s) => { if (!stdoutClosed) process.stdout.write(s + '\n'); },
    err: (s) => process.stderr.write(s + '\n'),
    stdin: async () => {
      const { readBoundedStdin } = await import('../provenance/boundedRead');
      return passphraseText(await readBoundedStdin(MAX_PASSPHRASE_BYTES, PASSPHRASE_WAIT.totalMs));
    },
    askHidden: async (question) => {
      const { canPrompt, promptHidden } = await import('./passphrasePrompt');
      return canPrompt() ? promptHidden(question, MAX_PASSPHRASE_BYTES) : undefined;
    },
  };
}

export function passphraseText(read: BoundedRead): string {
  if (!read.ok) throw new UsageError(`--passphrase-file: ${escapeUntrusted(read.message, 2000)}`);
  return read.bytes.toString('utf8');
}

