// Fingerprints are written one way for people, in the server's lenses and hovers and in the client's
// badges and pickers: from any spelling (lowercase, gpg's groups of four) to uppercase hex.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupedFingerprint, keyIdOf, notificationText, shortDigest, shortFingerprint } from '../../server/src/lsp/keyText';

const FINGERPRINT = '95E98777AE4EA9D88D9EA5553B255F9CBB150E24';
const AS_TYPED = '95e9 8777 ae4e a9d8 8d9e  a555 3b25 5f9c bb15 0e24';

test('shortFingerprint: the first and last four hex digits, whatever the spelling', () => {
  assert.equal(shortFingerprint(FINGERPRINT), '95E9…0E24');
  assert.equal(shortFingerprint(AS_TYPED), '95E9…0E24');
  assert.equal(shortFingerprint('bb150e24'), 'BB150E24');
});

test('groupedFingerprint: groups of four, the way gpg prints it, whatever the spelling', () => {
  const grouped = '95E9 8777 AE4E A9D8 8D9E A555 3B25 5F9C BB15 0E24';
  assert.equal(groupedFingerprint(FINGERPRINT), grouped);
  assert.equal(groupedFingerprint(AS_TYPED), grouped);
});

test('keyIdOf and shortDigest: the last 16 hex of a fingerprint, the first 12 of a digest', () => {
  assert.equal(keyIdOf(AS_TYPED), '3B255F9CBB150E24');
  assert.equal(shortDigest('9f2c61d0e4b7a1b2c3d4e5f60718293a4b5c6d7e8f9012345678901234567890'), '9f2c61d0e4b7…');
});

test('notificationText: digests and fingerprints shortened, a fingerprint named once', () => {
  const signed = 'a'.repeat(64);
  const actual = `sha256:${'b'.repeat(64)}`;
  const message = `The archive changed after signing: the signed sha256 is ${signed}, the archive's is ${actual}. Key ${FINGERPRINT} (${FINGERPRINT}) signed it.`;
  const shown = notificationText(message);
  assert.equal(shown, `The archive changed after signing: the signed sha256 is aaaaaaaaaaaa…, the archive's is bbbbbbbbbbbb…. Key 3B255F9CBB150E24 signed it.`);
  assert.doesNotMatch(shown, /[0-9a-fA-F]{17,}/, 'no long hex left');
});
