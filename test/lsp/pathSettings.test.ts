// Path settings over LSP, with the server started the way an editor may start it: in the repository's
// folder. A path is expanded (`~`, `$HOME`, `${env:…}`, `${userHome}`) and must then be absolute;
// anything else is refused with a warning naming the setting, and nothing is read relative to the
// server's folder — not a keyring, not a GnuPG home, not the programs gpg's configuration names.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ListSigningKeysRequest } from '../../server/src/lsp/protocol';
import { signedCases, signedKeyrings, signedKeys, tempDir } from '../support/tools';
import { LspSession } from './lspSession';

const pubring = path.join(signedKeyrings, 'pubring.gpg');
const chartFiles = ['devapp-1.2.3.tgz', 'devapp-1.2.3.tgz.prov'];

const scratchDirs: string[] = [];
after(() => { for (const dir of scratchDirs) fs.rmSync(dir, { recursive: true, force: true }); });

/** A repository holding a signed archive and its .prov, plus `files` (relative path → source file). */
function repository(files: Record<string, string> = {}): string {
  const dir = tempDir('lsp-paths-repo-');
  scratchDirs.push(dir);
  for (const f of chartFiles) fs.copyFileSync(path.join(signedCases, 'valid-rsa2048', f), path.join(dir, f));
  for (const [relative, source] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
    fs.copyFileSync(source, path.join(dir, relative));
  }
  return dir;
}

/** An empty home folder for the server (HOME), so the machine's own ~/.gnupg never takes part. */
function emptyHome(): string {
  const dir = tempDir('lsp-paths-home-');
  scratchDirs.push(dir);
  return dir;
}

/** The .prov's verdict: its status's code (a verified document has no diagnostic; any other has it as the first). */
async function verdict(session: LspSession, repo: string): Promise<string> {
  const statuses = session.statuses.length;
  const uri = await session.open(path.join(repo, 'devapp-1.2.3.tgz.prov'), 'helm-provenance');
  const diagnostics = await session.waitForDiagnostics(uri, { version: 1 });
  const status = await session.waitForStatus(`the status of ${uri}`, (s) => s.scope === 'document' && s.uri === uri && s.state !== 'removed', statuses);
  await session.close(uri);
  assert.equal(diagnostics[0]?.code ?? 'verified', status.code, 'the first diagnostic is the verdict; none when verified');
  return String(status.code);
}

/** Runs `body` with a server started in `repo` (its working directory and workspace folder). */
async function inRepository(repo: string, home: string, settings: Record<string, unknown>, body: (s: LspSession) => Promise<void>, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const session = await LspSession.start({ workspace: repo, cwd: repo, settings, env: { HOME: home, GNUPGHOME: '', ...env } });
  try {
    await body(session);
  } finally {
    await session.stop();
  }
}

