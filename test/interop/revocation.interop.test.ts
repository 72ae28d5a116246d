// Revocations as GnuPG 2.2 honours them: a revocation certificate appended to the key as its own
// armored block. gpg --import of that file and helm-prov, given the same file, must agree that the
// key is revoked; helm-prov, given the plain key first and the certificate in a second keyring, too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as openpgp from 'openpgp';
import { GpgHome, repoRoot, signedCases, signedKeys, tempDir } from '../support/tools';

const cli = path.join(repoRoot, 'bin', 'helm-prov.js');
const archive = path.join(signedCases, 'valid-rsa2048', 'devapp-1.2.3.tgz');

function helmProv(args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, GNUPGHOME: tempDir('empty-gnupg-'), HELM_PROV_NO_CODE_CACHE: '1' } });
}

/** The signer's revocation certificate, as `gpg --gen-revoke` writes it: one signature packet in a PUBLIC KEY BLOCK. */
async function revocationCertificate(): Promise<string> {
  const secret = await openpgp.readPrivateKey({ binaryKey: fs.readFileSync(path.join(signedKeys, 'rsa2048.sec.gpg')) });
  const { publicKey } = await openpgp.revokeKey({ key: secret, format: 'object' });
  const signature = publicKey.revocationSignatures[0];
  const list = new openpgp.PacketList();
  list.push(signature);
  return openpgp.armor(openpgp.enums.armor.publicKey, list.write());
}

test('a revocation certificate appended as its own block: gpg and helm-prov both call the key revoked', async () => {
  const dir = tempDir('revocation-interop-');
  const gpg = new GpgHome();
  try {
    const certificate = await revocationCertificate();
    const withCertificate = path.join(dir, 'keys.asc');
    fs.writeFileSync(withCertificate, `${fs.readFileSync(path.join(signedKeys, 'rsa2048.pub.asc'), 'utf8')}\n${certificate}`);
    gpg.import(withCertificate);
    const listed = gpg.run(['--with-colons', '--list-keys']);
    assert.match(listed.stdout, /^pub:r:/m, `gpg sees the key revoked: ${listed.stdout}`);
    const gpgVerify = gpg.run(['--status-fd', '1', '--verify', `${archive}.prov`]);
    assert.match(gpgVerify.stdout, /\[GNUPG:\] REVKEYSIG /, gpgVerify.stdout);

    const ours = helmProv(['verify', archive, '--keyring', withCertificate, '--json']);
    assert.equal(ours.status, 1, ours.stderr);
    assert.equal(JSON.parse(ours.stdout).code, 'key-revoked');

    const certificateAlone = path.join(dir, 'revocation.asc');
    fs.writeFileSync(certificateAlone, certificate);
    const split = helmProv(['verify', archive, '--keyring', path.join(signedKeys, 'rsa2048.pub.gpg'), '--keyring', certificateAlone, '--json']);
    assert.equal(JSON.parse(split.stdout).code, 'key-revoked', split.stdout + split.stderr);
  } finally {
    gpg.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
