// The keyring description cache over time. An entry's span (keyCache.ts validUntil) counts the instants
// of every key the rings hold as read, not only of the view it keeps: a copy merged at `now` drops the
// signatures not yet valid then, and an entry must not outlive the moment one of them starts to count.
// Old entries are removed when one is written (bin/privateCache.js removeOld).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as openpgp from 'openpgp';
import { keyringView, type PrivateStore } from '../../server/src/provenance/keyCache';
import { repoRoot, tempDir } from '../support/tools';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const privateCache = require(path.join(repoRoot, 'bin', 'privateCache.js')) as Omit<PrivateStore, 'codeId'>;

const work = tempDir('key-cache-times-');
after(() => fs.rmSync(work, { recursive: true, force: true }));

/** The launcher's store in `home`, counting what it wrote. */
function store(home: string): Required<PrivateStore> & { writes: number; dir: string } {
  const within = <T>(run: () => T): T => {
    const before = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = home;
    try { return run(); } finally { if (before === undefined) delete process.env.XDG_CACHE_HOME; else process.env.XDG_CACHE_HOME = before; }
  };
  const s = {
    writes: 0, codeId: 'test', dir: path.join(home, 'helm-provenance'),
    readPrivate: (name: string, max: number) => within(() => privateCache.readPrivate(name, max)),
    writePrivate: (name: string, bytes: Uint8Array) => { s.writes++; within(() => privateCache.writePrivate(name, bytes)); },
    removeOld: (prefix: string, policy: Parameters<Required<PrivateStore>['removeOld']>[1]) => within(() => privateCache.removeOld!(prefix, policy)),
  };
  return s;
}

const now = new Date('2026-12-07T22:00:00Z');
const hour = 3_600_000;
const userIDs = [{ name: 'Clock Ahead', email: 'ahead@example.org' }];

test('a copy whose self-signature is dated after now ends the entry at that date: the key then expires as a fresh view says', async () => {
  // The same key twice: as made a day ago (never expires), and re-signed by a machine whose clock runs
  // an hour ahead with a key expiry one hour after the key's creation.
  const { privateKey } = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs, date: new Date(now.getTime() - 24 * hour), format: 'object' });
  const resigned = new Date(now.getTime() + hour);
  const { publicKey: ahead } = await openpgp.reformatKey({ privateKey, userIDs, date: resigned, keyExpirationTime: 3600, format: 'object' });
  const rings = [
    { file: path.join(work, 'old.gpg'), bytes: privateKey.toPublic().write() },
    { file: path.join(work, 'ahead.gpg'), bytes: ahead.write() },
  ];
  const s = store(path.join(work, 'merged'));
  const before = await keyringView(rings, now, s);
  assert.equal(s.writes, 1);
  assert.equal(before.keys[0].info.expires, undefined, 'at now the copy ahead is not merged yet');
  const later = new Date(resigned.getTime() + 1000);
  const cached = await keyringView(rings, later, s);
  assert.equal(s.writes, 2, 'the entry ends at the copy\'s self-signature and is computed again');
  const fresh = await keyringView(rings, later);
  assert.ok(fresh.keys[0].info.expires, 'a fresh view merges the copy and sees its expiry');
  assert.deepEqual(cached.keys.map((k) => k.info), fresh.keys.map((k) => k.info));
});

/** Revokes the key's user id from `from` for `hours` (a soft revocation with an expiry): the loader skips the key meanwhile. */
async function revokeUserIdFor(key: openpgp.PrivateKey, from: Date, hours: number): Promise<void> {
  const user = key.users[0];
  const signature = new openpgp.SignaturePacket();
  Object.assign(signature, {
    signatureType: openpgp.enums.signature.certRevocation,
    publicKeyAlgorithm: key.keyPacket.algorithm,
    hashAlgorithm: openpgp.enums.hash.sha256,
    issuerKeyVersion: key.keyPacket.version,
    issuerKeyID: key.keyPacket.getKeyID(),
    issuerFingerprint: key.keyPacket.getFingerprintBytes(),
    reasonForRevocationFlag: openpgp.enums.reasonForRevocation.userIDInvalid,
    reasonForRevocationString: '',
    signatureExpirationTime: hours * 3600,
    signatureNeverExpires: false,
  });
  // openpgp.js's typings omit sign's config, which it needs when called directly
  await (signature.sign as (...args: unknown[]) => Promise<void>).call(signature, key.keyPacket, { userID: user.userID, key: key.keyPacket }, from, false, openpgp.config);
  user.revocationSignatures.push(signature);
}