describe('path settings over LSP (server started in the repository)', () => {
  test('"$HOME/.gnupg/pubring.gpg" is the user\'s home, never the repository\'s folder literally named $HOME', async () => {
    const repo = repository({ '$HOME/.gnupg/pubring.gpg': pubring });
    const home = emptyHome();
    await inRepository(repo, home, { keyrings: ['$HOME/.gnupg/pubring.gpg'] }, async (session) => {
      assert.equal(await verdict(session, repo), 'unknown-signer');
      const warning = await session.waitFor('the missing-keyring warning', () => session.messages.find((m) => m.includes('pubring.gpg')));
      assert.ok(warning.includes(path.join(home, '.gnupg', 'pubring.gpg')), warning);
    });
  });

  test('~, $HOME, ${HOME}, ${env:HOME} and ${userHome} all reach the keyring in the home folder', async () => {
    const repo = repository();
    const home = emptyHome();
    fs.mkdirSync(path.join(home, 'keys'));
    fs.copyFileSync(pubring, path.join(home, 'keys', 'pubring.gpg'));
    for (const form of ['~', '$HOME', '${HOME}', '${env:HOME}', '${userHome}']) {
      await inRepository(repo, home, { keyrings: [`${form}/keys/pubring.gpg`] }, async (session) => {
        assert.equal(await verdict(session, repo), 'verified', form);
      });
    }
  });

  test('a relative keyring is refused with a warning naming the setting, though the repository holds that file', async () => {
    const repo = repository({ 'keys/pubring.gpg': pubring });
    await inRepository(repo, emptyHome(), { keyrings: ['keys/pubring.gpg'] }, async (session) => {
      assert.equal(await verdict(session, repo), 'unknown-signer');
      const warning = await session.waitFor('the refusal', () => session.messages.find((m) => m.includes('helmProvenance.keyrings')));
      assert.match(warning, /"keys\/pubring\.gpg" is not used: it is not an absolute path/);
    });
  });

  test('a variable that is not set refuses the path, and names the variable', async () => {
    const repo = repository();
    await inRepository(repo, emptyHome(), { keyrings: ['${env:HELM_PROV_UNSET_FOR_TEST}/pubring.gpg'] }, async (session) => {
      assert.equal(await verdict(session, repo), 'unknown-signer');
      const warning = await session.waitFor('the refusal', () => session.messages.find((m) => m.includes('helmProvenance.keyrings')));
      assert.match(warning, /\$\{env:HELM_PROV_UNSET_FOR_TEST\} is not set/);
    });
  });

  test('a relative GnuPG home (setting or $GNUPGHOME) is refused: the repository\'s .gnupg is never read', async () => {
    const repo = repository({ '.gnupg/pubring.gpg': pubring });
    await inRepository(repo, emptyHome(), { gnupgHome: '.gnupg' }, async (session) => {
      assert.equal(await verdict(session, repo), 'unknown-signer');
      assert.ok(await session.waitFor('the refusal', () => session.messages.find((m) => m.includes('helmProvenance.gnupgHome'))));
    });
    await inRepository(repo, emptyHome(), {}, async (session) => {
      assert.equal(await verdict(session, repo), 'unknown-signer');
      const warning = await session.waitFor('the refusal', () => session.messages.find((m) => m.includes('GNUPGHOME')));
      assert.match(warning, /"\.gnupg" is not used: it is not an absolute path/);
    }, { GNUPGHOME: '.gnupg' });
  });

  test('gpg never runs in the repository: a relative agent-program in a GnuPG home there does not start', async () => {
    // The user chose a GnuPG home inside a repository they trust; its gpg.conf names ./evil-agent.sh,
    // which gpg resolves against its working directory.
    const repo = repository();
    const gnupg = path.join(repo, '.gnupg');
    fs.mkdirSync(gnupg, { mode: 0o700 });
    const imported = spawnSync('gpg', ['--batch', '--homedir', gnupg, '--import', path.join(signedKeys, 'rsa2048.sec.gpg')], { encoding: 'utf8' });
    assert.equal(imported.status, 0, imported.stderr);
    spawnSync('gpgconf', ['--homedir', gnupg, '--kill', 'all']);
    const marker = path.join(repo, 'agent-ran');
    fs.writeFileSync(path.join(repo, 'evil-agent.sh'), `#!/bin/sh\necho ran > '${marker}'\nexit 1\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(gnupg, 'gpg.conf'), 'agent-program ./evil-agent.sh\n');
    try {
      await inRepository(repo, emptyHome(), { signingBackend: 'gpg', gnupgHome: gnupg }, async (session) => {
        const list = await session.connection.sendRequest(ListSigningKeysRequest.type, {});
        assert.ok(list.ok, JSON.stringify(list));
        // gpg could not reach an agent (there is no ./evil-agent.sh where it runs): it says so, it ran nothing.
        assert.equal(fs.existsSync(marker), false, 'gpg ran the repository\'s agent-program');
      });
    } finally {
      spawnSync('gpgconf', ['--homedir', gnupg, '--kill', 'all']);
    }
  });
});
