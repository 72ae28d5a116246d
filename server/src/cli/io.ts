// How the CLI talks to its user: output, errors, standard input (for `--passphrase-file -`), and the
// bounds on reading a passphrase.
import * as fs from 'node:fs';
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
  let stdoutStream = false;
  const toStream = (s: string | Uint8Array) => {
    if (!stdoutStream) {
      stdoutStream = true;
      process.stdout.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EPIPE') throw e;
        stdoutClosed = true;
      });
    }
    process.stdout.write(s);
  };
  // Into a pipe, a socket or a file, output is written to the descriptor as it comes: process.stdout would first
  // build a stream for it (node:net for a pipe, ~3 ms of a 30 ms verify). A full non-blocking pipe
  // (EAGAIN) hands the rest to process.stdout, after what was written: the order stays.
  let direct = directStdout();
  return {
    out: (s) => {
      if (stdoutClosed) return;
      if (!direct) return toStream(s + '\n');
      const bytes = Buffer.from(s + '\n', 'utf8');
      let done = 0;
      try {
        while (done < bytes.length) done += fs.writeSync(1, bytes, done);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') stdoutClosed = true;
        else if (code === 'EAGAIN') { direct = false; toStream(bytes.subarray(done)); }
        else throw e;
      }
    },
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

/** Standard output is a pipe, a socket or a regular file (not a terminal, whose stream handles its encoding; POSIX only). */
function directStdout(): boolean {
  if (process.platform === 'win32') return false;
  try {
    const stat = fs.fstatSync(1);
    return stat.isFIFO() || stat.isSocket() || stat.isFile();
  } catch {
    return false;
  }
}

export function passphraseText(read: BoundedRead): string {
  if (!read.ok) throw new UsageError(`--passphrase-file: ${escapeUntrusted(read.message, 2000)}`);
  return read.bytes.toString('utf8');
}

