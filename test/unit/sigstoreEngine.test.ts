// Engine pieces on their own: whole-value identity matching, the DSSE subject binding (against
// @sigstore/verify, which ignores the artifact for DSSE), the shipped trusted roots and where they
// came from, and the bounds on a bundle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { X509Certificate } from '@sigstore/core';
import { artifactFromBytes } from '../../server/src/sigstore/artifact';
import { parseBundle } from '../../server/src/sigstore/bundle';
import { checkDsseBinding } from '../../server/src/sigstore/dsseBinding';
import { exactMatcher, matches, nestedQuantifier, regexpMatcher } from '../../server/src/sigstore/policy';
import { shippedTrustedRoot } from '../../server/src/sigstore/trustedRoot';
import { verifyBundle } from '../../server/src/sigstore/verifyBundle';
import { fixtures, repoRoot } from '../support/tools';

const cases = path.join(fixtures, 'sigstore-conformance', 'test', 'assets', 'bundle-verify');
const IDENTITY = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';

/** @sigstore/verify alone on the shipped public-good root: what the library says where we differ. */
function libraryVerifier(): Verifier {
  return new Verifier(toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(fs.readFileSync(path.join(repoRoot, 'server', 'src', 'sigstore', 'data', 'public-good.trusted_root.json'), 'utf8')))));
}

test('identity regexps match the whole value', () => {
  const m = regexpMatcher('.*@example.com');
  assert.ok(typeof m !== 'string');
  assert.ok(matches(m, 'dev@example.com'));
  assert.ok(!matches(m, 'evil@example.com.attacker.net'));
  assert.ok(!matches(m, 'x\n@example.com'), 'no multiline escape from the anchors');
  const alternation = regexpMatcher('a@example.com|b@example.com');
  assert.ok(typeof alternation !== 'string' && matches(alternation, 'b@example.com') && !matches(alternation, 'b@example.com.evil'));
  assert.ok(matches(exactMatcher('dev@example.com'), 'dev@example.com'));
  assert.ok(!matches(exactMatcher('dev@example.com'), 'Dev@example.com'));
  assert.ok(!matches(m, 'a'.repeat(5000) + '@example.com'), 'values past the identity limit are not compared');
});

test('nested repetition is spotted, bounded or single repetition is not', () => {
  for (const bad of ['(a+)+', '(a*)*b', '((ab)+c)*', '(a{2,})+', '(x+|y)*']) assert.ok(nestedQuantifier(bad), bad);
  for (const fine of ['.*@example\\.com', '(foo|bar)+', '[a+]+', '(a?)+x', 'https://github\\.com/org/[^/]+/\\.github/workflows/.*', '\\(a+\\)+']) assert.ok(!nestedQuantifier(fine), fine);
  assert.match(String(regexpMatcher('(')), /is not a regular expression/);
});

const envelope = (payloadType: string, payload: object | string) => ({ payloadType, payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)), signatures: [] });
const statement = (subject: object[]) => ({ _type: 'https://in-toto.io/Statement/v1', subject, predicateType: 'https://slsa.dev/provenance/v1', predicate: {} });
const hex = (alg: string, b: Buffer) => createHash(alg).update(b).digest('hex');

test('DSSE binding: an in-toto subject must carry the artifact\'s digest, with no other digest of it disagreeing', () => {
  const bytes = Buffer.from('chart archive bytes');
  const artifact = artifactFromBytes(bytes, 'chart.tgz');
  const ok = checkDsseBinding(envelope('application/vnd.in-toto+json', statement([{ name: 'other', digest: { sha256: '00'.repeat(32) } }, { name: 'chart.tgz', digest: { sha256: hex('sha256', bytes) } }])), artifact);
  assert.ok(ok.ok && ok.value.subject === 'chart.tgz');
  const disagree = checkDsseBinding(envelope('application/vnd.in-toto+json', statement([{ name: 'chart.tgz', digest: { sha256: hex('sha256', bytes), sha512: '11'.repeat(64) } }])), artifact);
  assert.ok(!disagree.ok && disagree.error.code === 'digest-mismatch');
  const sha512Only = checkDsseBinding(envelope('application/vnd.in-toto+json', statement([{ name: 'chart.tgz', digest: { sha512: hex('sha512', bytes) } }])), artifact);
  assert.ok(sha512Only.ok, 'a sha512 subject binds a file whose bytes are here');
  const digestOnly = checkDsseBinding(envelope('application/vnd.in-toto+json', statement([{ name: 'chart.tgz', digest: { sha512: hex('sha512', bytes) } }])), { name: 'sha256:…', sha256: artifact.sha256 });
  assert.ok(!digestOnly.ok && /can be compared/.test(digestOnly.error.message));
  const gitOnly = checkDsseBinding(envelope('application/vnd.in-toto+json', statement([{ name: 'repo', digest: { gitCommit: 'ab'.repeat(20) } }])), artifact);
  assert.ok(!gitOnly.ok && gitOnly.error.code === 'digest-mismatch');
  assert.ok(checkDsseBinding(envelope('text/plain', 'chart archive bytes'), artifact).ok, 'a plain payload binds only itself');
  assert.ok(!checkDsseBinding(envelope('text/plain', 'something else'), artifact).ok);
  const notJson = checkDsseBinding(envelope('application/vnd.in-toto+json', '{'), artifact);
  assert.ok(!notJson.ok && notJson.error.code === 'bundle-malformed');
});

