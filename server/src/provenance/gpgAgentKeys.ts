// Which of gpg's secret keys gpg-agent would have to unlock with a passphrase now, for a key picker:
// `KEYINFO --list` of gpg-connect-agent (next to gpg) says per keygrip whether the key is protected
// and whether its passphrase is cached. Best effort: when it cannot be asked, no key is shown as locked
// (signing still asks when it has to).
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import type { GpgOptions } from './gpgSign';
import { neutralWorkingDirectory } from './userPaths';

const KEYINFO_TIMEOUT_MS = 10_000;
const MAX_KEYINFO_BYTES = 1024 * 1024;

/** gpg-connect-agent of the same installation as the configured gpg. */
function connectAgentPath(gpgPath: string | undefined): string {
  const gpg = gpgPath ?? 'gpg';
  const name = process.platform === 'win32' ? 'gpg-connect-agent.exe' : 'gpg-connect-agent';
  return path.dirname(gpg) === '.' && !gpg.includes(path.sep) ? name : path.join(path.dirname(gpg), name);
}

/** The keygrips among `grips` whose key is passphrase-protected and not unlocked in gpg-agent's cache. */
export function lockedKeygrips(options: GpgOptions, grips: Set<string>): Promise<Set<string>> {
  if (grips.size === 0) return Promise.resolve(new Set());
  const args = [...(options.gpgHome ? ['--homedir', options.gpgHome] : []), 'KEYINFO --list', '/bye'];
  return new Promise((resolve) => {
    execFile(connectAgentPath(options.gpgPath), args, { cwd: neutralWorkingDirectory(), timeout: KEYINFO_TIMEOUT_MS, maxBuffer: MAX_KEYINFO_BYTES }, (error, stdout) => {
      if (error) return resolve(new Set());
      const locked = new Set<string>();
      // S KEYINFO <keygrip> <type> <serialno> <idstr> <cached> <protection> …: cached "1", protection "P".
      for (const line of String(stdout).split(/\r?\n/)) {
        const fields = line.split(' ');
        if (fields[0] !== 'S' || fields[1] !== 'KEYINFO') continue;
        const grip = (fields[2] ?? '').toUpperCase();
        if (grips.has(grip) && fields[7] === 'P' && fields[6] !== '1') locked.add(grip);
      }
      resolve(locked);
    });
  });
}
