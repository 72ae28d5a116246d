// A new GnuPG 2 user (issue 13, point 2): a GnuPG home made here with fresh keys — kept by gpg-agent
// in private-keys-v1.d, no secring.gpg, no exported keyring — and no setting but the GnuPG home. The
// key picker lists gpg's keys (backend, passphrase needed or not), Sign Chart signs through gpg, the
// passphrase of a protected key is asked over LSP and given through loopback pinentry, and a gpg-agent
// that refuses loopback asks through its own pinentry (a scripted one here, spoken to by the real agent).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ListSigningKeysRequest, SignRequest } from '../../server/src/lsp/protocol';
import { GpgHome, tempDir, unpackSignedChart } from '../support/tools';
import { LspSession, uriOf } from './lspSession';

const PASSPHRASE = 'correct horse battery';

/** Makes a key in `gpg`'s home and answers its fingerprint. */
function makeKey(gpg: GpgHome, uid: string, passphrase: string): string {
  const made = gpg.run(['--pinentry-mode', 'loopback', '--passphrase', passphrase, '--quick-gen-key', uid, 'ed25519', 'sign', '1y']);
  assert.equal(made.status, 0, made.stderr);
  const listed = gpg.run(['--with-colons', '--list-secret-keys', uid]);
  return /^fpr:+([0-9A-F]{40}):/m.exec(listed.stdout)![1];
}

/**
 * Makes gpg-agent's own pinentry a script speaking its Assuan protocol, answering GETPIN with the
 * passphrase and noting each time in `<script>.log`; restarts the agent with `extra` in its conf.
 */
function useScriptedPinentry(gpg: GpgHome, extra = ''): string {
  const pinentry = path.join(gpg.dir, 'scripted-pinentry.sh');
  fs.writeFileSync(pinentry, `#!/bin/sh\necho "OK ready"\nwhile read -r cmd rest; do\n  case "$cmd" in\n    GETPIN) echo asked >> "$0.log"; echo "D ${PASSPHRASE}"; echo OK;;\n    BYE) echo OK; exit 0;;\n    *) echo OK;;\n  esac\ndone\n`, { mode: 0o755 });
  fs.rmSync(`${pinentry}.log`, { force: true });
  fs.writeFileSync(path.join(gpg.dir, 'gpg-agent.conf'), `${extra}\npinentry-program ${pinentry}\n`);
  stopAgent(gpg);
  return pinentry;
}

/** Stops the home's gpg-agent (it forgets cached passphrases and re-reads gpg-agent.conf on its next start). */
function stopAgent(gpg: GpgHome): void {
  spawnSync('gpg-connect-agent', ['--homedir', gpg.dir, 'KILLAGENT', '/bye'], { encoding: 'utf8' });
}

