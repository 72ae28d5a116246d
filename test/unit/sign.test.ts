import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as openpgp from 'openpgp';
import { readChartArchive } from '../../server/src/provenance/archive';
import { provenanceMetadataYaml } from '../../server/src/provenance/go/chartWriter';
import { sha256File } from '../../server/src/provenance/hash';
import { loadKeyringFile } from '../../server/src/provenance/keyring';
import type { KeyInfo, KeyPart } from '../../server/src/provenance/keyTypes';
import { armorChecksumLine, crc24 } from '../../server/src/provenance/armor';
import { composeProvenanceBody, finishClearsigned } from '../../server/src/provenance/provenanceWriter';
import { chooseSigningPart, listSigningKeys, signArchive } from '../../server/src/provenance/sign';
import { verifyArchive } from '../../server/src/provenance/verify';
import { fixtureFingerprint, scratch, signedCases, signedKeyrings, signedKeys } from '../support/tools';

const fpr = fixtureFingerprint;
const secring = (id: string): string => path.join(signedKeys, `${id}.sec.gpg`);
const lockedPassphrase = fs.readFileSync(path.join(signedKeys, 'locked.passphrase'), 'utf8').trim();

function archiveIn(caseName: string): string {
  const dir = path.join(signedCases, caseName);
  const tgz = fs.readdirSync(dir).find((f) => f.endsWith('.tgz'));
  assert.ok(tgz, `no archive in ${dir}`);
  return path.join(dir, tgz);
}

/** A copy of a case's archive, alone in a fresh directory (so the test's own .prov is the only one). */
function freshArchive(caseName: string): string {
  const source = archiveIn(caseName);
  const target = path.join(scratch('sign-unit-'), path.basename(source));
  fs.copyFileSync(source, target);
  return target;
}

/** The text a cleartext signature covers: between the header's blank line and the signature, un-dash-escaped. */
function signedText(prov: string): string {
  const match = /^-----BEGIN PGP SIGNED MESSAGE-----\r?\n(?:Hash: .*\r?\n)+\r?\n([\s\S]*?)\r?\n-----BEGIN PGP SIGNATURE-----/.exec(prov);
  assert.ok(match, 'not a cleartext-signed document');
  return match[1].replace(/\r\n/g, '\n').split('\n').map((l) => (l.startsWith('- ') ? l.slice(2) : l)).join('\n');
}

async function verifyWithOpenpgp(prov: string, publicKeyFile: string): Promise<openpgp.SignaturePacket> {
  const key = await openpgp.readKey({ binaryKey: fs.readFileSync(publicKeyFile) });
  const message = await openpgp.readCleartextMessage({ cleartextMessage: prov });
  const result = await openpgp.verify({ message, verificationKeys: key, expectSigned: true });
  assert.equal(await result.signatures[0].verified, true);
  return (await result.signatures[0].signature).packets[0];
}

const validCases = fs.readdirSync(signedCases).filter((c) => c.startsWith('valid-'));

test('the composed body is byte-equal to the body Helm 4 signed, for every valid-* case', async () => {
  assert.ok(validCases.length >= 8);
  for (const c of validCases) {
    const archive = archiveIn(c);
    const chart = await readChartArchive(archive);
    assert.ok(chart.ok, c);
    const digest = await sha256File(archive);
    assert.ok(digest.ok, c);
    const body = composeProvenanceBody(provenanceMetadataYaml(chart.value.metadata), path.basename(archive), digest.value.hex);
    assert.equal(body, signedText(fs.readFileSync(`${archive}.prov`, 'utf8')), c);
    assert.ok(body.endsWith('\n'), 'Helm 4 signs the final newline');
  }
});

