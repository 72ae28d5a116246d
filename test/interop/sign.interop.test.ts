// Our .prov files against the real verifiers: Helm 4.1.4 (`helm verify`) and gpg 2.2 (`gpg --verify`),
// signed by both backends (openpgp.js and the system gpg).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as openpgp from 'openpgp';
import { gpgSignArchive, listGpgSigningKeys } from '../../server/src/provenance/gpgSign';
import { signArchive, type SignResult } from '../../server/src/provenance/sign';
import { fixtureFingerprint, GpgHome, helm, scratch, signedCases, signedKeyrings, signedKeys } from '../support/tools';

const fpr = fixtureFingerprint;
const lockedPassphrase = fs.readFileSync(path.join(signedKeys, 'locked.passphrase'), 'utf8').trim();
const pubring = path.join(signedKeyrings, 'pubring.gpg');

function freshArchive(caseName: string): string {
  const dir = path.join(signedCases, caseName);
  const tgz = fs.readdirSync(dir).find((f) => f.endsWith('.tgz'));
  assert.ok(tgz, `no archive in ${dir}`);
  const target = path.join(scratch('sign-interop-'), tgz);
  fs.copyFileSync(path.join(dir, tgz), target);
  return target;
}

async function subkeyFingerprint(id: string): Promise<string> {
  const key = await openpgp.readKey({ binaryKey: fs.readFileSync(path.join(signedKeys, `${id}.pub.gpg`)) });
  return key.subkeys[0].getFingerprint().toUpperCase();
}

/** helm verify with the binary public keyring of the corpus: passes, naming the signer and our digest. */
function assertHelmVerifies(signed: SignResult): void {
  const run = helm(['verify', '--keyring', pubring, signed.archivePath]);
  assert.equal(run.status, 0, `helm verify: ${run.stdout}${run.stderr}`);
  assert.match(run.stdout, new RegExp(`Using Key With Fingerprint: ${signed.fingerprint}`));
  assert.match(run.stdout, new RegExp(`Chart Hash Verified: ${signed.digest}`));
}

/** gpg --verify in a throw-away home holding only the signer's public key: a good signature by the signing part. */
function assertGpgVerifies(signed: SignResult, publicKeyId: string): void {
  const home = new GpgHome();
  try {
    home.import(path.join(signedKeys, `${publicKeyId}.pub.gpg`));
    const run = home.run(['--status-fd', '1', '--verify', signed.provPath]);
    assert.equal(run.status, 0, `gpg --verify: ${run.stdout}${run.stderr}`);
    assert.match(run.stdout, /\[GNUPG:\] GOODSIG /);
    // VALIDSIG <signing part fpr> ... <primary fpr>; field 8 of VALIDSIG's arguments is the hash (10 = SHA512).
    const validsig = /\[GNUPG:\] VALIDSIG (.*)/.exec(run.stdout)?.[1].split(' ') ?? [];
    assert.equal(validsig[0], signed.signingKey);
    assert.equal(validsig[validsig.length - 1], signed.fingerprint);
    assert.equal(validsig[7], '10', 'SHA-512');
  } finally {
    home.dispose();
  }
}

const openpgpCases: { id: string; caseName: string; passphrase?: string }[] = [
  { id: 'rsa2048', caseName: 'valid-rsa2048' },
  { id: 'ed25519', caseName: 'valid-ed25519' },
  { id: 'nistp256', caseName: 'valid-nistp256' },
  { id: 'locked', caseName: 'valid-locked', passphrase: lockedPassphrase },
  { id: 'subkey', caseName: 'valid-subkey' },
];

for (const { id, caseName, passphrase } of openpgpCases) {
  test(`openpgp.js backend, ${id}: helm verify and gpg --verify accept our .prov`, async () => {
    const archive = freshArchive(caseName);
    const signed = await signArchive({
      archivePath: archive, keyQuery: fpr(id), secretKeyrings: [path.join(signedKeys, `${id}.sec.gpg`)], passphrase,
    });
    assert.ok(signed.ok, !signed.ok ? signed.error.message : '');
    if (id === 'subkey') assert.equal(signed.value.signingKey, await subkeyFingerprint('subkey'));
    // Measured: Helm 4.1.4 accepts a signature by a signing subkey and names the primary's fingerprint.
    assertHelmVerifies(signed.value);
    assertGpgVerifies(signed.value, id);
  });
}

test('measured: gpg 2.2 rejects Helm 4\'s own ed25519 .prov, which lacks the armor checksum our signer adds', async () => {
  const home = new GpgHome();
  try {
    home.import(path.join(signedKeys, 'ed25519.pub.gpg'));
    const helmMade = home.run(['--verify', path.join(signedCases, 'valid-ed25519', 'devapp-1.2.3.tgz.prov')]);
    assert.notEqual(helmMade.status, 0, 'gpg accepted a .prov without the checksum line');
  } finally {
    home.dispose();
  }
});

/** A throw-away GnuPG home holding the given secret keys, its agent configured by `agentConf`. */
function gpgHomeWith(ids: string[], agentConf?: string): GpgHome {
  const home = new GpgHome();
  if (agentConf) fs.writeFileSync(path.join(home.dir, 'gpg-agent.conf'), agentConf);
  for (const id of ids) home.import(path.join(signedKeys, `${id}.sec.gpg`));
  return home;
}

const gpgCases: { id: string; caseName: string; passphrase?: string }[] = [
  { id: 'rsa2048', caseName: 'valid-rsa2048' },
  { id: 'ed25519', caseName: 'valid-ed25519' },
  { id: 'locked', caseName: 'valid-locked', passphrase: lockedPassphrase },
  { id: 'subkey', caseName: 'valid-subkey' },
];

