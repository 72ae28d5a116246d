// Where machine-scoped settings apply (issue 13.3): Open Settings opens the Remote tab in a remote window
// (code-server, SSH, WSL, containers) and the User settings locally; a setting found where VS Code
// ignores it (a workspace's settings always; the User settings in a remote window) is named, with where
// to set it instead; settings.json text is read as JSON with comments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ignoredSettings, ignoredSettingsMessage, machineSettingsScope, openScopeButton, openSettingsCommand, settingsSetIn, type SettingFound,
} from '../../client/src/settingsScope';
import { DEFAULT_SETTINGS } from '../../server/src/lsp/protocol';

const KEYS = Object.keys(DEFAULT_SETTINGS);

test('Open Settings: the Remote tab in a remote window, the User settings locally, with the query as an options object', () => {
  for (const remote of ['ssh-remote', 'wsl', 'dev-container', 'codeserver']) {
    assert.equal(machineSettingsScope(remote), 'remote');
    assert.deepEqual(openSettingsCommand(machineSettingsScope(remote), 'helmProvenance'), { command: 'workbench.action.openRemoteSettings', args: [{ query: 'helmProvenance' }] });
  }
  assert.equal(machineSettingsScope(undefined), 'user');
  assert.equal(machineSettingsScope(''), 'user');
  assert.deepEqual(openSettingsCommand('user', 'helmProvenance'), { command: 'workbench.action.openSettings', args: [{ query: 'helmProvenance' }] });
  assert.equal(openScopeButton('remote'), 'Open Remote Settings');
  assert.equal(openScopeButton('user'), 'Open User Settings');
});

test('which places cannot apply: a workspace always; the User settings only in a remote window', () => {
  const found: SettingFound[] = [
    { key: 'helmProvenance.keyrings', place: 'workspace' },
    { key: 'helmProvenance.gnupgHome', place: 'user' },
    { key: 'helmProvenance.secretKeyring', place: 'remote' },
  ];
  assert.deepEqual(ignoredSettings(found, 'user'), [found[0]]);
  assert.deepEqual(ignoredSettings(found, 'remote'), [found[0], found[1]]);
  assert.equal(ignoredSettingsMessage([], 'remote'), undefined);
  assert.equal(ignoredSettingsMessage([found[1]], 'remote'),
    'helmProvenance.gnupgHome is set in your User settings, where it is ignored: in a remote window VS Code reads them from the Remote settings only. Set it in the Remote settings.');
  assert.match(ignoredSettingsMessage([found[0]], 'user')!, /^helmProvenance\.keyrings is set in this workspace's settings, where it is ignored: VS Code never reads them from a workspace .*\. Set it in your User settings\.$/);
});

test('settings.json is read as JSON with comments: commented-out and quoted settings do not count', () => {
  const text = `{
    // "helmProvenance.gpgPath": "/usr/bin/gpg",
    /* "helmProvenance.secretKeyring": "x", */
    "helmProvenance.keyrings": ["/home/me/.gnupg/pubring.gpg"], // a comment after it
    "other.setting": "not \\"helmProvenance.gnupgHome\\": here",
    "helmProvenance.trustedFingerprints" : [],
    "helmProvenance.trace.server": "verbose",
    "helmProvenance.keyrings": []
  }`;
  assert.deepEqual(settingsSetIn(text, KEYS), ['helmProvenance.keyrings', 'helmProvenance.trustedFingerprints']);
  assert.deepEqual(settingsSetIn('{ "helmProvenance.keyrings": "unterminated', KEYS), ['helmProvenance.keyrings']);
  assert.deepEqual(settingsSetIn('', KEYS), []);
});