test('composeProvenanceBody: metadata, a "..." line, the files map; a missing final newline on the metadata is added', () => {
  const hex = 'ab'.repeat(32);
  const expected = `name: x\nversion: 1.0.0\n\n...\nfiles:\n  x-1.0.0.tgz: sha256:${hex}\n`;
  assert.equal(composeProvenanceBody('name: x\nversion: 1.0.0\n', 'x-1.0.0.tgz', hex), expected);
  assert.equal(composeProvenanceBody('name: x\nversion: 1.0.0', 'x-1.0.0.tgz', hex.toUpperCase()), expected);
  // Go's yaml quotes a key that would read back as something else.
  assert.match(composeProvenanceBody('name: x\n', 'a: b.tgz', hex), /\n {2}'a: b\.tgz': sha256:/);
});

test('crc24 matches the CRC-24/OpenPGP check value and gpg\'s own armor checksum', () => {
  assert.equal(crc24(new Uint8Array()), 0xb704ce);
  assert.equal(crc24(Buffer.from('123456789')), 0x21cf02);
  // gpg wrote this .prov with its checksum line: stripping and recomputing gives the same line.
  const gpgProv = fs.readFileSync(`${archiveIn('gpg-clearsigned')}.prov`, 'utf8');
  const gpgChecksum = /^=[A-Za-z0-9+/]{4}$/m.exec(gpgProv)?.[0];
  assert.ok(gpgChecksum, 'gpg writes a checksum line');
  const data = gpgProv.split('-----BEGIN PGP SIGNATURE-----')[1].split('\n\n')[1].split('\n=')[0].replace(/\n/g, '');
  assert.equal(armorChecksumLine(Buffer.from(data, 'base64')), gpgChecksum);
  assert.equal(finishClearsigned(gpgProv.replace(`\n${gpgChecksum}\n`, '\n')), finishClearsigned(gpgProv));
  assert.ok(finishClearsigned(gpgProv).includes(`\n${gpgChecksum}\n-----END PGP SIGNATURE-----\n`));
});

test('finishClearsigned adds the missing checksum to a Helm 4 ed25519 .prov and keeps it verifying', async () => {
  const helmProv = fs.readFileSync(`${archiveIn('valid-ed25519')}.prov`, 'utf8');
  assert.doesNotMatch(helmProv, /^=[A-Za-z0-9+/]{4}$/m, 'Helm 4 leaves the checksum out');
  const finished = finishClearsigned(helmProv);
  assert.match(finished, /\n=[A-Za-z0-9+/]{4}\n-----END PGP SIGNATURE-----\n$/);
  assert.equal(signedText(finished), signedText(helmProv));
  await verifyWithOpenpgp(finished, path.join(signedKeys, 'ed25519.pub.gpg'));
  assert.equal(finishClearsigned(finished), finished, 'finishing twice changes nothing');
});

test('finishClearsigned turns openpgp.js CRLF output into LF and a wrong checksum into the right one', async () => {
  const crlf = fs.readFileSync(`${archiveIn('valid-rsa2048')}.prov`, 'utf8').replace(/\n/g, '\r\n');
  const finished = finishClearsigned(crlf);
  assert.ok(!finished.includes('\r'));
  await verifyWithOpenpgp(finished, path.join(signedKeys, 'rsa2048.pub.gpg'));
  const right = /^=[A-Za-z0-9+/]{4}$/m.exec(finished)?.[0] as string;
  const wrong = finished.replace(right, right === '=AAAA' ? '=BBBB' : '=AAAA');
  assert.equal(finishClearsigned(wrong), finished);
  assert.throws(() => finishClearsigned('no signature here\n'), /no armored signature/);
});

