import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadKeyringFile } from '../../server/src/provenance/keyring';
import type { LoadedKey } from '../../server/src/provenance/keyTypes';
import { verifyArchive } from '../../server/src/provenance/verify';
import { fixtures, signedCases, signedKeyrings, signedKeys, signedManifest, tempDir } from '../support/tools';

async function keysFrom(...files: string[]): Promise<LoadedKey[]> {
  const keys: LoadedKey[] = [];
  for (const f of files) {
    const ring = await loadKeyringFile(f);
    assert.ok(ring.ok, `${f}: ${!ring.ok && ring.error.message}`);
    keys.push(...ring.value.keys);
  }
  return keys;
}

function archiveOf(caseName: string): string {
  const dir = path.join(signedCases, caseName);
  const tgz = fs.readdirSync(dir).find((f) => f.endsWith('.tgz'));
  assert.ok(tgz, `no archive in ${dir}`);
  return path.join(dir, tgz);
}

test('signed corpus: every case folder is in manifest.jsonl, and every manifest line has its folder', () => {
  const folders = fs.readdirSync(signedCases, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  assert.deepEqual(signedManifest().map((c) => c.case).sort(), folders);
});

for (const ring of ['pubring.gpg', 'pubring.asc', 'pubring.kbx', 'KEYS']) {
  test(`signed corpus: every case gives its code with ${ring}`, async () => {
    const keys = await keysFrom(path.join(signedKeyrings, ring));
    for (const c of signedManifest()) {
      const outcome = await verifyArchive(archiveOf(c.case), { keys });
      const code = c.code === 'unsigned-content' ? 'verified' : c.code;
      assert.equal(outcome.code, code, `${c.case}: ${outcome.message}`);
      assert.equal(outcome.verdict, c.verdict, c.case);
      if (c.code === 'unsigned-content') {
        assert.deepEqual(outcome.warnings.map((w) => w.code), ['unsigned-content'], c.case);
      }
      if (c.case === 'two-signers') {
        assert.deepEqual(outcome.warnings.map((w) => w.code), ['unknown-signature']);
      }
    }
  });
}

test('a verified outcome names the signer, the signing subkey and both digests', async () => {
  const keys = await keysFrom(path.join(signedKeyrings, 'pubring.gpg'));
  const outcome = await verifyArchive(archiveOf('valid-subkey'), { keys });
  assert.equal(outcome.code, 'verified');
  const fpr = fs.readFileSync(path.join(signedKeys, 'subkey.fpr'), 'utf8').trim();
  assert.equal(outcome.signer?.fingerprint, fpr);
  assert.notEqual(outcome.signer?.signingKey, fpr, 'the signing subkey, not the primary');
  assert.equal(outcome.signer?.uid, 'dev Sub Signer <sub@dev.example>');
  assert.equal(outcome.digest?.expected, outcome.digest?.actual);
  assert.match(outcome.message, /Chart hash verified/);
});

test('hash-mismatch carries both digests and the digest token range', async () => {
  const keys = await keysFrom(path.join(signedKeyrings, 'pubring.gpg'));
  const outcome = await verifyArchive(archiveOf('tgz-byte-flipped'), { keys });
  assert.equal(outcome.code, 'hash-mismatch');
  assert.equal(outcome.digest?.expected, '9bf7d7059795e1d403b6dcefb5e773c4d222be91aee5e0d7ab175f5bc2ec4da8');
  assert.equal(outcome.digest?.actual, '03a28613b9162656e809b476df584c0a8f4c229f82ccf75890ef4f88e2ac5c95');
  const range = outcome.problem?.range;
  assert.ok(range);
  const line = fs.readFileSync(archiveOf('tgz-byte-flipped') + '.prov', 'utf8').split('\n')[range.start.line];
  assert.equal(line.slice(range.start.character, range.end.character), 'sha256:9bf7d7059795e1d403b6dcefb5e773c4d222be91aee5e0d7ab175f5bc2ec4da8');
});

test('expired key: the message says when it was signed and when the key expired', async () => {
  const keys = await keysFrom(path.join(signedKeyrings, 'pubring.gpg'));
  const outcome = await verifyArchive(archiveOf('key-expired'), { keys });
  assert.equal(outcome.code, 'key-expired');
  assert.match(outcome.message, /Signed by .* on \d{4}-\d\d-\d\d.*expired on \d{4}-\d\d-\d\d/);
});

test('trusted fingerprints: a key in the keyring but not trusted is an unknown signer', async () => {
  const keys = await keysFrom(path.join(signedKeyrings, 'pubring.gpg'));
  const ed = fs.readFileSync(path.join(signedKeys, 'ed25519.fpr'), 'utf8').trim();
  const rsa = fs.readFileSync(path.join(signedKeys, 'rsa2048.fpr'), 'utf8').trim();
  const denied = await verifyArchive(archiveOf('valid-rsa2048'), { keys, trustedFingerprints: [ed] });
  assert.equal(denied.code, 'unknown-signer');
  assert.match(denied.message, /not in your trusted fingerprints/);
  const allowed = await verifyArchive(archiveOf('valid-rsa2048'), { keys, trustedFingerprints: [rsa.toLowerCase()] });
  assert.equal(allowed.code, 'verified');
});

test('unsaved editor text is what gets verified', async () => {
  const keys = await keysFrom(path.join(signedKeyrings, 'pubring.gpg'));
  const archive = archiveOf('valid-rsa2048');
  const text = fs.readFileSync(archive + '.prov', 'utf8');
  const edited = text.replace('sha256:9bf7', 'sha256:0bf7');
  assert.equal((await verifyArchive(archive, { keys, provText: edited })).code, 'signature-invalid');
  assert.equal((await verifyArchive(archive, { keys, provText: text })).code, 'verified');
});

test("Helm's own test data verifies with Helm's test key", async () => {
  const keys = await keysFrom(path.join(fixtures, 'helm-testdata', 'helm-test-key.pub'));
  const outcome = await verifyArchive(path.join(fixtures, 'helm-testdata', 'hashtest-1.2.3.tgz'), { keys });
  assert.equal(outcome.code, 'verified', outcome.message);
  assert.equal(outcome.signer?.fingerprint, '5E615389B53CA37F0EE60BD3843BBF981FC18762');
  const signtest = await verifyArchive(path.join(fixtures, 'helm-testdata', 'cmd-signtest', 'signtest-0.1.0.tgz'), { keys });
  assert.equal(signtest.code, 'verified', signtest.message);
});

test('a missing archive and a missing .prov are reported, not thrown', async () => {
  const dir = tempDir();
  const keys = await keysFrom(path.join(signedKeyrings, 'pubring.gpg'));
  fs.copyFileSync(archiveOf('valid-rsa2048') + '.prov', path.join(dir, 'devapp-1.2.3.tgz.prov'));
  assert.equal((await verifyArchive(path.join(dir, 'devapp-1.2.3.tgz'), { keys })).code, 'missing-archive');
  assert.equal((await verifyArchive(path.join(dir, 'other-1.0.0.tgz'), { keys })).code, 'missing-prov');
  fs.rmSync(dir, { recursive: true });
});
