// The language server's cache of Sigstore verdicts: a key changes with every input a verdict depends
// on, and the cache stays bounded (oldest out first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SigstoreOutcome } from '../../server/src/sigstore/codes';
import { MAX_CACHED_OUTCOMES, OutcomeCache, outcomeKey, type OutcomeKeyParts } from '../../server/src/lsp/sigstoreOutcomeCache';

const base: OutcomeKeyParts = {
  bundle: Buffer.from('{"bundle":1}'), artifactPath: '/charts/a.tgz', artifactSha256: Buffer.alloc(32, 1),
  rootKey: 'file:/root.json:abc', rootWarnings: [], trust: [{ identity: 'a@example.com', issuer: 'https://i' }],
};

test('the key changes with the bundle, the artifact (path or digest), the root, its warnings and the signers', () => {
  const variants: Partial<OutcomeKeyParts>[] = [
    { bundle: Buffer.from('{"bundle":2}') }, { artifactPath: '/charts/b.tgz' }, { artifactSha256: Buffer.alloc(32, 2) },
    { rootKey: 'file:/root.json:abd' }, { rootWarnings: ['stale'] }, { trust: [{ identity: 'b@example.com', issuer: 'https://i' }] }, { trust: [] },
  ];
  const keys = new Set([outcomeKey(base), ...variants.map((v) => outcomeKey({ ...base, ...v }))]);
  assert.equal(keys.size, variants.length + 1);
  assert.equal(outcomeKey({ ...base }), outcomeKey(base));
});

test('bounded: the least recently used verdict goes first', () => {
  const cache = new OutcomeCache();
  const outcome = (i: number): SigstoreOutcome => ({ verdict: 'rejected', code: 'signature-invalid', message: String(i), warnings: [] });
  for (let i = 0; i < MAX_CACHED_OUTCOMES; i++) cache.set(`k${i}`, outcome(i));
  assert.equal(cache.get('k0')?.message, '0', 'k0 used: now the most recent');
  cache.set('new', outcome(-1));
  assert.equal(cache.size, MAX_CACHED_OUTCOMES);
  assert.equal(cache.get('k1'), undefined, 'k1 was the least recently used');
  assert.ok(cache.get('k0') && cache.get('new'));
});
