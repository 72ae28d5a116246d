// `helm-prov doctor` against the real gpg 2.2: the path and version it reports are gpg's own, the
// agent is seen running or not (and never started by asking), the GnuPG home's keyrings are counted,
// and a gpg backend selected in the VS Code settings without gpg is a failure (exit 1), the class of
// problem behind "Invalid crypto engine".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GpgHome, repoRoot, tempDir } from '../support/tools';

const cli = path.join(repoRoot, 'bin', 'helm-prov.js');

function doctor(args: string[], env: NodeJS.ProcessEnv) {
  const home = tempDir('doctor-home-');
  try {
    return spawnSync(process.execPath, [cli, 'doctor', ...args], { encoding: 'utf8', env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), HELM_PROV_NO_CODE_CACHE: '1', ...env } });
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

test('gpg, its agent and the GnuPG home as gpg itself reports them', () => {
  const gpg = new GpgHome();
  try {
    const made = gpg.run(['--passphrase', '', '--quick-gen-key', 'Doctor <doctor@example.com>', 'ed25519', 'sign', 'never']);
    assert.equal(made.status, 0, made.stderr);
    const which = spawnSync('sh', ['-c', 'command -v gpg'], { encoding: 'utf8' }).stdout.trim();
    const version = spawnSync('gpg', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0].trim();
    const running = doctor(['--json'], { GNUPGHOME: gpg.dir });
    assert.equal(running.status, 0, running.stderr);
    const report = JSON.parse(running.stdout);
    assert.deepEqual([report.gpg.path, report.gpg.version], [which, version]);
    assert.equal(report.agent, 'running', 'key generation started gpg-agent');
    assert.equal(report.home.path, gpg.dir);
    assert.equal(report.home.from, '$GNUPGHOME');
    assert.deepEqual(report.home.files.find((f: { name: string }) => f.name === 'pubring.kbx'), { name: 'pubring.kbx', exists: true, keys: 1, secretKeys: 0 });
    assert.equal(report.home.privateKeyFiles, 1);
    spawnSync('gpgconf', ['--homedir', gpg.dir, '--kill', 'gpg-agent']);
    const stopped = JSON.parse(doctor(['--json'], { GNUPGHOME: gpg.dir }).stdout);
    assert.equal(stopped.agent, 'not running');
    assert.equal(JSON.parse(doctor(['--json'], { GNUPGHOME: gpg.dir }).stdout).agent, 'not running', 'asking did not start it');
  } finally {
    gpg.dispose();
  }
});

test('the gpg backend selected in VS Code settings, with no gpg to be found, fails the doctor', () => {
  const dir = tempDir('doctor-settings-');
  try {
    const settings = path.join(dir, 'settings.json');
    fs.writeFileSync(settings, '{\n  // chosen for the smartcard\n  "helmProvenance.signingBackend": "gpg", /* the agent */\n  "editor.tabSize": 2,\n}\n');
    const r = doctor(['--vscode-settings', settings], { PATH: path.join(dir, 'no-such-bin'), GNUPGHOME: dir });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^gpg: not found/m);
    assert.match(r.stdout, /^signing: gpg, which is NOT found/m);
    const openpgp = path.join(dir, 'openpgp.json');
    fs.writeFileSync(openpgp, '{"helmProvenance.signingBackend": "openpgp"}');
    assert.equal(doctor(['--vscode-settings', openpgp], { PATH: path.join(dir, 'no-such-bin'), GNUPGHOME: dir }).status, 0, 'verification and openpgp.js signing need no gpg');
    assert.equal(doctor(['--vscode-settings', path.join(dir, 'missing.json')], {}).status, 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
