// Kubernetes-style `.sig` + `.cert`, cosign's keyed signatures and the identity policy, end to end
// through `helm-prov verify-blob` (main() in this process), on signatures made in test setup by a
// Sigstore instance of our own (test/support/sigstorePki.ts: a Fulcio-like CA with a CT log, a
// Rekor-like log, and the trusted_root.json that trusts them, passed as --trusted-root).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { main } from '../../server/src/cli/helmProv';
import { bundleJsonOf, ecKeyPair, TestSigstore } from '../support/sigstorePki';

const sigstore = new TestSigstore();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sigstore-detached-'));
process.env.XDG_CACHE_HOME = path.join(dir, 'cache');
const artifact = Buffer.from('kubectl, or any release binary\n');
const write = (name: string, data: string | Buffer | object) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof data === 'object' && !Buffer.isBuffer(data) ? JSON.stringify(data) : data);
  return file;
};
const artifactFile = write('kubectl', artifact);
const root = write('trusted_root.json', sigstore.trustedRootJson());
const ISSUER = 'https://issuer.test';

async function verifyBlob(...args: string[]): Promise<{ status: number; out: string; json?: Record<string, any> }> {
  let out = '';
  const io = { out: (s: string) => { out += s + '\n'; }, err: (s: string) => { out += s + '\n'; }, stdin: () => '' };
  const status = await main(['verify-blob', ...args, '--trusted-root', root], io);
  const line = out.split('\n').find((l) => l.startsWith('{'));
  return { status, out, ...(line ? { json: JSON.parse(line) } : {}) };
}

const signed = sigstore.signBlob(artifact, { identity: 'release@example.com', issuer: ISSUER });
const sig = write('kubectl.sig', signed.sig);
const cert = write('kubectl.cert', signed.cert);
const entry = write('entry.json', signed.rekorEntry);
const identity = ['--certificate-identity', 'release@example.com', '--certificate-oidc-issuer', ISSUER];

test('.sig + .cert without a log entry: no-trusted-time, saying what checked out and how to get the entry', async () => {
  const r = await verifyBlob(artifactFile, '--signature', sig, '--certificate', cert, ...identity);
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /rejected \(no-trusted-time\)/);
  assert.match(r.out, /signature, the certificate chain and the identity check out/);
  assert.match(r.out, /valid only from 2025-03-01T12:00:00\.000Z to 2025-03-01T12:10:00\.000Z/);
  assert.match(r.out, /rekor-cli get --uuid <uuid> --format json > entry\.json\) and pass --rekor-entry entry\.json/);
});

test('.sig + .cert with the Rekor API entry: verified offline, with identity, issuer, log index and time', async () => {
  const r = await verifyBlob(artifactFile, '--signature', sig, '--certificate', cert, '--rekor-entry', entry, ...identity, '--json');
  assert.equal(r.status, 0, r.out);
  assert.deepEqual(r.json, {
    artifact: artifactFile, verdict: 'verified', code: 'verified', warnings: [],
    signer: { identity: 'release@example.com', issuer: ISSUER }, tlog: { logIndex: signed.logIndex, integratedTime: signed.integratedTime },
    message: r.json!.message,
  });
  // And on the digest alone (the signature is then checked on the digest).
  const digest = `sha256:${createHash('sha256').update(artifact).digest('hex')}`;
  assert.equal((await verifyBlob(digest, '--signature', sig, '--certificate', cert, '--rekor-entry', entry, ...identity)).status, 0);
});

test('the older cosign --bundle JSON (base64Signature, cert, rekorBundle) verifies on its own', async () => {
  const r = await verifyBlob(artifactFile, '--bundle', write('old-bundle.json', signed.oldCosignBundle), ...identity);
  assert.equal(r.status, 0, r.out);
});

test('with the entry, the wrong artifact, identity or issuer each get their own code', async () => {
  const other = write('other', 'something else\n');
  assert.match((await verifyBlob(other, '--signature', sig, '--certificate', cert, '--rekor-entry', entry, ...identity)).out, /rejected \(digest-mismatch\)/);
  assert.match((await verifyBlob(other, '--signature', sig, '--certificate', cert, ...identity)).out, /rejected \(signature-invalid\)/);
  assert.match((await verifyBlob(artifactFile, '--signature', sig, '--certificate', cert, '--rekor-entry', entry, '--certificate-identity', 'someone@example.com', '--certificate-oidc-issuer', ISSUER)).out, /identity mismatch \(identity-mismatch\): not verified/);
  assert.match((await verifyBlob(artifactFile, '--signature', sig, '--certificate', cert, '--rekor-entry', entry, '--certificate-identity', 'release@example.com', '--certificate-oidc-issuer', 'https://other.test')).out, /issuer mismatch \(issuer-mismatch\): not verified/);
});

test('a .cert whose certificate is not in DER (outer SEQUENCE tagged as a SET) is certificate-invalid, never verified', async () => {
  const pem = Buffer.from(signed.cert, 'base64').toString('latin1');
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  der[0] ^= 1;
  const altered = write('altered.cert', `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`);
  const r = await verifyBlob(artifactFile, '--signature', sig, '--certificate', altered, '--rekor-entry', entry, ...identity);
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /rejected \(certificate-invalid\)/);
  assert.match(r.out, /not in DER/);
});