test('signArchive (rsa2048): Helm 4 layout, SHA-512, LF, checksum, same signed body as Helm, verifies', async () => {
  const archive = freshArchive('valid-rsa2048');
  // Signature times are whole seconds; a minute ago, so the key (made by the fixture script) already existed.
  const now = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
  const signed = await signArchive({ archivePath: archive, keyQuery: fpr('rsa2048'), secretKeyrings: [secring('rsa2048')], now });
  assert.ok(signed.ok, !signed.ok ? signed.error.message : '');
  const digest = await sha256File(archive);
  assert.ok(digest.ok);
  assert.deepEqual(signed.value, {
    backend: 'openpgp',
    archivePath: archive, provPath: `${archive}.prov`, fingerprint: fpr('rsa2048'), signingKey: fpr('rsa2048'),
    uid: 'dev Rsa Signer <rsa2048@dev.example>', digest: `sha256:${digest.value.hex}`, hashAlgorithm: 'SHA512',
  });
  const prov = fs.readFileSync(signed.value.provPath, 'utf8');
  assert.ok(prov.startsWith('-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\napiVersion: v2\n'));
  assert.ok(!prov.includes('\r'));
  assert.match(prov, /\n=[A-Za-z0-9+/]{4}\n-----END PGP SIGNATURE-----\n$/);
  assert.equal(signedText(prov), signedText(fs.readFileSync(`${archiveIn('valid-rsa2048')}.prov`, 'utf8')));
  const signature = await verifyWithOpenpgp(prov, path.join(signedKeys, 'rsa2048.pub.gpg'));
  assert.equal(signature.hashAlgorithm, openpgp.enums.hash.sha512);
  assert.equal(signature.created?.getTime(), now.getTime());
  const keyring = await loadKeyringFile(path.join(signedKeyrings, 'pubring.gpg'));
  assert.ok(keyring.ok);
  const outcome = await verifyArchive(archive, { keys: keyring.value.keys });
  assert.equal(outcome.code, 'verified', outcome.message);
});

test('signArchive finds a key by a unique user-id substring and by key id', async () => {
  const archive = freshArchive('valid-ed25519');
  const rings = [secring('ed25519'), secring('rsa2048')];
  const byUid = await signArchive({ archivePath: archive, keyQuery: 'Edwards', secretKeyrings: rings });
  assert.ok(byUid.ok, !byUid.ok ? byUid.error.message : '');
  assert.equal(byUid.value.fingerprint, fpr('ed25519'));
  const byKeyId = await signArchive({ archivePath: archive, keyQuery: fpr('rsa2048').slice(-16).toLowerCase(), secretKeyrings: rings });
  assert.ok(byKeyId.ok, !byKeyId.ok ? byKeyId.error.message : '');
  assert.equal(byKeyId.value.fingerprint, fpr('rsa2048'));
});

test('a key whose primary may only certify signs with its signing subkey', async () => {
  const archive = freshArchive('valid-subkey');
  const signed = await signArchive({ archivePath: archive, keyQuery: fpr('subkey'), secretKeyrings: [secring('subkey')] });
  assert.ok(signed.ok, !signed.ok ? signed.error.message : '');
  assert.equal(signed.value.fingerprint, fpr('subkey'));
  assert.notEqual(signed.value.signingKey, fpr('subkey'));
  const subkey = (await openpgp.readKey({ binaryKey: fs.readFileSync(path.join(signedKeys, 'subkey.pub.gpg')) })).subkeys[0];
  assert.equal(signed.value.signingKey, subkey.getFingerprint().toUpperCase());
  const signature = await verifyWithOpenpgp(fs.readFileSync(signed.value.provPath, 'utf8'), path.join(signedKeys, 'subkey.pub.gpg'));
  assert.equal(signature.issuerKeyID.toHex(), subkey.getKeyID().toHex());
});

