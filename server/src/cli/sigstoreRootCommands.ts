// `helm-prov sigstore init | update-root | root`: the trusted root's TUF side. Network only here,
// only when asked, bounded in time and size (server/src/sigstore/tufRefresh.ts).
import { parseArgs } from 'node:util';
import { readBoundedFile } from '../provenance/boundedRead';
import { escapeUntrusted, jsonLine } from '../provenance/untrustedText';
import type { SigstoreIo } from './sigstoreCommands';

type UsageErrorFactory = (message: string) => Error;

function parse(args: string[], options: Record<string, { type: 'string' | 'boolean' }>, usage: UsageErrorFactory) {
  try {
    return parseArgs({ args, options, allowPositionals: false, strict: true });
  } catch (e) {
    throw usage((e as Error).message);
  }
}

export async function rootCommand(sub: 'init' | 'update-root' | 'root', args: string[], io: SigstoreIo, usage: UsageErrorFactory): Promise<number> {
  const cache = await import('../sigstore/tufCache');
  const base = cache.sigstoreCacheDir();
  if (sub === 'root') {
    const { values } = parse(args, { json: { type: 'boolean' }, staging: { type: 'boolean' } }, usage);
    const { describeRootInUse } = await import('../sigstore/tufRefresh');
    const state = describeRootInUse(base, values.staging === true, new Date());
    if (values.json) io.out(jsonLine(state));
    else io.out(state.summary);
    return state.usable ? 0 : 1;
  }
  const { values } = parse(args, { mirror: { type: 'string' }, root: { type: 'string' } }, usage);
  const mirror = values.mirror as string | undefined;
  const { refreshTrustedRoot } = await import('../sigstore/tufRefresh');
  let initialRoot: Buffer | undefined;
  if (sub === 'init') {
    if (!mirror || !values.root) throw usage('sigstore init needs --mirror URL and --root root.json (the TUF root you trust, obtained out of band)');
    const read = readBoundedFile(values.root as string, cache.MAX_TUF_ROOT_BYTES);
    if (!read.ok) throw usage(`--root ${escapeUntrusted(read.message, 2000)}`);
    initialRoot = read.bytes;
  } else if (values.root) {
    throw usage('--root belongs to sigstore init');
  }
  const result = await refreshTrustedRoot({ base, mirror, initialRoot, now: new Date() });
  for (const w of result.warnings) io.err(`warning (${w.code}): ${escapeUntrusted(w.message, 2000)}`);
  if (!result.ok) {
    io.err(`Error: ${escapeUntrusted(result.message, 4000)} [${result.code}]`);
    return 1;
  }
  io.out(escapeUntrusted(result.message, 4000));
  return 0;
}
