// Where the extension's settings apply. Every `helmProvenance.*` path and trust setting is
// machine-scoped: VS Code reads it from the User settings in a local window and from the Remote
// settings in a remote window (code-server, SSH, WSL, containers: `vscode.env.remoteName` is set), and
// never from a workspace's settings. Opening "the settings" must open that scope, and a value set where
// it cannot apply is silently ignored by VS Code — so it is said. Pure: no vscode import.

export type SettingsScope = 'user' | 'remote';

/** Where a setting was found set. */
export type SettingPlace = 'workspace' | 'user' | 'remote';

export interface SettingFound { key: string; place: SettingPlace }

/** The scope machine-scoped settings are read from in this window. */
export function machineSettingsScope(remoteName: string | undefined): SettingsScope {
  return remoteName ? 'remote' : 'user';
}

/** The command (and its argument) that opens the settings editor on that scope, filtered by `query`. */
export function openSettingsCommand(scope: SettingsScope, query: string): { command: string; args: [{ query: string }] } {
  // Both commands take an options object; openRemoteSettings drops a plain string query.
  return { command: scope === 'remote' ? 'workbench.action.openRemoteSettings' : 'workbench.action.openSettings', args: [{ query }] };
}

/** The settings found where they cannot apply in this window: a workspace always, User settings in a remote window. */
export function ignoredSettings(found: SettingFound[], scope: SettingsScope): SettingFound[] {
  return found.filter((f) => f.place === 'workspace' || (f.place === 'user' && scope === 'remote'));
}

const PLACE_WORDS: Record<SettingPlace, string> = { workspace: 'this workspace\'s settings', user: 'your User settings', remote: 'the Remote settings' };

/** The warning for settings that are ignored, naming them and where they apply instead; undefined when none is. */
export function ignoredSettingsMessage(ignored: SettingFound[], scope: SettingsScope): string | undefined {
  if (!ignored.length) return undefined;
  const places = [...new Set(ignored.map((f) => f.place))].map((p) => PLACE_WORDS[p]).join(' and ');
  const keys = [...new Set(ignored.map((f) => f.key))].join(', ');
  const why = ignored.some((f) => f.place === 'workspace')
    ? 'VS Code never reads them from a workspace (a repository must not choose the keys its own charts are verified with)'
    : 'in a remote window VS Code reads them from the Remote settings only';
  return `${keys} ${ignored.length === 1 ? 'is' : 'are'} set in ${places}, where ${ignored.length === 1 ? 'it is' : 'they are'} ignored: ${why}. Set ${ignored.length === 1 ? 'it' : 'them'} in ${PLACE_WORDS[scope]}.`;
}

/** The button that opens the scope where the settings apply. */
export function openScopeButton(scope: SettingsScope): string {
  return scope === 'remote' ? 'Open Remote Settings' : 'Open User Settings';
}

/** A settings.json text (JSON with comments) without its comments; strings are kept as they are. */
function withoutComments(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end - 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? text.length : close + 1;
    } else {
      out += c;
    }
  }
  return out;
}

/** The index after the JSON string that starts at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"' || text[i] === '\n') return i + 1;
  }
  return text.length;
}

/** The `helmProvenance.<key>` settings (among `keys`) a settings.json text sets, as full ids. */
export function settingsSetIn(text: string, keys: readonly string[]): string[] {
  const set = new Set<string>();
  for (const m of withoutComments(text).matchAll(/"helmProvenance\.([A-Za-z]+)"\s*:/g)) if (keys.includes(m[1])) set.add(`helmProvenance.${m[1]}`);
  return [...set];
}
