// Finds `helmProvenance.*` settings set where VS Code ignores them in this window, and says so once,
// with a button that opens the scope where they apply (settingsScope.ts decides). VS Code hides such
// values from `inspect()` (a machine-scoped value in a workspace's settings.json is never read, and in a
// remote window the local User settings' are not either), so the settings files are read too: each
// workspace folder's .vscode/settings.json, the .code-workspace file, and — in a remote window where the
// User settings live on the same machine, as with code-server — the User settings.json.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_SETTINGS, SETTINGS_SECTION } from '../../server/src/lsp/protocol';
import type { Log } from './output';
import {
  ignoredSettings, ignoredSettingsMessage, machineSettingsScope, openScopeButton, openSettingsCommand, settingsSetIn, type SettingFound,
} from './settingsScope';

/** The machine-scoped settings (every one but the client's trace level). */
const KEYS = Object.keys(DEFAULT_SETTINGS);
/** The most of a settings file that is read. */
const MAX_SETTINGS_FILE = 1024 * 1024;

function currentScope() {
  return machineSettingsScope(vscode.env.remoteName);
}

/** Opens the settings editor where the extension's settings apply in this window (Remote tab in a remote window). */
export function openMachineSettings(): Thenable<unknown> {
  const { command, args } = openSettingsCommand(currentScope(), SETTINGS_SECTION);
  return vscode.commands.executeCommand(command, ...args);
}

/**
 * A settings file's text, when it is a regular file (a repository's .vscode/settings.json may be a FIFO
 * or a link to a device: never blocked on, never read past the limit).
 */
function readSettingsFile(file: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    if (!fs.fstatSync(fd).isFile()) return undefined;
    const buffer = Buffer.alloc(MAX_SETTINGS_FILE);
    return buffer.subarray(0, fs.readSync(fd, buffer, 0, MAX_SETTINGS_FILE, 0)).toString('utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function foundIn(file: string | undefined, place: SettingFound['place']): SettingFound[] {
  const text = file ? readSettingsFile(file) : undefined;
  return text === undefined ? [] : settingsSetIn(text, KEYS).map((key) => ({ key, place }));
}

/** Every place a `helmProvenance.*` setting is set that this window can see. */
export function findSettings(globalStorage: vscode.Uri): SettingFound[] {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const found: SettingFound[] = KEYS.flatMap((key) => {
    const inspected = config.inspect(key);
    return inspected?.workspaceValue !== undefined || inspected?.workspaceFolderValue !== undefined ? [{ key: `${SETTINGS_SECTION}.${key}`, place: 'workspace' as const }] : [];
  });
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    if (folder.uri.scheme === 'file') found.push(...foundIn(path.join(folder.uri.fsPath, '.vscode', 'settings.json'), 'workspace'));
  }
  const workspaceFile = vscode.workspace.workspaceFile;
  if (workspaceFile?.scheme === 'file') found.push(...foundIn(workspaceFile.fsPath, 'workspace'));
  // <user data>/User/globalStorage/<extension>/ → <user data>/User/settings.json (absent on an SSH or WSL host).
  if (vscode.env.remoteName && globalStorage.scheme === 'file') found.push(...foundIn(path.join(globalStorage.fsPath, '..', '..', 'settings.json'), 'user'));
  const seen = new Set<string>();
  return found.filter((f) => !seen.has(`${f.place}:${f.key}`) && seen.add(`${f.place}:${f.key}`));
}

/** Warns (once per distinct finding) about settings set where they are ignored; answers the message, if any. */
export class IgnoredSettingsWarning implements vscode.Disposable {
  private readonly warned = new Set<string>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly context: vscode.ExtensionContext, private readonly log: Log) {
    const check = () => void this.check();
    this.subscriptions = [
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration(SETTINGS_SECTION)) check(); }),
      vscode.workspace.onDidChangeWorkspaceFolders(check),
    ];
    check();
  }

  check(): string | undefined {
    const scope = currentScope();
    const message = ignoredSettingsMessage(ignoredSettings(findSettings(this.context.globalStorageUri), scope), scope);
    if (!message) return undefined;
    this.log.channel.warn(message);
    if (this.warned.has(message)) return message;
    this.warned.add(message);
    const open = openScopeButton(scope);
    void vscode.window.showWarningMessage(`Helm Provenance: ${message}`, open).then((choice) => { if (choice === open) void openMachineSettings(); });
    return message;
  }

  dispose(): void {
    vscode.Disposable.from(...this.subscriptions).dispose();
  }
}