test('DSSE binding end to end: a valid attestation about another file is digest-mismatch (@sigstore/verify says verified)', () => {
  const bundleBytes = fs.readFileSync(path.join(cases, 'happy-path-intoto-in-dsse-v3', 'bundle.sigstore.json'));
  const other = Buffer.from('not the attested artifact\n');
  const trustedRoot = shippedTrustedRoot('public-good');
  const parsed = parseBundle(bundleBytes);
  assert.ok(parsed.ok);
  const policy = { identity: exactMatcher(IDENTITY), issuer: exactMatcher(ISSUER) };
  const ours = verifyBundle(parsed.value, artifactFromBytes(other, 'other.txt'), { trustedRoot, trust: { kind: 'identity', policy } });
  assert.equal(ours.code, 'digest-mismatch', ours.message);
  assert.match(ours.message, /not about other\.txt/);
  const signer = libraryVerifier().verify(toSignedEntity(bundleFromJSON(JSON.parse(bundleBytes.toString('utf8'))), other), { subjectAlternativeName: IDENTITY, extensions: { issuer: ISSUER } });
  assert.equal(signer.identity?.subjectAlternativeName, IDENTITY, '@sigstore/verify accepts it for any artifact');
  const right = verifyBundle(parsed.value, artifactFromBytes(fs.readFileSync(path.join(cases, 'a.txt')), 'a.txt'), { trustedRoot, trust: { kind: 'identity', policy } });
  assert.equal(right.code, 'verified', right.message);
});

test('an inclusion proof whose root hash is not its checkpoint\'s is tlog-invalid (@sigstore/verify ignores the field and says verified; found by the fuzz target)', () => {
  const json = JSON.parse(fs.readFileSync(path.join(cases, 'happy-path-v0.3', 'bundle.sigstore.json'), 'utf8'));
  const root = Buffer.from(json.verificationMaterial.tlogEntries[0].inclusionProof.rootHash, 'base64');
  root[0] ^= 1;
  json.verificationMaterial.tlogEntries[0].inclusionProof.rootHash = root.toString('base64');
  const parsed = parseBundle(Buffer.from(JSON.stringify(json)));
  assert.ok(!parsed.ok && parsed.error.code === 'tlog-invalid', !parsed.ok ? parsed.error.message : 'parsed');
  const signer = libraryVerifier().verify(toSignedEntity(bundleFromJSON(json), fs.readFileSync(path.join(cases, 'a.txt'))), { subjectAlternativeName: IDENTITY, extensions: { issuer: ISSUER } });
  assert.equal(signer.identity?.subjectAlternativeName, IDENTITY);
});

test('a certificate not in DER is certificate-invalid: its outer SEQUENCE tagged as a SET, or its signature with unused bits (@sigstore/verify reads both and says verified; found by the fuzz target)', () => {
  const original = JSON.parse(fs.readFileSync(path.join(cases, 'happy-path-v0.3', 'bundle.sigstore.json'), 'utf8'));
  const der = Buffer.from(original.verificationMaterial.certificate.rawBytes, 'base64');
  const unusedBits = der.length - X509Certificate.parse(der).root.subs[2].value.length;
  // Both bytes are outside what the issuer signed: 0x30 SEQUENCE -> 0x31 SET; the signature's unused-bits count 0 -> 1.
  for (const at of [0, unusedBits]) {
    const json = structuredClone(original);
    const altered = Buffer.from(der);
    altered[at] ^= 1;
    json.verificationMaterial.certificate.rawBytes = altered.toString('base64');
    const parsed = parseBundle(Buffer.from(JSON.stringify(json)));
    assert.ok(!parsed.ok && parsed.error.code === 'certificate-invalid', !parsed.ok ? parsed.error.message : `byte ${at}: parsed`);
    assert.match(parsed.error.message, /not in DER/);
    const signer = libraryVerifier().verify(toSignedEntity(bundleFromJSON(json), fs.readFileSync(path.join(cases, 'a.txt'))), { subjectAlternativeName: IDENTITY, extensions: { issuer: ISSUER } });
    assert.equal(signer.identity?.subjectAlternativeName, IDENTITY, `byte ${at}: the library verifies it`);
  }
});

