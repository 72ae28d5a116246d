// The language server reuses a `.prov` verdict only while it is exactly the verdict a full check would
// give now, in counted work (work.ts), never time: the same archive and text again read nothing; an
// archive rewritten in place with the same size and its mtime put back is read and judged again; the
// same bytes under a new stamp are read and hashed, nothing more; a key expiring between two checks
// (inside one hour) is judged again.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as openpgp from 'openpgp';
import { ArchiveFactsCache } from '../../server/src/lsp/caches';
import { KeyStore, type KeySet } from '../../server/src/lsp/keyStore';
import { ProvChecker } from '../../server/src/lsp/provCheck';
import { verdictValidUntil } from '../../server/src/lsp/verdictTimes';
import { loadKeyringFile } from '../../server/src/provenance/keyring';
import { ownPackets } from '../../server/src/provenance/packetFacts';
import { parseProvenance } from '../../server/src/provenance/provDocument';
import { provenanceBodyFor, writeProvenance } from '../../server/src/provenance/sign';
import { checkSignature } from '../../server/src/provenance/signatureCheck';
import { resetWork, workDone } from '../../server/src/provenance/work';
import { scratch, signedCases, signedKeyrings, signedKeys, signedManifest } from '../support/tools';

function contextAt(keys: KeySet, facts: ArchiveFactsCache, now: Date) {
  return { keys, trustedFingerprints: [], facts, keysListing: () => [], now };
}

async function counted<T>(fn: () => Promise<T>): Promise<{ value: T; read: number; inflated: number; signatures: number }> {
  resetWork();
  const value = await fn();
  const work = workDone();
  return { value, read: work['bytes-read'] ?? 0, inflated: work['bytes-inflated'] ?? 0, signatures: work['signature-units'] ?? 0 };
}

/** The valid-rsa2048 case copied into a scratch folder, its archive's mtime set to a whole second (so it can be put back exactly). */
function copiedCase(): { archive: string; prov: string; text: string; mtime: Date } {
  const dir = scratch('verdict-reuse-');
  for (const f of fs.readdirSync(path.join(signedCases, 'valid-rsa2048'))) fs.copyFileSync(path.join(signedCases, 'valid-rsa2048', f), path.join(dir, f));
  const archive = path.join(dir, 'devapp-1.2.3.tgz');
  const mtime = new Date('2026-01-02T03:04:05Z');
  fs.utimesSync(archive, mtime, mtime);
  return { archive, prov: `${archive}.prov`, text: fs.readFileSync(`${archive}.prov`, 'utf8'), mtime };
}

