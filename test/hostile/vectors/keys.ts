// Hostile keys and KEYS files: an attacker key wearing the victim's user id, unsigned and grafted user
// ids, signing subkeys without binding or back-signature, a key flooded with 100 000 signatures, a
// secret key in a KEYS file, an oversized keyring. Verification always goes through the keyrings the
// user chose; a repository's KEYS file is information, never trust.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as openpgp from 'openpgp';
import { KeyBudget } from '../../../server/src/provenance/keyLoader';
import { loadKeyringFile, findKeys } from '../../../server/src/provenance/keyring';
import { lintKeysFile } from '../../../server/src/provenance/keysFile';
import { verifyArchive } from '../../../server/src/provenance/verify';
import { signedKeys } from '../../support/tools';
import type { HostileCase, Observation } from '../harness';
import { addUnsignedUserId, bindingWithoutBackSignature, dsaSelfSignatureFlood, floodKey, generateKey, graftUserId, splitPackets } from '../support/keys';
import { armor, cleartext, fixtureFingerprint, fixtureSecretKey, signatureBytes, signPacket, type SecretPacket } from '../support/pgp';
import { ARCHIVE, helmProv, helmSignedText, observe, SIGNER, signerKeyring, writeSignedCase } from './common';

const VICTIM_UID = 'dev Rsa Signer <rsa2048@dev.example>';

/** A .prov over the Helm archive signed by `signer` (a primary key or one of its subkeys). */
async function provSignedBy(key: openpgp.PrivateKey, signer: SecretPacket = key.keyPacket as openpgp.SecretKeyPacket): Promise<string> {
  const text = helmSignedText();
  const sig = await signPacket(text, signer, key.keyPacket as openpgp.SecretKeyPacket);
  return cleartext(text, armor('SIGNATURE', signatureBytes(sig), 'none'));
}

function file(dir: string, name: string): string {
  return path.join(dir, name);
}

function read(dir: string, name: string): string {
  return fs.readFileSync(file(dir, name), 'utf8').trim();
}

/** A Helm-made archive, its .prov signed by an attacker key with the victim's user id, the attacker's fingerprint in attacker.fpr. */
async function attackerSetup(dir: string): Promise<openpgp.PrivateKey> {
  const [name, email] = VICTIM_UID.replace('>', '').split(' <');
  const { privateKey: attacker } = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name, email }], format: 'object' });
  writeSignedCase(dir, await provSignedBy(attacker));
  fs.writeFileSync(file(dir, 'attacker.fpr'), attacker.getFingerprint().toUpperCase());
  return attacker;
}

/**
 * A repository's KEYS file: the victim's real key, then the attacker's key under a listing that
 * claims the victim's fingerprint and user id.
 */
function repositoryKeys(attacker: openpgp.PrivateKey): string {
  const victim = fs.readFileSync(path.join(signedKeys, `${SIGNER}.pub.asc`), 'utf8');
  const lyingListing = `pub   rsa2048 2024-01-01 [SC]\n      ${fixtureFingerprint(SIGNER)}\nuid           [ultimate] ${VICTIM_UID}\n\n`;
  return `${victim}\n${lyingListing}${attacker.toPublic().armor()}`;
}

/** Loads one keyring (problems kept) and verifies the archive in `dir` with its keys. */
async function verifyWithRing(dir: string, keyring: string, trustedFingerprints?: string[]): Promise<Observation> {
  const ring = await loadKeyringFile(keyring);
  if (!ring.ok) return { code: ring.error.code, message: ring.error.message };
  const outcome = await verifyArchive(file(dir, ARCHIVE), { keys: ring.value.keys, ...(trustedFingerprints ? { trustedFingerprints } : {}) });
  return { ...observe(outcome), details: { keyringProblems: ring.value.problems.map((p) => p.code), keyringKeys: ring.value.keys.map((k) => k.info.fingerprint) } };
}

function expectSigner(o: Observation, fingerprint: string, uids: string[]): void {
  assert.equal(o.signer?.fingerprint, fingerprint, 'the fingerprint comes from the key that signed');
  assert.deepEqual(o.signer?.uids, uids);
}

