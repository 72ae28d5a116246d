// Settings and workspace trust. Every `helmProvenance.*` setting is machine-scoped (see package.json):
// VS Code never reads them from a workspace's settings.json, so a repository cannot point the keyring
// or the trusted fingerprints at a file it controls. Writing files (sign, package) needs a trusted
// workspace.
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_SETTINGS, SETTINGS_SECTION, type HelmProvenanceSettings } from '../../server/src/lsp/protocol';

export function readSettings(): HelmProvenanceSettings {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const read = <K extends keyof HelmProvenanceSettings>(key: K): HelmProvenanceSettings[K] =>
    config.get<HelmProvenanceSettings[K]>(key, DEFAULT_SETTINGS[key]);
  return {
    keyrings: read('keyrings'),
    secretKeyring: read('secretKeyring'),
    gnupgHome: read('gnupgHome'),
    gpgPath: read('gpgPath'),
    trustedFingerprints: read('trustedFingerprints'),
    signingBackend: read('signingBackend'),
    defaultSigningKey: read('defaultSigningKey'),
    chartOutputFolders: read('chartOutputFolders'),
    rememberPassphrases: read('rememberPassphrases'),
  };
}

/** Stores the default signing key in the user (machine) settings; a workspace value would be ignored anyway. */
export async function saveDefaultSigningKey(fingerprint: string): Promise<void> {
  await vscode.workspace.getConfiguration(SETTINGS_SECTION).update('defaultSigningKey', fingerprint, vscode.ConfigurationTarget.Global);
}

export function affectsSettings(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration(SETTINGS_SECTION);
}

/**
 * The keyring files to watch: the configured ones, or GnuPG's defaults when none are set. Only
 * absolute paths: relative ones would resolve against whatever folder happens to be open.
 */
export function keyringFiles(settings: HelmProvenanceSettings): string[] {
  const home = settings.gnupgHome || process.env.GNUPGHOME || path.join(os.homedir(), '.gnupg');
  const publicRings = settings.keyrings.length > 0
    ? settings.keyrings
    : ['pubring.kbx', 'pubring.gpg'].map((f) => path.join(home, f));
  const secretRing = settings.secretKeyring || path.join(home, 'secring.gpg');
  return [...publicRings, secretRing].filter((p) => path.isAbsolute(p));
}

/**
 * Refuses an action that writes files in Restricted Mode, with a way out. Returns true when allowed.
 * The menus hide these commands already; this covers the palette, keybindings and other extensions.
 */
export function requireTrust(action: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  void vscode.window
    .showErrorMessage(`${action} is not available in Restricted Mode: it writes files from this repository's content. Trust the workspace to use it.`, manage)
    .then((choice) => { if (choice === manage) void vscode.commands.executeCommand('workbench.trust.manage'); });
  return false;
}