describe('ProvChecker verdict reuse', () => {
  test('the same archive and text again: the verdict is reused, nothing is read, inflated or verified', async () => {
    const { prov, text } = copiedCase();
    const keys = await new KeyStore().load([path.join(signedKeys, 'rsa2048.pub.gpg')], true, new Date());
    const facts = new ArchiveFactsCache();
    const checker = new ProvChecker();
    const first = await counted(() => checker.check(prov, text, contextAt(keys, facts, new Date())));
    assert.equal(first.value?.outcome.code, 'verified', first.value?.outcome.message);
    assert.ok(first.read > 0 && first.inflated > 0 && first.signatures > 0, 'the first check reads, inflates and verifies');
    const again = await counted(() => checker.check(prov, text, contextAt(keys, facts, new Date())));
    assert.equal(again.value?.outcome.code, 'verified');
    assert.deepEqual([again.read, again.inflated, again.signatures], [0, 0, 0], 'a second open reads nothing');
  });

  test('an archive rewritten in place (same size, same inode, mtime put back) is read and judged again', async () => {
    const { archive, prov, text, mtime } = copiedCase();
    const keys = await new KeyStore().load([path.join(signedKeys, 'rsa2048.pub.gpg')], true, new Date());
    const facts = new ArchiveFactsCache();
    const checker = new ProvChecker();
    assert.equal((await checker.check(prov, text, contextAt(keys, facts, new Date())))?.outcome.code, 'verified');
    const before = fs.statSync(archive);
    const bytes = fs.readFileSync(archive);
    bytes[bytes.length >> 1] ^= 0xff;
    fs.writeFileSync(archive, bytes); // truncates and rewrites the same inode
    fs.utimesSync(archive, mtime, mtime);
    const after = fs.statSync(archive);
    assert.deepEqual([after.ino, after.size, after.mtimeMs], [before.ino, before.size, before.mtimeMs], 'only the ctime tells the write');
    const rechecked = await counted(() => checker.check(prov, text, contextAt(keys, facts, new Date())));
    assert.ok(rechecked.read > 0, 'the archive is read again');
    assert.equal(rechecked.value?.outcome.code, 'hash-mismatch', rechecked.value?.outcome.message);
  });

  test('the same bytes under a new stamp (touched, or written again): read and hashed, not inflated nor verified again', async () => {
    const { archive, prov, text } = copiedCase();
    const keys = await new KeyStore().load([path.join(signedKeys, 'rsa2048.pub.gpg')], true, new Date());
    const facts = new ArchiveFactsCache();
    const checker = new ProvChecker();
    assert.equal((await checker.check(prov, text, contextAt(keys, facts, new Date())))?.outcome.code, 'verified');
    const size = fs.statSync(archive).size;
    fs.utimesSync(archive, new Date('2026-02-03T04:05:06Z'), new Date('2026-02-03T04:05:06Z'));
    const touched = await counted(() => checker.check(prov, text, contextAt(keys, facts, new Date())));
    assert.equal(touched.value?.outcome.code, 'verified', touched.value?.outcome.message);
    assert.deepEqual([touched.read, touched.inflated, touched.signatures], [size, 0, 0], 'read once for its digest, nothing else');
    fs.writeFileSync(archive, fs.readFileSync(archive)); // the same bytes, written in place (a checkout, a download)
    facts.invalidate(archive); // as the file watcher's event does
    const rewritten = await counted(() => checker.check(prov, text, contextAt(keys, facts, new Date())));
    assert.equal(rewritten.value?.outcome.code, 'verified');
    assert.deepEqual([rewritten.read, rewritten.inflated, rewritten.signatures], [size, 0, 0]);
    const otherText = await counted(() => checker.check(prov, `${text}\n`, contextAt(keys, facts, new Date())));
    assert.ok(otherText.signatures > 0 && otherText.inflated === 0, 'another .prov text is judged again, on the same facts');
  });

  test('bytes judged before the last ones are checked in full again: only the last verdict of a file is kept', async () => {
    const { archive, prov, text } = copiedCase();
    const keys = await new KeyStore().load([path.join(signedKeys, 'rsa2048.pub.gpg')], true, new Date());
    const facts = new ArchiveFactsCache();
    const checker = new ProvChecker();
    const original = fs.readFileSync(archive);
    const changed = Buffer.from(original);
    changed[changed.length >> 1] ^= 0xff;
    const checks = [];
    for (const bytes of [original, changed, original]) {
      fs.writeFileSync(archive, bytes);
      checks.push(await counted(() => checker.check(prov, text, contextAt(keys, facts, new Date()))));
    }
    assert.deepEqual(checks.map((c) => c.value?.outcome.code), ['verified', 'hash-mismatch', 'verified']);
    assert.ok(checks.every((c) => c.signatures > 0), 'each verified again');
    assert.deepEqual(checks.map((c) => c.inflated), [checks[0].inflated, checks[1].inflated, checks[0].inflated], 'the original inflated again in full');
    assert.ok(checks[0].inflated > 0);
  });

  test('a key that expires between two checks of the same hour: the second is judged at its own time', async () => {
    const dir = scratch('verdict-expiry-');
    const created = new Date('2020-01-01T00:00:00Z');
    const { privateKey, publicKey } = await openpgp.generateKey({ userIDs: [{ name: 'Half Hour', email: 'half@hour.example' }], type: 'ecc', curve: 'ed25519Legacy', date: created, keyExpirationTime: 1800, format: 'object' });
    const keyring = path.join(dir, 'pubring.asc');
    fs.writeFileSync(keyring, publicKey.armor());
    const archive = path.join(dir, 'devapp-1.2.3.tgz');
    fs.copyFileSync(path.join(signedCases, 'valid-rsa2048', 'devapp-1.2.3.tgz'), archive);
    const body = await provenanceBodyFor(archive);
    assert.ok(body.ok);
    const signed = await openpgp.sign({ message: await openpgp.createCleartextMessage({ text: body.value.body }), signingKeys: privateKey, date: new Date('2020-01-01T00:05:00Z') });
    const written = await writeProvenance(archive, signed);
    assert.ok(written.ok);
    const text = fs.readFileSync(written.value.provPath, 'utf8');
    const keys = await new KeyStore().load([keyring], true, new Date());
    const facts = new ArchiveFactsCache();
    const checker = new ProvChecker();
    const before = await checker.check(written.value.provPath, text, contextAt(keys, facts, new Date('2020-01-01T00:20:00Z')));
    assert.equal(before?.outcome.code, 'verified', before?.outcome.message);
    const expired = await counted(() => checker.check(written.value.provPath, text, contextAt(keys, facts, new Date('2020-01-01T00:40:00Z'))));
    assert.equal(expired.value?.outcome.code, 'key-expired', expired.value?.outcome.message);
    assert.ok(expired.signatures > 0, 'judged again, not reused');
    const stillExpired = await counted(() => checker.check(written.value.provPath, text, contextAt(keys, facts, new Date('2020-01-01T00:50:00Z'))));
    assert.equal(stillExpired.value?.outcome.code, 'key-expired');
    assert.equal(stillExpired.signatures, 0, 'nothing changes validity after the expiry: reused');
  });
});

describe('the times a verdict holds for', () => {
  // The check hands its packets' creation and expiry times on (Outcome.signatureTimes) so that the
  // server does not read the signature a second time; they must give what that second reading gave.
  test('the times the check read give the same `until` as reading the packets again, for every case of the signed corpus', async () => {
    const ring = await loadKeyringFile(path.join(signedKeyrings, 'pubring.gpg'));
    assert.ok(ring.ok);
    let compared = 0;
    for (const c of signedManifest()) {
      const dir = path.join(signedCases, c.case);
      const provName = fs.readdirSync(dir).find((f) => f.endsWith('.prov'));
      if (!provName) continue;
      const doc = parseProvenance(fs.readFileSync(path.join(dir, provName), 'utf8'));
      if (doc.problems.some((p) => p.severity === 'error')) continue;
      for (const own of [true, false]) {
        ownPackets.enabled = own;
        try {
          const times: number[] | undefined = (await checkSignature(doc, ring.value.keys, new Date())).times;
          // A block the check cannot read leaves the times to verdictTimes.ts, as before.
          if (!times) continue;
          for (const judgedAt of [0, ...times.map((t: number) => t - 1), ...times, Date.now()]) {
            assert.equal(await verdictValidUntil(doc, ring.value.keys, judgedAt, times), await verdictValidUntil(doc, ring.value.keys, judgedAt), `${c.case} at ${judgedAt}`);
          }
          compared++;
        } finally {
          ownPackets.enabled = true;
        }
      }
    }
    assert.ok(compared >= 40, `${compared} checks compared`);
  });
});
