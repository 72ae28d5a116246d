// Command-line arguments for every helm-prov command: one parser, one usage error (exit 2).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { escapeUntrusted } from '../provenance/untrustedText';

/** A mistake in how the command was called: printed with the usage text, exit status 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;
export type ParsedArgs<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/** Node's strict parser (plain arguments read by plainArgs, as it reads them); an unknown or malformed option is a UsageError. */
export function parseCommandArgs<O extends Options>(args: string[], options: O): ParsedArgs<O> {
  const plain = plainArgs(args, options);
  if (plain) return plain as ParsedArgs<O>;
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/**
 * What parseArgs answers (same values, null-prototype `values` in the same key order, same positionals) for
 * the arguments nearly every call has: words not starting with `-`, and `--name` of a known option, a
 * string one followed by a value not starting with `-`. Undefined for anything else (short options,
 * `--name=value`, `--`, a lone `-`, an unknown name, a missing value, defaults), which parseArgs reads or
 * refuses. Node loads and compiles parseArgs at its first call: 0.6 ms of a 20 ms cold `verify`.
 */
export function plainArgs(args: string[], options: Options): { values: Record<string, string | boolean | (string | boolean)[]>; positionals: string[] } | undefined {
  if (Object.values(options).some((o) => o.default !== undefined)) return undefined;
  const values: Record<string, string | boolean | (string | boolean)[]> = Object.create(null);
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    const name = arg.slice(2);
    const option = arg.startsWith('--') && Object.hasOwn(options, name) ? options[name] : undefined;
    if (!option || name === '__proto__') return undefined;
    let value: string | boolean = true;
    if (option.type === 'string') {
      const next = args[i + 1];
      if (next === undefined || next.startsWith('-')) return undefined;
      value = next;
      i++;
    }
    if (option.multiple) ((values[name] ??= []) as (string | boolean)[]).push(value);
    else values[name] = value;
  }
  return { values, positionals };
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