test('a locked key: passphrase-required without one, passphrase-wrong with a wrong one, signs with the right one', async () => {
  const archive = freshArchive('valid-locked');
  const base = { archivePath: archive, keyQuery: fpr('locked'), secretKeyrings: [secring('locked')] };
  const without = await signArchive(base);
  assert.equal(!without.ok && without.error.code, 'passphrase-required');
  const wrongPassphrase = 'not-the-passphrase-42';
  const wrong = await signArchive({ ...base, passphrase: wrongPassphrase });
  assert.equal(!wrong.ok && wrong.error.code, 'passphrase-wrong');
  assert.ok(!wrong.ok && !wrong.error.message.includes(wrongPassphrase), 'a passphrase never appears in a message');
  assert.ok(!fs.existsSync(`${archive}.prov`), 'nothing is written when signing fails');
  const signed = await signArchive({ ...base, passphrase: lockedPassphrase });
  assert.ok(signed.ok, !signed.ok ? signed.error.message : '');
  assert.ok(!JSON.stringify(signed.value).includes(lockedPassphrase));
  await verifyWithOpenpgp(fs.readFileSync(signed.value.provPath, 'utf8'), path.join(signedKeys, 'locked.pub.gpg'));
  // The loaded key stays locked: a second signature still needs the passphrase.
  const again = await signArchive(base);
  assert.equal(!again.ok && again.error.code, 'passphrase-required');
});

/** The revoked key's secret keyring does not carry its revocation; merge it in as gpg --import would. */
async function revokedSecring(): Promise<string> {
  const secret = await openpgp.readPrivateKey({ binaryKey: fs.readFileSync(secring('revoked')) });
  const pub = await openpgp.readKey({ binaryKey: fs.readFileSync(path.join(signedKeys, 'revoked.pub.gpg')) });
  const merged = await secret.update(pub);
  const file = path.join(scratch('sign-unit-'), 'revoked.sec.gpg');
  fs.writeFileSync(file, merged.write());
  return file;
}

