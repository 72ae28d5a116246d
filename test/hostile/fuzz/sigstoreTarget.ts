// Fuzz target for Sigstore bundles: the conformance suite's happy-path bundles with one to three of
// their fields mutated (a decoded base64 value's bits flipped, cut or overwritten; a string emptied,
// negated, doubled or made huge), parsed and verified against the right artifact, root and identity.
// What must hold: no exception, only Sigstore codes, and `verified` only when every signed byte — the
// signature, the digest, the DSSE payload, the certificates, each log entry's body, time, index and
// promise, the proof and its checkpoint's note — is still the original's, as the verifier decodes it.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Bundle } from '@sigstore/bundle';
import * as fc from 'fast-check';
import { artifactFromBytes } from '../../../server/src/sigstore/artifact';
import { bundleFromObject, parseBundle } from '../../../server/src/sigstore/bundle';
import { exactMatcher } from '../../../server/src/sigstore/policy';
import { shippedTrustedRoot } from '../../../server/src/sigstore/trustedRoot';
import { verifyBundle } from '../../../server/src/sigstore/verifyBundle';
import { fixtures } from '../../support/tools';
import type { FuzzTarget } from './targets';

const CASES = path.join(fixtures, 'sigstore-conformance', 'test', 'assets', 'bundle-verify');
const SEEDS = ['happy-path-v0.1', 'happy-path-v0.2', 'happy-path-v0.3', 'happy-path-intoto-in-dsse-v3', 'happy-path-v0.3-new-mediaType'];
const SIGSTORE_CODES = new Set(['verified', 'signature-invalid', 'digest-mismatch', 'identity-mismatch', 'issuer-mismatch', 'certificate-invalid', 'no-trusted-time',
  'timestamp-invalid', 'tlog-invalid', 'tlog-missing', 'bundle-malformed', 'untrusted-key', 'unsupported', 'trusted-root-invalid']);
const IDENTITY = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const BASE64 = /^[A-Za-z0-9+/]{8,}={0,2}$/;

type Json = Record<string, unknown>;
/** Every string in the JSON, as [holder, key] so it can be replaced in place. */
function strings(value: unknown, found: Array<[Json, string]> = []): Array<[Json, string]> {
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Json)) {
      if (typeof v === 'string') found.push([value as Json, k]);
      else strings(v, found);
    }
  }
  return found;
}

/**
 * What the signatures cover, as the verifier reads it (decoded bytes): a verdict of verified must leave
 * all of it as it was. A checkpoint's signed text is its note, up to the blank line before the signatures.
 */
function signedParts(bundle: Bundle): string {
  const { content, tlogEntries, timestampVerificationData } = bundle.verificationMaterial;
  const entries = tlogEntries.map((e) => [e.canonicalizedBody, e.integratedTime, e.logIndex, e.logId, e.kindVersion, e.inclusionPromise,
    e.inclusionProof && { ...e.inclusionProof, checkpoint: e.inclusionProof.checkpoint?.envelope.split('\n\n')[0] }]);
  return JSON.stringify([bundle.content, content, entries, timestampVerificationData]);
}

const mutation = fc.record({ field: fc.nat(), kind: fc.integer({ min: 0, max: 6 }), at: fc.nat(), value: fc.integer({ min: 1, max: 255 }) });

export const sigstoreTarget: FuzzTarget = {
  name: 'Sigstore bundles (parseBundle + verifyBundle)',
  async property() {
    const artifact = artifactFromBytes(fs.readFileSync(path.join(CASES, 'a.txt')), 'a.txt');
    const trustedRoot = shippedTrustedRoot('public-good');
    const policy = { identity: exactMatcher(IDENTITY), issuer: exactMatcher('https://token.actions.githubusercontent.com') };
    const seeds = SEEDS.map((c) => fs.readFileSync(path.join(CASES, c, 'bundle.sigstore.json'), 'utf8'));
    const originals = seeds.map((seed) => {
      const parsed = parseBundle(Buffer.from(seed));
      assert.ok(parsed.ok && verifyBundle(parsed.value, artifact, { trustedRoot, trust: { kind: 'identity', policy } }).code === 'verified', 'every seed verifies unmutated');
      return signedParts(parsed.value.bundle);
    });
    return fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 3 }), (which, mutations) => {
      const bundle = JSON.parse(seeds[which % seeds.length]) as Json;
      for (const m of mutations) {
        const fields = strings(bundle);
        const [holder, key] = fields[m.field % fields.length];
        const value = holder[key] as string;
        if (BASE64.test(value) && m.kind < 3) {
          let bytes = Buffer.from(value, 'base64');
          if (m.kind === 0 && bytes.length) bytes[m.at % bytes.length] ^= m.value;
          else if (m.kind === 1) bytes = bytes.subarray(0, m.at % (bytes.length + 1));
          else if (bytes.length) bytes[m.at % bytes.length] = m.value;
          holder[key] = bytes.toString('base64');
        } else {
          holder[key] = ['', '-1', value + value, '9'.repeat(30), ' ' + value, value.slice(1), value][m.kind];
        }
      }
      const parsed = bundleFromObject(bundle);
      const code = parsed.ok ? verifyBundle(parsed.value, artifact, { trustedRoot, trust: { kind: 'identity', policy } }).code : parsed.error.code;
      assert.ok(SIGSTORE_CODES.has(code), `unknown code ${code}`);
      if (code === 'verified' && parsed.ok) assert.equal(signedParts(parsed.value.bundle), originals[which % seeds.length], 'verified with a signed part changed');
    });
  },
};
