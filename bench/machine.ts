// The machine and tool versions a run measured on: figures mean little without them.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { MachineInfo } from './report';
import type { Tool, Tools } from './requirements';

function firstLine(command: string, args: string[], env?: NodeJS.ProcessEnv): string {
  const r = spawnSync(command, args, { encoding: 'utf8', env });
  if (r.error || r.status !== 0) return `unavailable (${r.error?.message ?? (r.stderr || '').trim()})`;
  return (r.stdout || r.stderr).trim().split('\n')[0];
}

/** /proc/cpuinfo's model name, which os.cpus() shortens on some virtual machines. */
function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) return match[1].trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

/** SHA-NI decides how fast SHA-256 can go (openssl and Node share the code). */
function hasShaExtensions(): string {
  try {
    return /^flags\s*:.*\bsha_ni\b/m.test(fs.readFileSync('/proc/cpuinfo', 'utf8')) ? 'yes (sha_ni)' : 'no';
  } catch {
    return 'unknown';
  }
}

export function loadAverage(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(' / ');
}

export function describeMachine(helm: { binary: string; env: NodeJS.ProcessEnv }, tools: Tools): MachineInfo {
  const missing = (tool: Tool, version: () => string) => (tools.missing.has(tool) ? `**missing**: ${tools.missing.get(tool)}` : version());
  return {
    rows: [
      ['CPU', `${cpuModel()}, ${os.cpus().length} cores (as the OS reports them)`],
      ['SHA extensions', hasShaExtensions()],
      ['Memory', `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`],
      ['OS', `${os.type()} ${os.release()} (${os.arch()})`],
      ['Node', process.version],
      ['Helm', missing('helm', () => firstLine(helm.binary, ['version', '--short'], helm.env))],
      ['gpg', firstLine('gpg', ['--version'])],
      ['OpenSSL', missing('openssl', () => firstLine('openssl', ['version']))],
      ['Load average (1/5/15 min) at start', loadAverage()],
    ],
  };
}