/** A key with three signing subkeys: [0] sound, [1] bound without back-signature, [2] with no binding at all. */
async function subkeySetup(dir: string, signWith: 0 | 1 | 2): Promise<void> {
  const key = await generateKey('Subkey Owner', 'subkeys@example.org', [{ sign: true }, { sign: true }, { sign: true }]);
  const pub = key.toPublic();
  pub.subkeys[1].bindingSignatures = [await bindingWithoutBackSignature(key, key.subkeys[1])];
  pub.subkeys[2].bindingSignatures = [];
  fs.writeFileSync(file(dir, 'keyring.gpg'), pub.write());
  fs.writeFileSync(file(dir, 'primary.fpr'), key.getFingerprint().toUpperCase());
  fs.writeFileSync(file(dir, 'subkey.fpr'), key.subkeys[signWith].getFingerprint().toUpperCase());
  writeSignedCase(dir, await provSignedBy(key, key.subkeys[signWith].keyPacket as openpgp.SecretSubkeyPacket));
}

function subkeyCase(name: string, signWith: 0 | 1 | 2, check?: HostileCase['check']): HostileCase {
  return { name, setup: (dir) => subkeySetup(dir, signWith), run: (dir) => verifyWithRing(dir, file(dir, 'keyring.gpg')), check };
}

const FLOOD = 100_000;

/** lintKeysFile, as the language server runs it on every KEYS file of a workspace. */
async function lintRun(dir: string): Promise<Observation> {
  const lint = await lintKeysFile(fs.readFileSync(file(dir, 'KEYS'), 'utf8'), new Date(), file(dir, 'KEYS'));
  const first = lint.problems.find((p) => p.severity === 'error') ?? lint.problems[0];
  return { code: first?.code ?? 'ok', message: first?.message, details: { codes: [...new Set(lint.problems.map((p) => p.code))], keys: lint.keys.length } };
}

/** `count` distinct keys (an Ed25519 key packet with its creation time changed) carrying its now-invalid self-signature. */
async function forgedKeys(count: number): Promise<Buffer> {
  const key = await generateKey('Forger', 'forger@example.org');
  const [keyPacket, userId, selfSignature] = splitPackets(key.toPublic().write());
  const packets: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const copy = Buffer.from(keyPacket.bytes);
    copy.writeUInt32BE(1_500_000_000 + i, 3); // the creation time, right after the 2-byte header and the version
    packets.push(copy, userId.bytes, selfSignature.bytes);
  }
  return Buffer.concat(packets);
}

