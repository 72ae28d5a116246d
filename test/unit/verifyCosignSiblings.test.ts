// `helm-prov verify <chart.tgz>` with cosign signatures beside the archive (<archive>.sigstore.json,
// <archive>.sig + <archive>.cert): each kind of signature reported with its own code, in text and
// --json; exit 0 only when every signature present verifies and there is at least one; a keyless
// sibling without an identity policy is identity-required, never verified. Signatures are real: made
// in setup by the test Sigstore instance (test/support/sigstorePki.ts) and checked by @sigstore/verify.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../server/src/cli/helmProv';
import { bundleJsonOf, TestSigstore } from '../support/sigstorePki';
import { fixtures, signedCases, signedKeyrings } from '../support/tools';

const sigstore = new TestSigstore();
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-cosign-'));
process.env.XDG_CACHE_HOME = path.join(base, 'cache');
const root = path.join(base, 'trusted_root.json');
fs.writeFileSync(root, JSON.stringify(sigstore.trustedRootJson()));
const keyring = path.join(signedKeyrings, 'pubring.gpg');
const ISSUER = 'https://issuer.test';
const IDENTITY = 'release@example.com';
const identityFlags = ['--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER];

let caseNo = 0;
/** A folder with the signed devapp chart; `prov: false` leaves its .prov out; siblings as asked. */
function chartFolder(opts: { prov?: boolean; bundle?: boolean | Buffer; sigCert?: boolean; loneSig?: boolean; identity?: string }): string {
  const dir = path.join(base, `case-${++caseNo}`);
  fs.mkdirSync(dir);
  const src = path.join(signedCases, 'gpg-clearsigned');
  const archive = path.join(dir, 'devapp-1.2.3.tgz');
  fs.copyFileSync(path.join(src, 'devapp-1.2.3.tgz'), archive);
  if (opts.prov !== false) fs.copyFileSync(path.join(src, 'devapp-1.2.3.tgz.prov'), `${archive}.prov`);
  const bytes = fs.readFileSync(archive);
  const signedBytes = Buffer.isBuffer(opts.bundle) ? opts.bundle : bytes;
  const blob = sigstore.signBlob(signedBytes, { identity: opts.identity ?? IDENTITY, issuer: ISSUER });
  if (opts.bundle) fs.writeFileSync(`${archive}.sigstore.json`, JSON.stringify(bundleJsonOf(blob, signedBytes)));
  if (opts.sigCert) { fs.writeFileSync(`${archive}.sig`, blob.sig); fs.writeFileSync(`${archive}.cert`, blob.cert); }
  if (opts.loneSig) fs.writeFileSync(`${archive}.sig`, Buffer.from([0x88, 0x01, 0x02]));
  return archive;
}

async function verify(archive: string, ...args: string[]): Promise<{ status: number; out: string; json?: Record<string, any> }> {
  let out = '';
  const io = { out: (s: string) => { out += s + '\n'; }, err: (s: string) => { out += s + '\n'; }, stdin: () => '' };
  const status = await main(['verify', archive, '--keyring', keyring, '--trusted-root', root, ...args], io);
  const line = out.split('\n').find((l) => l.startsWith('{'));
  return { status, out, ...(line ? { json: JSON.parse(line) } : {}) };
}

test('a .prov and a cosign bundle: both verified, each reported with its own code (text and --json)', async () => {
  const archive = chartFolder({ bundle: true });
  const text = await verify(archive, ...identityFlags);
  assert.equal(text.status, 0, text.out);
  assert.match(text.out, /Using Key With Fingerprint: 58E19B6A33FD57CDC9AEF11E12F8225365AE8490/);
  assert.match(text.out, /devapp-1\.2\.3\.tgz: cosign devapp-1\.2\.3\.tgz\.sigstore\.json: verified\n {2}.*signed by identity "release@example\.com", issuer "https:\/\/issuer\.test"; log index \d+, integrated 2025-03-01T12:01:00\.000Z/);
  const json = await verify(archive, ...identityFlags, '--json');
  assert.equal(json.status, 0, json.out);
  assert.equal(json.json!.code, 'verified');
  assert.equal(json.json!.overall, 'verified');
  assert.equal(json.json!.sigstore.length, 1);
  const [cosign] = json.json!.sigstore;
  assert.equal(cosign.file, `${archive}.sigstore.json`);
  assert.equal(cosign.code, 'verified');
  assert.deepEqual(cosign.signer, { identity: IDENTITY, issuer: ISSUER });
  assert.equal(cosign.tlog.integratedTime, Date.parse('2025-03-01T12:01:00Z') / 1000);
});

test('a keyless sibling without identity flags is identity-required (exit 1), naming the identity it claims; the .prov still verified', async () => {
  const archive = chartFolder({ bundle: true });
  const r = await verify(archive, '--json');
  assert.equal(r.status, 1, r.out);
  assert.equal(r.json!.code, 'verified', 'the OpenPGP result is its own');
  const [cosign] = r.json!.sigstore;
  assert.equal(cosign.code, 'identity-required');
  assert.equal(cosign.verdict, 'rejected');
  assert.match(cosign.message, /nothing was checked.*claims identity "release@example\.com", issuer "https:\/\/issuer\.test".*--certificate-identity/);
  assert.equal(r.json!.overall, 'rejected');
});

test('cosign only (no .prov): verified with the identity flags, exit 0; the missing .prov is said, not counted', async () => {
  const archive = chartFolder({ prov: false, bundle: true });
  const r = await verify(archive, ...identityFlags);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /no OpenPGP signature \(no \.prov beside it\); cosign only/);
  assert.match(r.out, /cosign devapp-1\.2\.3\.tgz\.sigstore\.json: verified/);
  const json = await verify(archive, ...identityFlags, '--json');
  assert.equal(json.json!.code, 'missing-prov');
  assert.equal(json.json!.overall, 'verified');
});

