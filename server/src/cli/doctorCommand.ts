// `helm-prov doctor`: what signing and verification on this machine will use — gpg found or not (path,
// version, agent), the GnuPG home and its keyring files, and which backend the VS Code settings select.
// Exit 1 when what the settings select cannot work (the gpg backend without gpg), else 0; 2 usage.
import * as os from 'node:os';
import * as path from 'node:path';
import { parseCommandArgs, UsageError, withUsage } from './args';
import { DOCTOR_USAGE } from './familyUsage';
import { readBoundedFile } from '../provenance/boundedRead';
import { escapeUntrusted, jsonLine } from '../provenance/untrustedText';

export interface DoctorIo { out: (s: string) => void; err: (s: string) => void }

const SETTINGS_BYTES = 4 * 1024 * 1024;

/** Where VS Code, VS Code OSS, VSCodium and code-server keep user settings. */
function settingsCandidates(): string[] {
  const home = os.homedir();
  const config = process.env.XDG_CONFIG_HOME || path.join(home, '.config');
  return [
    ...['Code', 'Code - OSS', 'VSCodium'].map((p) => path.join(config, p, 'User', 'settings.json')),
    path.join(home, '.local', 'share', 'code-server', 'User', 'settings.json'),
    path.join(home, '.vscode-server', 'data', 'Machine', 'settings.json'),
  ];
}

/** JSON with comments and trailing commas (VS Code's settings.json), as plain JSON. */
export function stripJsonc(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      out += text.slice(start, i + 1);
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 1;
    } else out += c;
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}

interface EditorSettings { file?: string; values: Record<string, unknown>; problem?: string }

function readEditorSettings(explicit: string | undefined): EditorSettings {
  for (const file of explicit ? [explicit] : settingsCandidates()) {
    const read = readBoundedFile(file, SETTINGS_BYTES);
    if (!read.ok) {
      if (explicit) throw new UsageError(`--vscode-settings ${escapeUntrusted(read.message, 2000)}`);
      continue;
    }
    try {
      const all = JSON.parse(stripJsonc(read.bytes.toString('utf8'))) as Record<string, unknown>;
      const values = Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith('helmProvenance.')).map(([k, v]) => [k.slice('helmProvenance.'.length), v]));
      return { file, values };
    } catch (e) {
      return { file, values: {}, problem: `cannot be read as JSON: ${escapeUntrusted((e as Error).message, 300)}` };
    }
  }
  return { values: {} };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

async function doctor(args: string[], io: DoctorIo): Promise<number> {
  const { values } = parseCommandArgs(args, { gpg: { type: 'string' }, 'gpg-home': { type: 'string' }, 'vscode-settings': { type: 'string' }, json: { type: 'boolean' } } as const);
  const editor = readEditorSettings(values['vscode-settings']);
  const backend = editor.values.signingBackend === 'gpg' ? 'gpg' : 'openpgp';
  const gpgPath = values.gpg ?? str(editor.values.gpgPath);
  const gnupgHome = values['gpg-home'] ?? str(editor.values.gnupgHome);
  const { probeGpg } = await import('../provenance/gpgProbe');
  const probe = await probeGpg({ gpgPath, gnupgHome });
  const secretKeyring = str(editor.values.secretKeyring);
  const signing = backend === 'gpg'
    ? (probe.gpg.found ? `gpg at ${probe.gpg.path} (helmProvenance.signingBackend is "gpg"; keys from ${probe.home.path} through gpg-agent)` : 'gpg, which is NOT found: Sign Chart fails until helmProvenance.gpgPath names it or gpg is installed')
    : `openpgp.js, built in, with ${secretKeyring ? `the secret keyring ${secretKeyring}` : `${path.join(probe.home.path, 'secring.gpg')} (helmProvenance.secretKeyring is not set)`}; the CLI's sign falls back to gpg when only gpg-agent holds the key${probe.gpg.found ? '' : ' (gpg is not found, so it cannot)'}`;
  const broken = backend === 'gpg' && !probe.gpg.found;
  if (values.json) {
    io.out(jsonLine({ gpg: probe.gpg, agent: probe.agent, home: probe.home, settings: { file: editor.file ?? null, problem: editor.problem ?? null, values: editor.values }, signingBackend: backend, signing, verification: 'openpgp.js (built in); gpg is not needed', ok: !broken }));
    return broken ? 1 : 0;
  }
  const g = probe.gpg;
  io.out(g.found ? `gpg: ${escapeUntrusted(g.path, 500)} — ${escapeUntrusted(g.version, 200)}${g.libgcrypt ? `, libgcrypt ${escapeUntrusted(g.libgcrypt, 50)}` : ''}${g.error ? ` (it failed: ${g.error})` : ''}` : `gpg: not found (looked for ${g.searched})`);
  io.out(`gpg-agent: ${probe.agent}${probe.agent === 'not running' ? ' (gpg starts it when it needs it; doctor does not)' : ''}`);
  const h = probe.home;
  io.out(`GnuPG home: ${escapeUntrusted(h.path, 500)} (${h.from}${h.exists ? '' : ', does not exist'})`);
  for (const f of h.files) {
    io.out(`  ${f.name}: ${!f.exists ? 'absent' : f.problem ? `unreadable: ${escapeUntrusted(f.problem, 500)}` : `${f.keys} key(s)${f.secretKeys ? `, ${f.secretKeys} with secret parts` : ''}`}`);
  }
  io.out(`  private-keys-v1.d: ${h.privateKeyFiles} private key file(s) (usable only through gpg-agent)`);
  io.out(`VS Code settings: ${editor.file ? escapeUntrusted(editor.file, 500) : 'none found'}${editor.problem ? ` (${editor.problem})` : ''}${Object.keys(editor.values).length ? ` — ${Object.entries(editor.values).map(([k, v]) => `${k}=${escapeUntrusted(JSON.stringify(v), 200)}`).join(', ')}` : ''}`);
  io.out(`signing: ${escapeUntrusted(signing, 2000)}`);
  io.out('verification: openpgp.js (built in): charts, files and image signatures are verified without gpg or GPGME');
  return broken ? 1 : 0;
}

export const DOCTOR_COMMANDS = {
  doctor: withUsage(DOCTOR_USAGE, (args: string[], io: DoctorIo) => doctor(args, io)),
};
