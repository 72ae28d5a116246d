// Command-line arguments for every helm-prov command: one parser, one usage error (exit 2).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { escapeUntrusted } from '../provenance/untrustedText';

/** A mistake in how the command was called: printed with the usage text, exit status 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;
export type ParsedArgs<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/** Node's strict parser; an unknown or malformed option is a UsageError. */
export function parseCommandArgs<O extends Options>(args: string[], options: O): ParsedArgs<O> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Wraps a command so that its usage errors print `usage` (its own entries), then `more`, and exit 2. */
export function withUsage<I extends { err(text: string): void }>(usage: string, run: (args: string[], io: I) => Promise<number>, more = ''): (args: string[], io: I) => Promise<number> {
  return async (args, io) => {
    try {
      return await run(args, io);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      io.err(`Error: ${escapeUntrusted(e.message, 4000)}\n\nUsage:\n${usage}${more}`);
      return 2;
    }
  };
}