for (const { id, caseName, passphrase } of gpgCases) {
  test(`gpg backend, ${id}${passphrase ? ' (passphrase through loopback)' : ''}: helm verify and gpg --verify accept the .prov`, async () => {
    const home = gpgHomeWith([id]);
    try {
      const archive = freshArchive(caseName);
      const signed = await gpgSignArchive({ archivePath: archive, keyQuery: fpr(id), gpgHome: home.dir, passphrase });
      assert.ok(signed.ok, !signed.ok ? signed.error.message : '');
      assert.equal(signed.value.hashAlgorithm, 'SHA512');
      if (id === 'subkey') assert.equal(signed.value.signingKey, await subkeyFingerprint('subkey'));
      const prov = fs.readFileSync(signed.value.provPath, 'utf8');
      assert.match(prov, /\nfiles:\n {2}\S+: sha256:[0-9a-f]{64}\n\n-----BEGIN PGP SIGNATURE-----\n/, 'Helm 4 layout: the final newline is signed');
      assert.match(prov, /\n=[A-Za-z0-9+/]{4}\n-----END PGP SIGNATURE-----\n$/);
      assertHelmVerifies(signed.value);
      assertGpgVerifies(signed.value, id);
    } finally {
      home.dispose();
    }
  });
}

test('gpg backend: gpg\'s wrong-passphrase and no-pinentry answers are mapped; unknown and expired keys are refused before gpg signs', async () => {
  // An agent that cannot show a pinentry, as in CI: without a passphrase gpg cannot unlock the key.
  const home = gpgHomeWith(['locked', 'expired'], 'pinentry-program /bin/false\n');
  try {
    const archive = freshArchive('valid-locked');
    const sign = (keyQuery: string, passphrase?: string) => gpgSignArchive({ archivePath: archive, keyQuery, gpgHome: home.dir, passphrase });
    const wrongPassphrase = 'not-the-passphrase-42';
    const wrong = await sign(fpr('locked'), wrongPassphrase);
    assert.equal(!wrong.ok && wrong.error.code, 'passphrase-wrong', !wrong.ok ? wrong.error.message : '');
    assert.ok(!wrong.ok && !wrong.error.message.includes(wrongPassphrase));
    const noPrompt = await sign(fpr('locked'));
    assert.equal(!noPrompt.ok && noPrompt.error.code, 'passphrase-required', !noPrompt.ok ? noPrompt.error.message : '');
    const stranger = await sign(fpr('stranger'));
    assert.equal(!stranger.ok && stranger.error.code, 'key-not-found');
    const expired = await sign(fpr('expired'));
    assert.equal(!expired.ok && expired.error.code, 'key-unusable');
    assert.ok(!fs.existsSync(`${archive}.prov`));
  } finally {
    home.dispose();
  }
});

test('gpg backend: a passphrase prompt nobody answers is stopped at the time limit (gpg-failed)', async () => {
  // A pinentry that never greets gpg-agent: gpg waits until it is killed. It exits when the agent goes.
  const pinentry = path.join(scratch('silent-pinentry-'), 'pinentry');
  fs.writeFileSync(pinentry, '#!/bin/sh\nread line\n', { mode: 0o755 });
  const home = gpgHomeWith(['locked'], `pinentry-program ${pinentry}\n`);
  try {
    const archive = freshArchive('valid-locked');
    const signed = await gpgSignArchive({ archivePath: archive, keyQuery: fpr('locked'), gpgHome: home.dir, timeoutMs: 2000 });
    assert.equal(!signed.ok && signed.error.code, 'gpg-failed');
    assert.match(!signed.ok ? signed.error.message : '', /did not finish signing within 2 s/);
    assert.ok(!fs.existsSync(`${archive}.prov`));
  } finally {
    home.dispose();
  }
});

test('gpg backend: a missing gpg executable is gpg-failed', async () => {
  const signed = await gpgSignArchive({ archivePath: freshArchive('valid-rsa2048'), keyQuery: fpr('rsa2048'), gpgPath: path.join(scratch('no-gpg-'), 'gpg') });
  assert.equal(!signed.ok && signed.error.code, 'gpg-failed');
});

test('listGpgSigningKeys: gpg\'s secret keys with the part that would sign, or why none can', async () => {
  const home = gpgHomeWith(['rsa2048', 'subkey', 'expired', 'rsa1024']);
  try {
    const list = await listGpgSigningKeys({ gpgHome: home.dir });
    assert.deepEqual(list.problems, []);
    const byId = new Map(list.keys.map((k) => [k.info.fingerprint, k]));
    assert.equal(byId.size, 4);
    assert.equal(byId.get(fpr('rsa2048'))?.signingPart?.fingerprint, fpr('rsa2048'));
    assert.equal(byId.get(fpr('subkey'))?.signingPart?.fingerprint, await subkeyFingerprint('subkey'));
    assert.match(byId.get(fpr('expired'))?.reason ?? '', /expired/);
    assert.match(byId.get(fpr('rsa1024'))?.reason ?? '', /weak/);
  } finally {
    home.dispose();
  }
});

test('gpg backend: a GnuPG home that does not exist is gpg-failed with gpg\'s reason', async () => {
  const gpgHome = path.join(scratch('no-home-'), 'absent');
  const signed = await gpgSignArchive({ archivePath: freshArchive('valid-rsa2048'), keyQuery: fpr('rsa2048'), gpgHome });
  assert.equal(!signed.ok && signed.error.code, 'gpg-failed');
  assert.match(!signed.ok ? signed.error.message : '', /listing secret keys.*does not exist/);
  const list = await listGpgSigningKeys({ gpgHome });
  assert.deepEqual([list.keys.length, list.problems.map((p) => p.code)], [0, ['gpg-failed']]);
});
