// Settings from `workspace/configuration`, checked field by field: a client may send nothing, null, or
// values of the wrong type, and each falls back to its default alone.
import * as path from 'node:path';
import { DEFAULT_SETTINGS, type HelmProvenanceSettings } from './protocol';

function strings(value: unknown, fallback: string[]): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim()) : fallback;
}

function text(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value.trim() : fallback;
}

export function normalizeSettings(raw: unknown): HelmProvenanceSettings {
  const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const d = DEFAULT_SETTINGS;
  return {
    keyrings: strings(r.keyrings, d.keyrings),
    secretKeyring: text(r.secretKeyring, d.secretKeyring),
    gnupgHome: text(r.gnupgHome, d.gnupgHome),
    gpgPath: text(r.gpgPath, d.gpgPath) || d.gpgPath,
    trustedFingerprints: strings(r.trustedFingerprints, d.trustedFingerprints).map((f) => f.replace(/\s+/g, '').replace(/^0x/i, '').toUpperCase()),
    signingBackend: r.signingBackend === 'gpg' ? 'gpg' : 'openpgp',
    defaultSigningKey: text(r.defaultSigningKey, d.defaultSigningKey),
    chartOutputFolders: strings(r.chartOutputFolders, d.chartOutputFolders),
    rememberPassphrases: r.rememberPassphrases === true,
  };
}

/** `~/x` → home; relative paths are resolved against each workspace folder (output folders) or kept as given. */
export function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(process.env.HOME ?? '', p.slice(1)) : p;
}

/** Absolute output folders: absolute entries as they are, relative ones under every workspace folder. */
export function outputFolders(settings: HelmProvenanceSettings, workspaceFolders: string[]): string[] {
  return settings.chartOutputFolders.flatMap((f) => {
    const expanded = expandHome(f);
    return path.isAbsolute(expanded) ? [expanded] : workspaceFolders.map((w) => path.join(w, expanded));
  });
}