test('no byte of a leaf certificate outside what its authority signed can change and still verify (one flip per byte, happy-path v0.1 and v0.3)', () => {
  const trustedRoot = shippedTrustedRoot('public-good');
  const artifact = artifactFromBytes(fs.readFileSync(path.join(cases, 'a.txt')), 'a.txt');
  const trust = { kind: 'identity' as const, policy: { identity: exactMatcher(IDENTITY), issuer: exactMatcher(ISSUER) } };
  for (const name of ['happy-path-v0.1', 'happy-path-v0.3']) {
    const text = fs.readFileSync(path.join(cases, name, 'bundle.sigstore.json'), 'utf8');
    const leafOf = (json: any) => json.verificationMaterial.certificate ?? json.verificationMaterial.x509CertificateChain.certificates[0];
    const der = Buffer.from(leafOf(JSON.parse(text)).rawBytes, 'base64');
    // The signed part is the TBS: from its header to its end. The rest is the outer header, the algorithm and the signature.
    const tbs = X509Certificate.parse(der).root.subs[0];
    const tbsDer = tbs.toDER();
    const tbsStart = der.indexOf(tbsDer);
    const unsigned = [...Array(der.length).keys()].filter((i) => i < tbsStart || i >= tbsStart + tbsDer.length);
    assert.ok(tbsStart > 0 && unsigned.length > 100, `${name}: the unsigned bytes found`);
    const verifiedAfterFlip = unsigned.filter((at) => {
      const json = JSON.parse(text);
      const altered = Buffer.from(der);
      altered[at] ^= 1;
      leafOf(json).rawBytes = altered.toString('base64');
      const parsed = parseBundle(Buffer.from(JSON.stringify(json)));
      return parsed.ok && verifyBundle(parsed.value, artifact, { trustedRoot, trust }).code === 'verified';
    });
    assert.deepEqual(verifiedAfterFlip, [], `${name}: bytes that verified after a flip`);
  }
});

test('shipped trusted roots: public-good is @sigstore/tuf 5.0.1\'s seed, byte for byte; both parse; data/SOURCE.md says where each came from', () => {
  const data = path.join(repoRoot, 'server', 'src', 'sigstore', 'data');
  const seeds = JSON.parse(fs.readFileSync(require.resolve('@sigstore/tuf/seeds.json'), 'utf8'))['https://tuf-repo-cdn.sigstore.dev'];
  assert.deepEqual(fs.readFileSync(path.join(data, 'public-good.trusted_root.json')), Buffer.from(seeds.targets['trusted_root.json'], 'base64'));
  assert.deepEqual(fs.readFileSync(path.join(data, 'public-good.root.json')), Buffer.from(seeds['root.json'], 'base64'));
  assert.ok(shippedTrustedRoot('public-good').root.tlogs.length > 0);
  assert.ok(shippedTrustedRoot('staging').root.certificateAuthorities.length > 0);
  const source = fs.readFileSync(path.join(data, 'SOURCE.md'), 'utf8');
  for (const file of fs.readdirSync(data).filter((f) => f.endsWith('.json'))) {
    const sha = createHash('sha256').update(fs.readFileSync(path.join(data, file))).digest('hex');
    assert.ok(source.includes(sha), `SOURCE.md lists ${file} with its sha256 ${sha}`);
  }
});

test('bundle bounds: oversized, too many entries and non-canonical base64 are bundle-malformed before any check', () => {
  const happy = JSON.parse(fs.readFileSync(path.join(cases, 'happy-path-v0.3', 'bundle.sigstore.json'), 'utf8'));
  const entries = structuredClone(happy);
  entries.verificationMaterial.tlogEntries = Array.from({ length: 9 }, () => happy.verificationMaterial.tlogEntries[0]);
  const spaced = structuredClone(happy);
  spaced.messageSignature.signature = ' ' + spaced.messageSignature.signature;
  for (const [what, bytes] of [
    ['size', Buffer.alloc(4 * 1024 * 1024 + 1, 0x20)],
    ['entries', Buffer.from(JSON.stringify(entries))],
    ['base64', Buffer.from(JSON.stringify(spaced))],
    ['not an object', Buffer.from('[]')],
  ] as const) {
    const parsed = parseBundle(bytes);
    assert.ok(!parsed.ok && parsed.error.code === 'bundle-malformed', what);
  }
  // A proof without its checkpoint: @sigstore/verify throws a TypeError on it; here it is named.
  const v01 = JSON.parse(fs.readFileSync(path.join(cases, 'happy-path-v0.1', 'bundle.sigstore.json'), 'utf8'));
  v01.verificationMaterial.tlogEntries[0].inclusionProof = { logIndex: '1', rootHash: 'AAAA', treeSize: '2', hashes: [] };
  const noCheckpoint = parseBundle(Buffer.from(JSON.stringify(v01)));
  assert.ok(!noCheckpoint.ok && /inclusion proof without a checkpoint/.test(noCheckpoint.error.message));
});