describe('signing with the keys a fresh GnuPG 2 home holds', () => {
  let workspace: string;
  let gpg: GpgHome;
  let session: LspSession;
  let fresh: string;
  let locked: string;

  before(async () => {
    gpg = new GpgHome();
    fresh = makeKey(gpg, 'Fresh Maintainer <fresh@example.test>', '');
    locked = makeKey(gpg, 'Locked Maintainer <locked@example.test>', PASSPHRASE);
    stopAgent(gpg);
    assert.equal(fs.existsSync(path.join(gpg.dir, 'secring.gpg')), false, 'GnuPG 2 keeps no secring.gpg');
    workspace = tempDir('lsp-gnupg2-');
    unpackSignedChart('valid-locked', path.join(workspace, 'charts'));
    session = await LspSession.start({ workspace, settings: { gnupgHome: gpg.dir }, passphrase: () => PASSPHRASE });
  });

  after(async () => {
    await session.stop();
    stopAgent(gpg);
    gpg.dispose();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  test('the key picker lists gpg\'s secret keys, each saying its backend and whether a passphrase is needed', async () => {
    const list = await session.connection.sendRequest(ListSigningKeysRequest.type, {});
    assert.ok(list.ok, JSON.stringify(list));
    assert.equal(list.backend, 'auto');
    const byFingerprint = new Map(list.keys.map((k) => [k.fingerprint, k]));
    assert.equal(byFingerprint.get(fresh)?.backend, 'gpg');
    assert.equal(byFingerprint.get(fresh)?.protected, false);
    assert.equal(byFingerprint.get(fresh)?.usable, true);
    assert.equal(byFingerprint.get(locked)?.backend, 'gpg');
    assert.equal(byFingerprint.get(locked)?.protected, true, 'a passphrase is needed (not cached by gpg-agent)');
    assert.ok(byFingerprint.get(locked)?.expires, 'the expiry is listed');
  });

  test('Sign Chart with a key only gpg-agent holds: signed through gpg, verified with the home\'s public keys', async () => {
    const chartYaml = path.join(workspace, 'charts', 'devlocked', 'Chart.yaml');
    const result = await session.connection.sendRequest(SignRequest.type, { uri: uriOf(chartYaml), key: fresh });
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual([result.signedBy.backend, result.signedBy.fingerprint], ['gpg', fresh]);
    assert.equal(result.status.state, 'verified', result.status.message);
    assert.equal(result.status.signer?.fingerprint, fresh);
    assert.equal(session.passphraseRequests.length, 0, 'an unprotected key needs no passphrase');
  });

  test('a protected key: the passphrase is asked over LSP and given to gpg through loopback pinentry', async () => {
    const chartDir = unpackSignedChart('valid-locked', path.join(workspace, 'protected'));
    const result = await session.connection.sendRequest(SignRequest.type, { uri: uriOf(chartDir), key: locked, packageFirst: true });
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual([result.signedBy.backend, result.signedBy.fingerprint], ['gpg', locked]);
    assert.equal(result.status.state, 'verified', result.status.message);
    assert.deepEqual(session.passphraseRequests.map((p) => [p.fingerprint, p.attempt]), [[locked, 1]]);
    assert.equal(Buffer.concat(session.wire).includes(PASSPHRASE), false, 'the passphrase crossed the connection sealed');
  });

  test('a gpg-agent that refuses loopback: its own pinentry asks, and the chart is signed', async () => {
    const pinentry = useScriptedPinentry(gpg, 'no-allow-loopback-pinentry');
    const asked = session.passphraseRequests.length;
    const chartDir = unpackSignedChart('valid-locked', path.join(workspace, 'agent-prompt'));
    const result = await session.connection.sendRequest(SignRequest.type, { uri: uriOf(chartDir), key: locked, packageFirst: true });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.signedBy.backend, 'gpg');
    assert.equal(result.status.state, 'verified', result.status.message);
    assert.equal(session.passphraseRequests.length, asked + 1, 'asked once in the editor before gpg-agent refused loopback');
    assert.equal(fs.readFileSync(`${pinentry}.log`, 'utf8'), 'asked\n', 'gpg-agent\'s own pinentry asked, once');
  });

  test('an editor without a passphrase prompt: gpg-agent\'s own pinentry asks, and the chart is signed', async () => {
    const pinentry = useScriptedPinentry(gpg);
    const other = await LspSession.start({ workspace, settings: { gnupgHome: gpg.dir }, answersPassphrase: false });
    try {
      const chartDir = unpackSignedChart('valid-locked', path.join(workspace, 'other-editor'));
      const result = await other.connection.sendRequest(SignRequest.type, { uri: uriOf(chartDir), key: locked, packageFirst: true });
      assert.ok(result.ok, JSON.stringify(result));
      assert.deepEqual([result.signedBy.backend, result.status.state], ['gpg', 'verified']);
      assert.equal(fs.readFileSync(`${pinentry}.log`, 'utf8'), 'asked\n', 'gpg-agent\'s own pinentry asked, once');
    } finally {
      await other.stop();
    }
  });
});
