// Settings from `workspace/configuration`, checked field by field: a client may send nothing, null, or
// values of the wrong type, and each falls back to its default alone.
import { DEFAULT_SETTINGS, type HelmProvenanceSettings } from './protocol';
import { normalizeSigstoreSettings } from './sigstoreSettings';

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
    signingBackend: r.signingBackend === 'gpg' || r.signingBackend === 'openpgp' ? r.signingBackend : 'auto',
    defaultSigningKey: text(r.defaultSigningKey, d.defaultSigningKey),
    chartOutputFolders: strings(r.chartOutputFolders, d.chartOutputFolders),
    rememberPassphrases: r.rememberPassphrases === true,
    keyservers: strings(r.keyservers, d.keyservers),
    keyLookups: r.keyLookups === true,
    sigstore: normalizeSigstoreSettings(r.sigstore),
    verifyDependencies: r.verifyDependencies !== false,
  };
}