test('no signature at all is still missing-prov, exit 1; a lone .sig (gpg\'s binary signature) is no cosign signature', async () => {
  const archive = chartFolder({ prov: false, loneSig: true });
  const r = await verify(archive, ...identityFlags, '--json');
  assert.equal(r.status, 1, r.out);
  assert.equal(r.json!.code, 'missing-prov');
  assert.deepEqual(Object.keys(r.json!), ['archive', 'verdict', 'code', 'warnings', 'signer', 'issuers', 'digest', 'message'], 'the object charts without cosign signatures always had');
});

test('a cosign signature that fails fails the chart even when the .prov verifies: wrong identity, other artifact', async () => {
  const other = await verify(chartFolder({ bundle: true, identity: 'someone@else.test' }), ...identityFlags, '--json');
  assert.equal(other.status, 1, other.out);
  assert.equal(other.json!.code, 'verified');
  assert.equal(other.json!.sigstore[0].code, 'identity-mismatch');
  const regexp = await verify(chartFolder({ bundle: true, identity: 'evil@example.com.attacker.net' }), '--certificate-identity-regexp', '.*@example.com', '--certificate-oidc-issuer', ISSUER, '--json');
  assert.equal(regexp.json!.sigstore[0].code, 'identity-mismatch', 'regexps match the whole identity');
  const digest = await verify(chartFolder({ bundle: Buffer.from('another archive') }), ...identityFlags, '--json');
  assert.equal(digest.status, 1, digest.out);
  assert.equal(digest.json!.sigstore[0].code, 'digest-mismatch');
});

test('.sig + .cert beside the archive (no Rekor entry) is no-trusted-time; with a bundle too, both are reported', async () => {
  const archive = chartFolder({ bundle: true, sigCert: true });
  const r = await verify(archive, ...identityFlags, '--json');
  assert.equal(r.status, 1, r.out);
  assert.deepEqual(r.json!.sigstore.map((s: { file: string; code: string }) => [path.basename(s.file), s.code]),
    [['devapp-1.2.3.tgz.sigstore.json', 'verified'], ['devapp-1.2.3.tgz.sig', 'no-trusted-time']]);
  const text = await verify(archive, ...identityFlags);
  assert.match(text.out, /cosign devapp-1\.2\.3\.tgz\.sig \+ devapp-1\.2\.3\.tgz\.cert: rejected \(no-trusted-time\)/);
});

