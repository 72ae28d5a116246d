// What this machine offers for signing and verifying: the gpg program (found or not, its version), its
// agent (running or not; never started by asking), the GnuPG home and the keyring files in it. The
// class of problem behind a runtime's "Invalid crypto engine": a tool that silently needs gpg where
// none is found. Read-only: nothing here writes, imports or starts anything.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { escapeUntrusted } from './untrustedText';
import { gnupgHomeOf } from './userPaths';
import { loadKeyringFile } from './keyring';

const PROBE_TIMEOUT_MS = 10_000;
const PROBE_OUTPUT_BYTES = 64 * 1024;

export interface HomeFile { name: string; exists: boolean; keys?: number; secretKeys?: number; problem?: string }

export interface GpgProbe {
  gpg: { found: false; searched: string } | { found: true; path: string; version: string; libgcrypt?: string; error?: string };
  agent: 'running' | 'not running' | 'unknown';
  home: { path: string; from: 'option' | '$GNUPGHOME' | 'default'; exists: boolean; files: HomeFile[]; privateKeyFiles: number };
}

/** The first executable `name` on PATH (or `name` itself when it has a slash); undefined when none. */
export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const executable = (p: string) => {
    try { fs.accessSync(p, fs.constants.X_OK); return fs.statSync(p).isFile(); } catch { return false; }
  };
  if (name.includes('/')) return executable(name) ? path.resolve(name) : undefined;
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string; error?: string } {
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: PROBE_TIMEOUT_MS, maxBuffer: PROBE_OUTPUT_BYTES, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ...(r.error ? { error: r.error.message } : {}) };
}

async function homeFile(home: string, name: string): Promise<HomeFile> {
  const file = path.join(home, name);
  if (!fs.existsSync(file)) return { name, exists: false };
  const ring = await loadKeyringFile(file);
  if (!ring.ok) return { name, exists: true, problem: ring.error.message };
  return { name, exists: true, keys: ring.value.keys.length, secretKeys: ring.value.keys.filter((k) => k.info.secret).length };
}

/** Probes gpg, its agent and the GnuPG home (`gnupgHome` as given, else $GNUPGHOME, else ~/.gnupg). */
export async function probeGpg(options: { gpgPath?: string; gnupgHome?: string; env?: NodeJS.ProcessEnv } = {}): Promise<GpgProbe> {
  const env = options.env ?? process.env;
  const homePath = options.gnupgHome ?? gnupgHomeOf(env);
  const from = options.gnupgHome ? 'option' : env.GNUPGHOME ? '$GNUPGHOME' : 'default';
  const homeExists = fs.existsSync(homePath);
  const files = homeExists ? await Promise.all(['pubring.kbx', 'pubring.gpg', 'secring.gpg'].map((n) => homeFile(homePath, n))) : [];
  let privateKeyFiles = 0;
  try { privateKeyFiles = fs.readdirSync(path.join(homePath, 'private-keys-v1.d')).filter((n) => n.endsWith('.key')).length; } catch { /* none */ }
  const home = { path: homePath, from, exists: homeExists, files, privateKeyFiles } as const;

  const wanted = options.gpgPath ?? 'gpg';
  const gpgPath = findExecutable(wanted, env);
  if (!gpgPath) return { gpg: { found: false, searched: wanted.includes('/') ? wanted : `gpg on PATH (${escapeUntrusted(env.PATH ?? '', 500)})` }, agent: 'unknown', home };
  const childEnv = { ...env, GNUPGHOME: homePath, LC_ALL: 'C' };
  const version = run(gpgPath, ['--version'], childEnv);
  const lines = version.stdout.split('\n');
  const gpg = {
    found: true as const, path: gpgPath, version: lines[0]?.trim() || '(unknown)',
    ...(/^libgcrypt (\S+)/m.exec(version.stdout) ? { libgcrypt: /^libgcrypt (\S+)/m.exec(version.stdout)![1] } : {}),
    ...(version.status !== 0 ? { error: escapeUntrusted(version.error ?? version.stderr.trim(), 500) || `exit status ${version.status}` } : {}),
  };
  // --no-autostart: asking must not start an agent.
  const connect = findExecutable(path.join(path.dirname(gpgPath), 'gpg-connect-agent'), env) ?? findExecutable('gpg-connect-agent', env);
  let agent: GpgProbe['agent'] = 'unknown';
  if (connect) {
    const r = run(connect, ['--no-autostart', '--homedir', homePath, '/bye'], childEnv);
    agent = r.status === 0 && !/no gpg-agent running/i.test(r.stderr) ? 'running' : 'not running';
  }
  return { gpg, agent, home };
}
