// `helm-prov verify <archive|prov|dir>...`: chart archives on disk against their .prov files and the
// cosign signatures beside them. (`verify oci://…` and `verify --repo` are ociCommands.ts.)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { escapeUntrusted, jsonLine } from '../provenance/untrustedText';
import { byText } from '../provenance/textOrder';
import { parseCommandArgs, UsageError } from './args';
import { COMMAND_SPECS, parseOptionsOf } from './commandSpecs';
import type { Io } from './io';
import { loadCheckKeys } from './loadKeys';

const VERIFY_WINDOW = 8;

/** The archive a `.prov` belongs to (`x.tgz.prov` → `x.tgz`); other names are archives already. */
export function archiveNamed(target: string): string {
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

export async function verifyCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, parseOptionsOf(COMMAND_SPECS.verify));
  if (positionals.length === 0) throw new UsageError('verify needs at least one archive or directory');
  const archives = collectArchives(positionals);
  if (archives.length === 0) throw new UsageError(`no *.tgz found in ${positionals.map((p) => escapeUntrusted(p, 2000)).join(', ')}`);
  const keys = await loadCheckKeys(values.keyring as string[] | undefined, io);
  if (!keys) return 1;
  const { verifyArchive } = await import('../provenance/verify');
  const { chartReport, siblingCheckFromFlags } = await import('./chartSigstore');
  const cosignSiblings = await siblingCheckFromFlags(values as Parameters<typeof siblingCheckFromFlags>[0]);
  const fetchKeysFor = values['fetch-keys'] ? (await import('./keyCommands')).fetchKeysFor : undefined;
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
    if (fetchKeysFor) await fetchKeysFor(outcome, { keyservers: values.keyserver as string[] | undefined, wkd: values.wkd as boolean | undefined }, values.json === true, io);
  }
  return failed ? 1 : 0;
}
