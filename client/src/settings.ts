// Settings and workspace trust. Every `helmProvenance.*` setting is machine-scoped (see package.json):
// VS Code never reads them from a workspace's settings.json, so a repository cannot point the keyring
// or the trusted fingerprints at a file it controls. Whatever writes files or runs a program (sign,
// package, select signing key) needs a trusted workspace; the server is told the trust too.
import * as vscode from 'vscode';
import { DEFAULT_SETTINGS, SETTINGS_SECTION, type HelmProvenanceSettings } from '../../server/src/lsp/protocol';
import { normalizeSettings } from '../../server/src/lsp/settings';

/** The settings, checked field by field as the server checks them (a value of the wrong type falls back to its default). */
export function readSettings(): HelmProvenanceSettings {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  return normalizeSettings(Object.fromEntries(Object.keys(DEFAULT_SETTINGS).map((key) => [key, config.get(key)])));
}

/** Stores the default signing key in the user (machine) settings; a workspace value would be ignored anyway. */
export async function saveDefaultSigningKey(fingerprint: string): Promise<void> {
  await vscode.workspace.getConfiguration(SETTINGS_SECTION).update('defaultSigningKey', fingerprint, vscode.ConfigurationTarget.Global);
}

export function affectsSettings(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration(SETTINGS_SECTION);
}

/** The workspace folders on disk (virtual ones have no path). */
export function workspaceFolderPaths(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
}

/**
 * Refuses, in Restricted Mode, an action that writes files or runs a program (`does` says which), with
 * a way out. Returns true when allowed. The menus hide these commands already; this covers the lens,
 * keybindings and other extensions.
 */
export function requireTrust(action: string, does: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  void vscode.window
    .showErrorMessage(`${action} is not available in Restricted Mode: it ${does}. Trust the workspace to use it.`, manage)
    .then((choice) => { if (choice === manage) void vscode.commands.executeCommand('workbench.trust.manage'); });
  return false;
}
