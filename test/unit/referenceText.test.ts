// Verify Chart Reference…'s notification tells its verdict in words, as Verify Chart, Verify File and
// Verify Sigstore Signature do (no ✓/✗): the reference, verified or not verified with the code and the
// server's message, each signature's outcome with its code, the manifest digest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceSummary } from '../../client/src/referenceText';

const reference = 'oci://registry.example/charts/devapp:1.2.3';
const manifestDigest = `sha256:${'ab'.repeat(32)}`;

test('verified: the reference, "verified", who signed each kind, the manifest digest; no symbol', () => {
  const text = referenceSummary({
    reference, verdict: 'verified', code: 'verified', message: 'Verified.', manifestDigest,
    openpgp: { verdict: 'verified', code: 'verified', message: 'ok', signer: 'dev <dev@example.test> · 58E1 9B6A' },
    cosign: { verdict: 'rejected', code: 'identity-required', message: 'Not checked: no cosign signer is configured.' },
  });
  assert.equal(text, `${reference} verified — OpenPGP: verified, signed by dev <dev@example.test> · 58E1 9B6A · cosign: not checked (identity-required) · manifest ${manifestDigest}`);
});

test('not verified: the code and the server\'s message in words; each part with its code; no symbol', () => {
  const text = referenceSummary({
    reference, verdict: 'rejected', code: 'unknown-signer', message: 'The signing key is not in your keyrings.',
    openpgp: { verdict: 'rejected', code: 'unknown-signer', message: 'The signing key is not in your keyrings.' },
  });
  assert.equal(text, `${reference} not verified (unknown-signer): The signing key is not in your keyrings. — OpenPGP: not verified (unknown-signer)`);
  assert.doesNotMatch(text, /[✓✗]/);
});