test('a log entry altered (integrated time moved) is tlog-invalid; one signed by the log after the certificate expired is certificate-invalid', async () => {
  const [uuid] = Object.keys(signed.rekorEntry);
  const moved = structuredClone(signed.rekorEntry) as Record<string, { integratedTime: number }>;
  moved[uuid].integratedTime += 1;
  assert.match((await verifyBlob(artifactFile, '--signature', sig, '--certificate', cert, '--rekor-entry', write('moved.json', moved), ...identity)).out, /rejected \(tlog-invalid\)/);
  const late = sigstore.signBlob(artifact, { identity: 'release@example.com', issuer: ISSUER, integratedTime: new Date('2025-03-01T13:00:00Z') });
  const r = await verifyBlob(artifactFile, '--signature', write('late.sig', late.sig), '--certificate', write('late.cert', late.cert), '--rekor-entry', write('late.json', late.rekorEntry), ...identity);
  assert.match(r.out, /rejected \(certificate-invalid\)/);
});

test('a certificate-signed artifact with no identity given is a usage error, never "verified by anyone"', async () => {
  const r = await verifyBlob(artifactFile, '--signature', sig, '--certificate', cert, '--rekor-entry', entry, '--certificate-oidc-issuer', ISSUER);
  assert.equal(r.status, 2, r.out);
  assert.match(r.out, /no identity given/);
  assert.equal((await verifyBlob(artifactFile, '--signature', sig, '--certificate', cert, '--rekor-entry', entry, '--certificate-identity', 'release@example.com')).status, 2);
});

test('anchoring: .*@example.com does not accept evil@example.com.attacker.net (@sigstore/verify\'s unanchored match does)', async () => {
  const evil = sigstore.signBlob(artifact, { identity: 'evil@example.com.attacker.net', issuer: ISSUER });
  const bundle = write('evil.sigstore.json', bundleJsonOf(evil, artifact));
  const ours = await verifyBlob(artifactFile, '--bundle', bundle, '--certificate-identity-regexp', '.*@example.com', '--certificate-oidc-issuer', ISSUER);
  assert.equal(ours.status, 1, ours.out);
  assert.match(ours.out, /identity mismatch \(identity-mismatch\): not verified/);
  // The library, given the same expression as its policy, accepts the attacker's identity.
  const material = toTrustMaterial(TrustedRoot.fromJSON(sigstore.trustedRootJson()));
  const signer = new Verifier(material).verify(toSignedEntity(bundleFromJSON(JSON.parse(fs.readFileSync(bundle, 'utf8'))), artifact), { subjectAlternativeName: new RegExp('.*@example.com'), extensions: { issuer: ISSUER } });
  assert.equal(signer.identity?.subjectAlternativeName, 'evil@example.com.attacker.net');
  // The real identity still matches the anchored expression, through the same bundle path.
  const good = write('good.sigstore.json', bundleJsonOf(signed, artifact));
  assert.equal((await verifyBlob(artifactFile, '--bundle', good, '--certificate-identity-regexp', '.*@example\\.com', '--certificate-oidc-issuer-regexp', 'https://issuer\\.(test|example)')).status, 0);
});

test('an identity regexp that nests repetition is refused before any check (it could take exponential time)', async () => {
  const r = await verifyBlob(artifactFile, '--signature', sig, '--certificate', cert, '--rekor-entry', entry, '--certificate-identity-regexp', '(a+)+@example.com', '--certificate-oidc-issuer', ISSUER);
  assert.equal(r.status, 2, r.out);
  assert.match(r.out, /repeats a group that itself repeats/);
});

test('keyed (cosign sign-blob --key): without a log entry tlog-missing, with --insecure-ignore-tlog verified with a warning, with its entry verified', async () => {
  const key = ecKeyPair();
  const keyed = sigstore.signWithKey(artifact, key);
  const pub = write('cosign.pub', keyed.pem);
  const keySig = write('keyed.sig', keyed.sig);
  const missing = await verifyBlob(artifactFile, '--key', pub, '--signature', keySig, '--json');
  assert.equal(missing.status, 1);
  assert.equal(missing.json!.code, 'tlog-missing');
  assert.match(missing.json!.message, /The signature matches key sha256:[0-9a-f]{64}.*--insecure-ignore-tlog/);
  const ignored = await verifyBlob(artifactFile, '--key', pub, '--signature', keySig, '--insecure-ignore-tlog', '--json');
  assert.equal(ignored.status, 0, ignored.out);
  assert.deepEqual(ignored.json!.warnings, ['tlog-ignored']);
  assert.deepEqual(ignored.json!.signer, { key: `sha256:${createHash('sha256').update(key.spki).digest('hex')}` });
  assert.equal(ignored.json!.tlog, null);
  const wrong = await verifyBlob(write('other2', 'x'), '--key', pub, '--signature', keySig, '--insecure-ignore-tlog');
  assert.match(wrong.out, /rejected \(signature-invalid\)/);
  const logged = await verifyBlob(artifactFile, '--key', pub, '--signature', keySig, '--rekor-entry', write('keyed-entry.json', keyed.rekorEntry), '--json');
  assert.equal(logged.status, 0, logged.out);
  assert.equal(typeof logged.json!.tlog.logIndex, 'number');
  // The same signature in a bundle with no log entry: tlog-missing, unless --insecure-ignore-tlog.
  const keyedBundle = write('keyed.sigstore.json', {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: { publicKey: { hint: 'cosign.pub' }, tlogEntries: [] },
    messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: createHash('sha256').update(artifact).digest('base64') }, signature: keyed.sig },
  });
  assert.match((await verifyBlob(artifactFile, '--key', pub, '--bundle', keyedBundle)).out, /rejected \(tlog-missing\)/);
  const bundleIgnored = await verifyBlob(artifactFile, '--key', pub, '--bundle', keyedBundle, '--insecure-ignore-tlog', '--json');
  assert.equal(bundleIgnored.status, 0, bundleIgnored.out);
  assert.deepEqual(bundleIgnored.json!.warnings, ['tlog-ignored']);
  // A key is trusted as given: identity flags with it are a usage error.
  assert.equal((await verifyBlob(artifactFile, '--key', pub, '--signature', keySig, ...identity)).status, 2);
});
