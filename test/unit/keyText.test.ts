// Fingerprints are written one way for people, in the server's lenses and hovers and in the client's
// badges and pickers: from any spelling (lowercase, gpg's groups of four) to uppercase hex.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupedFingerprint, shortFingerprint } from '../../server/src/lsp/keyText';

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
