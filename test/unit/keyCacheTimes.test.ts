// The keyring description cache's time span (keyCache.ts validUntil) counts the instants of every key
// the rings hold as read, not only of the view it keeps: a copy merged at `now` drops the signatures
// not yet valid then, and an entry must not outlive the moment one of them starts to count.
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
function store(home: string): PrivateStore & { writes: number } {
  const within = <T>(run: () => T): T => {
    const before = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = home;
    try { return run(); } finally { if (before === undefined) delete process.env.XDG_CACHE_HOME; else process.env.XDG_CACHE_HOME = before; }
  };
  const s = {
    writes: 0, codeId: 'test',
    readPrivate: (name: string, max: number) => within(() => privateCache.readPrivate(name, max)),
    writePrivate: (name: string, bytes: Uint8Array) => { s.writes++; within(() => privateCache.writePrivate(name, bytes)); },
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