test('expired, revoked and weak keys are refused with key-unusable and a reason', async () => {
  const archive = freshArchive('valid-rsa2048');
  const cases: [string, string, RegExp][] = [
    ['expired', secring('expired'), /expired on 2020-01-02/],
    ['revoked', await revokedSecring(), /revoked/],
    ['rsa1024', secring('rsa1024'), /weak \(.*1024/],
    ['dsa', secring('dsa'), /weak \(.*DSA/i],
  ];
  for (const [id, ring, reason] of cases) {
    const signed = await signArchive({ archivePath: archive, keyQuery: fpr(id), secretKeyrings: [ring] });
    assert.equal(!signed.ok && signed.error.code, 'key-unusable', id);
    assert.match(!signed.ok ? signed.error.message : '', reason, id);
  }
  assert.ok(!fs.existsSync(`${archive}.prov`));
});

test('key selection errors: not found, ambiguous, public keys only, unreadable keyring, missing archive', async () => {
  const archive = freshArchive('valid-rsa2048');
  const rings = [secring('rsa2048'), secring('ed25519')];
  const codeOf = async (options: Partial<Parameters<typeof signArchive>[0]>): Promise<string | undefined> => {
    const signed = await signArchive({ archivePath: archive, keyQuery: fpr('rsa2048'), secretKeyrings: rings, ...options });
    return signed.ok ? undefined : signed.error.code;
  };
  assert.equal(await codeOf({ keyQuery: fpr('stranger') }), 'key-not-found');
  assert.equal(await codeOf({ keyQuery: 'dev.example' }), 'key-ambiguous');
  assert.equal(await codeOf({ secretKeyrings: [path.join(signedKeyrings, 'pubring.gpg')] }), 'key-not-found');
  assert.equal(await codeOf({ secretKeyrings: [path.join(scratch('sign-unit-'), 'absent.gpg')] }), 'io-error');
  const missing = await signArchive({ archivePath: path.join(path.dirname(archive), 'absent-1.0.0.tgz'), keyQuery: fpr('rsa2048'), secretKeyrings: rings });
  assert.equal(missing.ok, false);
  assert.ok(!fs.existsSync(path.join(path.dirname(archive), 'absent-1.0.0.tgz.prov')));
});

test('the default secret keyring is $GNUPGHOME/secring.gpg', async () => {
  const home = scratch('sign-gnupghome-');
  fs.copyFileSync(secring('nistp256'), path.join(home, 'secring.gpg'));
  const saved = process.env.GNUPGHOME;
  process.env.GNUPGHOME = home;
  try {
    const archive = freshArchive('valid-nistp256');
    const signed = await signArchive({ archivePath: archive, keyQuery: fpr('nistp256') });
    assert.ok(signed.ok, !signed.ok ? signed.error.message : '');
    await verifyWithOpenpgp(fs.readFileSync(signed.value.provPath, 'utf8'), path.join(signedKeys, 'nistp256.pub.gpg'));
  } finally {
    if (saved === undefined) delete process.env.GNUPGHOME;
    else process.env.GNUPGHOME = saved;
  }
});

test('listSigningKeys: usable or not with the reason, the part that would sign, passphrase protection', async () => {
  const list = await listSigningKeys(['rsa2048', 'locked', 'subkey', 'expired', 'rsa1024'].map(secring));
  assert.deepEqual(list.problems, []);
  const byId = new Map(list.keys.map((k) => [k.info.fingerprint, k]));
  assert.equal(byId.size, 5);
  const rsa = byId.get(fpr('rsa2048'));
  assert.deepEqual([rsa?.usable, rsa?.passphraseProtected, rsa?.signingPart?.fingerprint], [true, false, fpr('rsa2048')]);
  const locked = byId.get(fpr('locked'));
  assert.deepEqual([locked?.usable, locked?.passphraseProtected], [true, true]);
  const sub = byId.get(fpr('subkey'));
  assert.ok(sub?.usable && sub.signingPart && sub.signingPart.fingerprint !== fpr('subkey'));
  const expired = byId.get(fpr('expired'));
  assert.equal(expired?.usable, false);
  assert.match(expired?.reason ?? '', /expired/);
  assert.match(byId.get(fpr('rsa1024'))?.reason ?? '', /weak/);
  const unreadable = await listSigningKeys([path.join(scratch('sign-unit-'), 'absent.gpg')]);
  assert.deepEqual([unreadable.keys.length, unreadable.problems.map((p) => p.code)], [0, ['io-error']]);
});

function part(fingerprint: string, created: string, extra: Partial<KeyPart> = {}): KeyPart {
  return { fingerprint, keyId: fingerprint.slice(-16), algorithm: 'ed25519', bits: 255, created: new Date(created), revoked: false, canSign: true, ...extra };
}

function info(primary: KeyPart, signingParts: KeyPart[]): KeyInfo {
  return { ...primary, userIds: ['someone <s@example.org>'], primaryUserId: 'someone <s@example.org>', subkeys: signingParts.filter((p) => p !== primary), signingParts, secret: true };
}

test('chooseSigningPart: newest usable part, the part a query names, and why nothing can sign', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  const primary = part('A'.repeat(40), '2020-01-01', { canSign: false, algorithm: 'rsa', bits: 3072 });
  const older = part('B'.repeat(40), '2021-01-01');
  const newer = part('C'.repeat(40), '2025-01-01');
  const expiredNewest = part('D'.repeat(40), '2026-01-01', { expires: new Date('2026-02-01') });
  const key = info(primary, [older, newer, expiredNewest]);
  const chosen = chooseSigningPart(key, now);
  assert.equal(chosen.ok && chosen.value.fingerprint, newer.fingerprint);
  const named = chooseSigningPart(key, now, () => true, older.keyId.toLowerCase());
  assert.equal(named.ok && named.value.fingerprint, older.fingerprint);
  const certifyOnly = chooseSigningPart(info(primary, []), now);
  assert.match(!certifyOnly.ok ? certifyOnly.error.message : '', /only certify.*--quick-add-key/);
  const stubsOnly = chooseSigningPart(key, now, () => false);
  assert.match(!stubsOnly.ok ? stubsOnly.error.message : '', /stub/);
  const allRevoked = chooseSigningPart(info(primary, [{ ...older, revoked: true }]), now);
  assert.match(!allRevoked.ok ? allRevoked.error.message : '', /BBBB.* is revoked/);
});