test('identity flags: an identity without an issuer, or exact and regexp together, is a usage error (exit 2)', async () => {
  const archive = chartFolder({ bundle: true });
  assert.equal((await verify(archive, '--certificate-identity', IDENTITY)).status, 2);
  assert.equal((await verify(archive, ...identityFlags, '--certificate-identity-regexp', '.*')).status, 2);
  assert.equal((await verify(archive, ...identityFlags, '--certificate-oidc-issuer-regexp', '(a+)+')).status, 2);
});

test('the shipped public-good root does not trust the test instance: certificate-invalid, not verified', async () => {
  const archive = chartFolder({ bundle: true });
  let out = '';
  const io = { out: (s: string) => { out += s + '\n'; }, err: (s: string) => { out += s + '\n'; }, stdin: () => '' };
  const status = await main(['verify', archive, '--keyring', keyring, ...identityFlags, '--json'], io);
  assert.equal(status, 1, out);
  const json = JSON.parse(out.split('\n').find((l) => l.startsWith('{'))!);
  assert.notEqual(json.sigstore[0].verdict, 'verified');
  assert.match(json.sigstore[0].code, /certificate-invalid|tlog-invalid/);
});

test('a real public-good bundle (the conformance suite\'s happy path) beside an archive verifies with the shipped root', async () => {
  const cases = path.join(fixtures, 'sigstore-conformance', 'test', 'assets', 'bundle-verify');
  const dir = path.join(base, 'public-good');
  fs.mkdirSync(dir);
  const archive = path.join(dir, 'a-1.0.0.tgz');
  fs.copyFileSync(path.join(cases, 'a.txt'), archive);
  fs.copyFileSync(path.join(cases, 'happy-path-v0.3', 'bundle.sigstore.json'), `${archive}.sigstore.json`);
  let out = '';
  const io = { out: (s: string) => { out += s + '\n'; }, err: (s: string) => { out += s + '\n'; }, stdin: () => '' };
  const beacon = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
  const status = await main(['verify', dir, '--keyring', keyring, '--certificate-identity', beacon, '--certificate-oidc-issuer', 'https://token.actions.githubusercontent.com', '--json'], io);
  assert.equal(status, 0, out);
  const json = JSON.parse(out.split('\n').find((l) => l.startsWith('{'))!);
  assert.equal(json.sigstore[0].code, 'verified');
  assert.equal(json.sigstore[0].signer.identity, beacon);
});

test('a signer not named or not matched is told in the editor\'s words with its code and the flag that names the signer, never "rejected"; exit 1', async () => {
  const cases: [string[], string, RegExp][] = [
    [[], 'identity-required', /identity required \(identity-required\): not verified\n {2}.*nothing was checked.*say so with --certificate-identity/],
    [['--certificate-identity', 'someone@else.test', '--certificate-oidc-issuer', ISSUER], 'identity-mismatch', /identity mismatch \(identity-mismatch\): not verified\n {2}The certificate's identity is "release@example\.com".*\n {2}If you expect this signer, name it with --certificate-identity \(or --certificate-identity-regexp\)\.\n/],
    [['--certificate-identity', IDENTITY, '--certificate-oidc-issuer', 'https://other.test'], 'issuer-mismatch', /issuer mismatch \(issuer-mismatch\): not verified\n.*\n {2}If you expect this signer, name it with --certificate-oidc-issuer \(or --certificate-oidc-issuer-regexp\)\.\n/],
  ];
  for (const [flags, code, words] of cases) {
    const text = await verify(chartFolder({ bundle: true }), ...flags);
    assert.equal(text.status, 1, text.out);
    const cosign = text.out.slice(text.out.indexOf(': cosign '));
    assert.match(cosign, words, code);
    assert.doesNotMatch(cosign, /rejected/, code);
    // --json keeps its fields: the verdict is still rejected (not verified), the code the editor's.
    const json = await verify(chartFolder({ bundle: true }), ...flags, '--json');
    assert.equal(json.status, 1);
    assert.deepEqual([json.json!.sigstore[0].verdict, json.json!.sigstore[0].code, json.json!.overall], ['rejected', code, 'rejected']);
  }
});