test('a key skipped at now for a reason that ends later ends the entry then: the key is in the view after it', async () => {
  const { privateKey } = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs, date: new Date(now.getTime() - 24 * hour), format: 'object' });
  await revokeUserIdFor(privateKey, new Date(now.getTime() - hour), 2);
  const rings = [{ file: path.join(work, 'skipped.gpg'), bytes: privateKey.toPublic().write() }];
  const s = store(path.join(work, 'skipped'));
  const before = await keyringView(rings, now, s);
  assert.equal(s.writes, 1);
  assert.equal(before.keys.length, 0, 'skipped: its only user id is revoked at now');
  assert.match(before.problems[0][0].message, /no user id with a valid self-signature; skipped/);
  const later = await keyringView(rings, new Date(now.getTime() + hour + 1000), s);
  assert.equal(s.writes, 2, 'the entry ends when the revocation expires and is computed again');
  assert.deepEqual(later.keys.map((k) => k.info.fingerprint), [privateKey.getFingerprint().toUpperCase()]);
  assert.deepEqual(later.problems, [[]]);
});

test('writing an entry removes keyring entries written over 30 days ago and all but the newest 32; other files stay', async () => {
  const s = store(path.join(work, 'tidy'));
  fs.mkdirSync(s.dir, { recursive: true, mode: 0o700 });
  const day = 24 * hour;
  const put = (name: string, age: number) => {
    const file = path.join(s.dir, name);
    fs.writeFileSync(file, 'x', { mode: 0o600 });
    const at = (Date.now() - age) / 1000;
    fs.utimesSync(file, at, at);
  };
  put('keyring-old.json', 31 * day);
  put('keyring-old.json.123.abcdef.tmp', 40 * day); // left by a write that was killed
  put('verify-0123.cache', 400 * day); // another cache's file: not ours to remove
  const outside = path.join(work, 'outside.json');
  fs.writeFileSync(outside, 'not in the cache folder');
  if (process.platform !== 'win32') fs.symlinkSync(outside, path.join(s.dir, 'keyring-link.json'));
  for (let i = 0; i < 10; i++) put(`keyring-recent${i}.json`, 29 * day + i);
  const { privateKey } = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs, date: new Date(now.getTime() - day), format: 'object' });
  const ring = { file: path.join(work, 'tidy.gpg'), bytes: privateKey.toPublic().write() };
  const keyrings = () => fs.readdirSync(s.dir).filter((n) => n.startsWith('keyring-')).sort();
  await keyringView([ring], new Date(), s);
  assert.equal(s.writes, 1);
  const written = keyrings().filter((n) => !n.startsWith('keyring-recent'));
  assert.deepEqual(written.filter((n) => n !== 'keyring-link.json').length, 1, 'the old entry and the old temporary file are gone, the new entry is there');
  assert.ok(fs.existsSync(outside), 'a symlink is neither followed nor its target removed');
  fs.rmSync(path.join(s.dir, 'keyring-link.json'), { force: true });
  assert.equal(keyrings().length, 11);
  assert.ok(fs.existsSync(path.join(s.dir, 'verify-0123.cache')));

  for (let i = 10; i < 40; i++) put(`keyring-recent${i}.json`, i * 1000);
  const entry = written.find((n) => n !== 'keyring-link.json')!;
  fs.rmSync(path.join(s.dir, entry));
  await keyringView([ring], new Date(), s);
  assert.equal(s.writes, 2);
  const kept = keyrings();
  assert.equal(kept.length, 32, 'the newest 32, the new entry among them');
  assert.ok(kept.includes(entry));
  assert.ok(!kept.includes('keyring-recent9.json') && kept.includes('keyring-recent39.json'), 'the oldest went first');
});
