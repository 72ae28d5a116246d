// An identity regexp that backtracks catastrophically (README-style case). The policy is the user's,
// but the value it runs on is the signer's certificate SAN (up to MAX_IDENTITY_CHARS). The refusal of
// nested repetition (`(a+)+`) missed ambiguous alternation: `(a|a)*b` has no nested quantifier and took
// 87 s on a 28-character SAN with JavaScript's backtracking engine; 4 096 characters would never end.
// Identity regexps now run on V8's linear-time engine (as cosign runs RE2): this test asserts which
// engine the matcher uses and the verdict on a 4 096-character crafted SAN (a hang would end only when
// the test runner kills it). Backreferences and lookaround are refused, as RE2 refuses them.
// Expected: `identity-mismatch`; a usage error (a string) for `(a)\1`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkIdentity, exactMatcher, regexpMatcher, type Matcher } from '../../server/src/sigstore/policy';
import { MAX_IDENTITY_CHARS } from '../../server/src/sigstore/limits';

const ISSUER = 'https://token.actions.githubusercontent.com';

function matcher(source: string): Matcher {
  const m = regexpMatcher(source);
  assert.notEqual(typeof m, 'string', String(m));
  return m as Matcher;
}

for (const source of ['(a|a)*b', '(a|aa)*c', '(?:x|x)*@example\\.com', '.*.*.*.*.*.*.*y']) {
  test(`the identity regexp ${source} runs in linear time on a ${MAX_IDENTITY_CHARS}-character crafted SAN: identity-mismatch`, () => {
    const m = matcher(source);
    assert.ok(m.kind === 'regexp' && m.pattern.flags.includes('l'), 'runs on the linear-time engine');
    const crafted = `${source.startsWith('(?:x') ? 'x' : 'a'}`.repeat(MAX_IDENTITY_CHARS);
    const r = checkIdentity({ identity: m, issuer: exactMatcher(ISSUER) }, crafted, ISSUER);
    assert.equal(!r.ok && r.error.code, 'identity-mismatch');
  });
}

test('whole-value matching holds on the linear engine', () => {
  const m = matcher('.*@example\\.com');
  assert.equal(checkIdentity({ identity: m, issuer: exactMatcher(ISSUER) }, 'evil@example.com.attacker.net', ISSUER).ok, false);
  assert.equal(checkIdentity({ identity: m, issuer: exactMatcher(ISSUER) }, 'dev@example.com', ISSUER).ok, true);
});

test('backreferences and lookaround are refused (no linear-time engine runs them); long counted repetitions still work', () => {
  for (const source of ['(a)\\1', '(?=a)a', '(?<!b)a', '(?<n>a)\\k<n>']) assert.equal(typeof regexpMatcher(source), 'string', source);
  const counted = matcher('[a-z]{1,64}@example\\.com');
  assert.equal(checkIdentity({ identity: counted, issuer: exactMatcher(ISSUER) }, 'dev@example.com', ISSUER).ok, true);
});
