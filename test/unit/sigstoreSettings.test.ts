// helmProvenance.sigstore.*: what counts as a trusted identity, and that a workspace cannot add trust:
// every one of these settings is machine-scoped and restricted in untrusted workspaces (package.json),
// which is what makes VS Code ignore a value in a repository's .vscode/settings.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { normalizeSettings } from '../../server/src/lsp/settings';
import { policyOf } from '../../server/src/lsp/sigstoreVerification';
import { repoRoot } from '../support/tools';

test('a trusted identity needs exactly one of identity/identityRegexp and one of issuer/issuerRegexp; half entries are not trust', () => {
  const s = normalizeSettings({
    sigstore: {
      trustedIdentities: [
        { identity: 'a@example.com', issuer: 'https://accounts.google.com' },
        { identity: 'no-issuer@example.com' },
        { identityRegexp: '.*', issuer: 'https://x', identity: 'both@example.com' },
        { issuer: 'https://only-issuer' },
        'not an object',
        { identityRegexp: '.*@example\\.com', issuerRegexp: 'https://token\\.actions\\.githubusercontent\\.com' },
      ],
      trustedRoot: ' /etc/sigstore/trusted_root.json ',
      tufMirror: 42,
    },
  });
  assert.deepEqual(s.sigstore, {
    trustedIdentities: [
      { identity: 'a@example.com', issuer: 'https://accounts.google.com' },
      { identityRegexp: '.*@example\\.com', issuerRegexp: 'https://token\\.actions\\.githubusercontent\\.com' },
    ],
    trustedRoot: '/etc/sigstore/trusted_root.json',
    tufMirror: '',
  });
  assert.deepEqual(normalizeSettings(undefined).sigstore, { trustedIdentities: [], trustedRoot: '', tufMirror: '' });
});

test('a trusted identity\'s regexp is whole-value and refused when it nests repetition', () => {
  const policy = policyOf({ identityRegexp: '.*@example.com', issuer: 'https://i' });
  assert.ok(typeof policy !== 'string' && policy.identity.kind === 'regexp');
  assert.ok(typeof policy !== 'string' && policy.identity.kind === 'regexp' && !policy.identity.pattern.test('evil@example.com.attacker.net'));
  assert.match(String(policyOf({ identityRegexp: '(a+)+', issuer: 'https://i' })), /identityRegexp: .*exponential/);
});

test('a workspace cannot add trust: every helmProvenance.sigstore.* setting is machine-scoped and restricted in untrusted workspaces', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const properties = pkg.contributes.configuration.properties as Record<string, { scope?: string }>;
  const sigstore = Object.keys(properties).filter((k) => k.startsWith('helmProvenance.sigstore.'));
  assert.deepEqual(sigstore.sort(), ['helmProvenance.sigstore.trustedIdentities', 'helmProvenance.sigstore.trustedRoot', 'helmProvenance.sigstore.tufMirror']);
  for (const key of sigstore) {
    assert.equal(properties[key].scope, 'machine', key);
    assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(key), key);
  }
});