export const keyCases: HostileCase[] = [
  {
    name: 'keys-attacker-victim-uid_fail',
    setup: async (dir) => { await attackerSetup(dir); },
    run: (dir) => verifyWithRing(dir, signerKeyring),
    check(o, dir) {
      const attacker = read(dir, 'attacker.fpr');
      assert.equal(o.signer, undefined, 'no signer is named: the attacker key is not in the keyring');
      assert.ok(o.message?.includes(attacker), 'the message names the key the signature names, by fingerprint');
      assert.ok(!o.message?.includes(VICTIM_UID), 'the victim\'s user id is never claimed');
    },
  },
  {
    name: 'keys-attacker-in-repository-keys_fail',
    async setup(dir) { fs.writeFileSync(file(dir, 'KEYS'), repositoryKeys(await attackerSetup(dir))); },
    // The user's keyring setting points at the repository's KEYS, but trust is pinned to the victim's fingerprint.
    run: (dir) => verifyWithRing(dir, file(dir, 'KEYS'), [fixtureFingerprint(SIGNER)]),
    check(o, dir) {
      assert.match(o.message ?? '', /not in your trusted fingerprints/);
      assert.ok((o.details?.keyringKeys as string[]).includes(read(dir, 'attacker.fpr')));
    },
  },
  {
    name: 'keys-attacker-keys-file-chosen-as-keyring',
    async setup(dir) { fs.writeFileSync(file(dir, 'KEYS'), repositoryKeys(await attackerSetup(dir))); },
    async run(dir) {
      const seen = await verifyWithRing(dir, file(dir, 'KEYS'));
      const ring = await loadKeyringFile(file(dir, 'KEYS'));
      const byUid = ring.ok ? findKeys([ring.value], VICTIM_UID) : undefined;
      return { ...seen, details: { ...seen.details, findByVictimUid: byUid && !byUid.ok ? byUid.error.code : 'found one' } };
    },
    check(o, dir) {
      const attacker = read(dir, 'attacker.fpr');
      assert.notEqual(attacker, fixtureFingerprint(SIGNER));
      expectSigner(o, attacker, [VICTIM_UID]);
      assert.ok((o.details?.keyringProblems as string[]).includes('keys-listing-mismatch'), 'the lying listing is reported');
      assert.equal(o.details?.findByVictimUid, 'key-ambiguous', 'choosing a key by that user id is refused as ambiguous');
    },
  },
  {
    name: 'keys-unsigned-uid',
    async setup(dir) {
      fs.writeFileSync(file(dir, 'keyring.gpg'), addUnsignedUserId(fs.readFileSync(signerKeyring), 'Linus Torvalds <torvalds@linux-foundation.org>'));
      writeSignedCase(dir, await helmProv());
    },
    run: (dir) => verifyWithRing(dir, file(dir, 'keyring.gpg')),
    check: (o) => expectSigner(o, fixtureFingerprint(SIGNER), [VICTIM_UID]),
  },
  {
    name: 'keys-grafted-uid',
    async setup(dir) {
      const attacker = await generateKey('Mallory', 'mallory@example.org');
      fs.writeFileSync(file(dir, 'keyring.gpg'), graftUserId(attacker.toPublic().write(), fs.readFileSync(signerKeyring)));
      fs.writeFileSync(file(dir, 'attacker.fpr'), attacker.getFingerprint().toUpperCase());
      writeSignedCase(dir, await provSignedBy(attacker));
    },
    run: (dir) => verifyWithRing(dir, file(dir, 'keyring.gpg')),
    check: (o, dir) => expectSigner(o, read(dir, 'attacker.fpr'), ['Mallory <mallory@example.org>']),
  },
  {
    name: 'keys-grafted-uid-only_fail',
    async setup(dir) {
      const attacker = await generateKey('Mallory', 'mallory@example.org');
      // Only the attacker's key packet, then the victim's user id and self-signature.
      const [keyPacket] = splitPackets(attacker.toPublic().write());
      fs.writeFileSync(file(dir, 'keyring.gpg'), graftUserId(keyPacket.bytes, fs.readFileSync(signerKeyring)));
      writeSignedCase(dir, await provSignedBy(attacker));
    },
    run: (dir) => verifyWithRing(dir, file(dir, 'keyring.gpg')),
    check: (o) => assert.ok((o.details?.keyringProblems as string[]).includes('keys-malformed'), 'the key without a valid user id is reported and skipped'),
  },
  subkeyCase('keys-subkey-without-back-signature_fail', 1),
  subkeyCase('keys-subkey-without-binding_fail', 2),
  subkeyCase('keys-subkey-sound-sibling', 0, (o, dir) => {
    assert.equal(o.signer?.fingerprint, read(dir, 'primary.fpr'));
    assert.equal(o.signer?.signingKey, read(dir, 'subkey.fpr'));
  }),
  {
    name: 'keys-flooded-100k-signatures',
    async setup(dir) {
      fs.writeFileSync(file(dir, 'flooded.gpg'), floodKey(fs.readFileSync(signerKeyring), FLOOD));
      writeSignedCase(dir, await helmProv());
    },
    run: (dir) => verifyWithRing(dir, file(dir, 'flooded.gpg')),
    // Every packet is walked once: the key's own three, then the certifications, dropped as they are met.
    budgets: { 'key-steps': 3 + FLOOD },
    check(o, dir) {
      assert.ok(fs.statSync(file(dir, 'flooded.gpg')).size > 46_000_000, 'the flooded key is 46 MB or more');
      expectSigner(o, fixtureFingerprint(SIGNER), [VICTIM_UID]);
      assert.deepEqual(o.details?.keyringProblems, ['keys-too-large'], 'the flooding is reported');
    },
  },
  {
    name: 'keys-flooded-100k-signatures-keys-file_fail',
    async setup(dir) {
      const flooded = floodKey(fs.readFileSync(signerKeyring), FLOOD);
      fs.writeFileSync(file(dir, 'KEYS'), `pub   rsa2048 2024-01-01 [SC]\n      ${fixtureFingerprint(SIGNER)}\nuid ${VICTIM_UID}\n\n${armor('PUBLIC KEY BLOCK', flooded)}`);
      writeSignedCase(dir, await helmProv());
    },
    async run(dir) {
      const seen = await verifyWithRing(dir, file(dir, 'KEYS'));
      const problems = seen.details?.keyringProblems as string[];
      return { code: problems[0] ?? 'ok', details: { ...seen.details, verification: seen.code } };
    },
    check(o, dir) {
      assert.ok(fs.statSync(file(dir, 'KEYS')).size > 62_000_000, 'the armored flooded key is 62 MB');
      assert.equal(o.details?.verification, 'unknown-signer', 'nothing was loaded, so nothing verifies');
    },
  },
  {
    name: 'keys-secret-key-in-keys-file_fail',
    async setup(dir) {
      const secret = await fixtureSecretKey('stranger');
      fs.writeFileSync(file(dir, 'KEYS'), `${fs.readFileSync(path.join(signedKeys, `${SIGNER}.pub.asc`), 'utf8')}\n${secret.armor()}`);
    },
    async run(dir) {
      const lint = await lintKeysFile(fs.readFileSync(file(dir, 'KEYS'), 'utf8'), new Date(), file(dir, 'KEYS'));
      const ring = await loadKeyringFile(file(dir, 'KEYS'));
      const error = lint.problems.find((p) => p.severity === 'error');
      return {
        code: error?.code ?? 'ok',
        message: error?.message,
        details: { secretKept: lint.keys.some((k) => k.info.secret || k.key.isPrivate()) || (ring.ok && ring.value.keys.some((k) => k.key.isPrivate())), keys: lint.keys.length },
      };
    },
    check(o) {
      assert.equal(o.details?.secretKept, false, 'only the public part of the secret key is kept');
      assert.equal(o.details?.keys, 2, 'both keys still load');
    },
  },
  {
    name: 'keys-dsa-self-signature-flood-keys-file_fail',
    async setup(dir) {
      const block = armor('PUBLIC KEY BLOCK', dsaSelfSignatureFlood());
      fs.writeFileSync(file(dir, 'KEYS'), Array<string>(24).fill(block).join('\n'));
    },
    run: lintRun,
    // The whole point of the case: checking the flood is cut off at the KEYS file's budget.
    budgets: { 'signature-units': KeyBudget.VERIFICATION_UNITS_PER_KEYS_FILE },
    check(o, dir) {
      assert.ok(fs.statSync(file(dir, 'KEYS')).size < 6_000_000, 'about 5 MB of text');
      assert.equal(o.details?.keys, 0);
    },
  },
  {
    name: 'keys-5000-forged-keys-keys-file_fail',
    async setup(dir) { fs.writeFileSync(file(dir, 'KEYS'), armor('PUBLIC KEY BLOCK', await forgedKeys(5000))); },
    run: lintRun,
    check: (o) => assert.deepEqual(o.details?.codes, ['keys-malformed', 'keys-too-large'], 'forged keys are reported, then the budget stops the rest'),
  },
  {
    name: 'keys-keyring-over-limit_fail',
    async setup(dir) {
      // Sparse: 64 MiB + 1 byte on paper, nothing on disk.
      const fd = fs.openSync(file(dir, 'huge.gpg'), 'w');
      fs.ftruncateSync(fd, 64 * 1024 * 1024 + 1);
      fs.closeSync(fd);
    },
    async run(dir) {
      const ring = await loadKeyringFile(file(dir, 'huge.gpg'));
      return ring.ok ? { code: 'ok' } : { code: ring.error.code, message: ring.error.message };
    },
  },
];
