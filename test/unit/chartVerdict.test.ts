// The one decision of a chart's verdict from its signatures (sigstore/chartVerdict.ts), which
// `helm-prov verify` and the editor's chart status share: at least one signature, and every one present
// verifies; OpenPGP's failure decides before a cosign one; identity-required is no verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chartVerdict, signedWithText } from '../../server/src/sigstore/chartVerdict';

const ok = { verdict: 'verified' as const, code: 'verified' };
const no = (code: string) => ({ verdict: 'rejected' as const, code });
const NO_PROV = no('missing-prov');

test('no signature at all is unsigned: not verified, nothing failed', () => {
  for (const openpgp of [undefined, NO_PROV]) assert.deepEqual(chartVerdict(openpgp, []), { verified: false, signedWith: [] });
});

test('one kind alone decides; both verified are both named', () => {
  assert.deepEqual(chartVerdict(ok, []), { verified: true, signedWith: ['OpenPGP'] });
  assert.deepEqual(chartVerdict(NO_PROV, [ok]), { verified: true, signedWith: ['Sigstore'] });
  assert.deepEqual(chartVerdict(undefined, [ok, ok]), { verified: true, signedWith: ['Sigstore'] });
  const both = chartVerdict(ok, [ok]);
  assert.deepEqual(both, { verified: true, signedWith: ['OpenPGP', 'Sigstore'] });
  assert.equal(signedWithText(both), 'OpenPGP + Sigstore');
});

test('any signature that fails fails the chart: OpenPGP first, then the first cosign one that fails', () => {
  assert.deepEqual(chartVerdict(no('hash-mismatch'), [ok]), { verified: false, signedWith: ['OpenPGP', 'Sigstore'], failed: { kind: 'OpenPGP', code: 'hash-mismatch' } });
  assert.deepEqual(chartVerdict(no('hash-mismatch'), [no('digest-mismatch')]).failed, { kind: 'OpenPGP', code: 'hash-mismatch' });
  assert.deepEqual(chartVerdict(ok, [ok, no('no-trusted-time'), no('digest-mismatch')]).failed, { kind: 'Sigstore', code: 'no-trusted-time', index: 1 });
  assert.deepEqual(chartVerdict(no('unknown-signer'), []).failed, { kind: 'OpenPGP', code: 'unknown-signer' });
});

test('identity-required (no trusted signer: nothing checked) is never verified, with or without a .prov', () => {
  for (const openpgp of [undefined, NO_PROV, ok]) {
    const v = chartVerdict(openpgp, [no('identity-required')]);
    assert.equal(v.verified, false);
    assert.deepEqual(v.failed, { kind: 'Sigstore', code: 'identity-required', index: 0 });
  }
});
