// The editor tells the same truth as `helm-prov verify` about a chart with cosign signatures beside its
// archive, over real JSON-RPC: cosign only is verified (never "Unsigned") with a trusted signer, and
// identity-required without one (never verified, never unsigned, a warning whose lens says how to name a signer); a .prov and a
// cosign signature are both named when both verify, and either one failing fails the chart. Each case
// also runs the CLI on the same files: its exit code and the chart's state agree. Signatures are made
// offline by the test Sigstore instance (test/support/sigstorePki.ts) and checked by @sigstore/verify.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DidChangeConfigurationNotification } from 'vscode-languageserver-protocol/node';
import { main } from '../../server/src/cli/helmProv';
import { CLIENT_COMMANDS, type SigstoreSettings, type StatusParams } from '../../server/src/lsp/protocol';
import { bundleJsonOf, TestSigstore } from '../support/sigstorePki';
import { signedCases, signedKeyrings, tempDir } from '../support/tools';
import { LspSession, uriOf } from './lspSession';

const sigstore = new TestSigstore();
const scratch = tempDir('lsp-cosign-verdict-');
after(() => fs.rmSync(scratch, { recursive: true, force: true }));
const rootFile = path.join(scratch, 'trusted_root.json');
fs.writeFileSync(rootFile, JSON.stringify(sigstore.trustedRootJson()));
const ISSUER = 'https://issuer.test';
const IDENTITY = 'release@example.com';
const keyring = path.join(signedKeyrings, 'pubring.gpg');
const trusted: SigstoreSettings = { trustedIdentities: [{ identity: IDENTITY, issuer: ISSUER }], trustedRoot: rootFile, tufMirror: '' };
const untrusted: SigstoreSettings = { ...trusted, trustedIdentities: [] };
const ARCHIVE = 'devapp-1.2.3.tgz';

let caseNo = 0;
/** A workspace with the devapp chart and its archive; the .prov and cosign signatures as asked. */
function chartCase(opts: { prov?: 'good' | 'tampered'; bundle?: { identity: string }; sigCert?: boolean }): { workspace: string; archive: string; chartYaml: string } {
  const workspace = path.join(scratch, `case-${++caseNo}`);
  fs.mkdirSync(workspace);
  const archive = path.join(workspace, ARCHIVE);
  const src = path.join(signedCases, 'gpg-clearsigned');
  fs.copyFileSync(path.join(src, ARCHIVE), archive);
  if (opts.prov) {
    const prov = fs.readFileSync(path.join(src, `${ARCHIVE}.prov`), 'utf8');
    fs.writeFileSync(`${archive}.prov`, opts.prov === 'good' ? prov : prov.replace('name: devapp', 'name: devapq'));
  }
  const bytes = fs.readFileSync(archive);
  if (opts.bundle) fs.writeFileSync(`${archive}.sigstore.json`, JSON.stringify(bundleJsonOf(sigstore.signBlob(bytes, { identity: opts.bundle.identity, issuer: ISSUER }), bytes)));
  if (opts.sigCert) {
    const blob = sigstore.signBlob(bytes, { identity: IDENTITY, issuer: ISSUER });
    fs.writeFileSync(`${archive}.sig`, blob.sig);
    fs.writeFileSync(`${archive}.cert`, blob.cert);
  }
  // The whole chart, so the folder is what the archive holds (not "out of date").
  execFileSync('tar', ['xzf', archive, '-C', workspace]);
  return { workspace, archive, chartYaml: path.join(workspace, 'devapp', 'Chart.yaml') };
}

/** `helm-prov verify` on the archive, with the identity flags when the editor trusts the signer. */
async function cli(archive: string, sigstoreSettings: SigstoreSettings): Promise<{ status: number; json: Record<string, unknown> }> {
  let out = '';
  const io = { out: (s: string) => { out += s + '\n'; }, err: (s: string) => { out += s + '\n'; }, stdin: () => '' };
  const identity = sigstoreSettings.trustedIdentities.length ? ['--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER] : [];
  const status = await main(['verify', archive, '--keyring', keyring, '--trusted-root', rootFile, ...identity, '--json'], io);
  return { status, json: JSON.parse(out.split('\n').find((l) => l.startsWith('{'))!) };
}

/** The chart's first status with its cosign line (or, with no cosign signature, its first status), and its lens titles. */
async function chartState(files: ReturnType<typeof chartCase>, sigstoreSettings: SigstoreSettings): Promise<{ status: StatusParams; titles: string[]; cli: Awaited<ReturnType<typeof cli>> }> {
  const session = await LspSession.start({ workspace: files.workspace, settings: { keyrings: [keyring], sigstore: sigstoreSettings } });
  try {
    const uri = await session.open(files.chartYaml, 'yaml');
    const status = await session.waitForStatus('the chart checked', (s) => s.scope === 'chart' && s.uri === uri && s.state !== 'checking');
    const titles = (await session.codeLens(uri)).map((l) => l.command?.title ?? '');
    const byCli = await cli(files.archive, sigstoreSettings);
    assert.equal(byCli.status === 0, status.state === 'verified', `the CLI (exit ${byCli.status}) and the editor (${status.state}) agree`);
    return { status, titles, cli: byCli };
  } finally {
    await session.stop();
  }
}

describe('a chart\'s verdict with cosign signatures over LSP, the same as helm-prov verify', () => {
  test('cosign only, a trusted signer: verified (Sigstore), never Unsigned', async () => {
    const { status, titles } = await chartState(chartCase({ bundle: { identity: IDENTITY } }), trusted);
    assert.deepEqual([status.state, status.severity, status.code, status.summary], ['verified', 'ok', 'verified', 'Verified (Sigstore)']);
    assert.match(status.message, /^Verified with Sigstore: devapp-1\.2\.3\.tgz\.sigstore\.json signed by release@example\.com \(issuer https:\/\/issuer\.test\), logged 2025-03-01T12:01:00\.000Z\.$/);
    assert.deepEqual(titles, ['✓ Verified (Sigstore)', 'cosign ✓ release@example.com (https://issuer.test) · logged 2025-03-01']);
  });

  test('cosign only, no trusted signer: identity-required (warning, the lens says how to name a signer), neither verified nor unsigned', async () => {
    const files = chartCase({ bundle: { identity: IDENTITY } });
    const { status, titles, cli: byCli } = await chartState(files, untrusted);
    assert.deepEqual([status.state, status.severity, status.code, status.summary], ['rejected', 'warning', 'identity-required', 'Identity required']);
    assert.match(status.message, /^devapp-1\.2\.3\.tgz\.sigstore\.json: .*nothing was checked\. It claims identity "release@example\.com", issuer "https:\/\/issuer\.test"\..*helmProvenance\.sigstore\.trustedIdentities/);
    assert.equal(titles[0], '⚠ Sigstore: Identity required — click to name the signer you expect');
    assert.ok(!titles.some((t) => /Unsigned|Sign Chart/.test(t)), titles.join(' | '));
    assert.equal((byCli.json.sigstore as { code: string }[])[0].code, 'identity-required');
    // The badge's action and the Verify notification's button: the client's Verify Sigstore Signature on the archive, which asks whom to trust.
    assert.deepEqual(status.fixes, [{ title: 'Trust a Sigstore signer', command: CLIENT_COMMANDS.verifySigstoreSignature, arguments: [status.archive], code: 'identity-required' }]);
    assert.equal(status.archive, uriOf(files.archive));
  });

  test('a .prov that verifies and a cosign signature by someone else: identity-mismatch decides, the .prov said to verify', async () => {
    const { status, titles, cli: byCli } = await chartState(chartCase({ prov: 'good', bundle: { identity: 'someone@else.test' } }), trusted);
    assert.deepEqual([status.state, status.severity, status.code], ['rejected', 'error', 'identity-mismatch']);
    assert.match(status.message, /^The \.prov verifies, but the Sigstore signature does not: devapp-1\.2\.3\.tgz\.sigstore\.json: /);
    assert.equal(titles[0], '✗ Sigstore: Identity mismatch — signed by an identity you do not trust; click to name the signer you expect');
    assert.deepEqual(status.fixes?.map((f) => [f.title, f.code]), [['Trust a Sigstore signer', 'identity-mismatch']]);
    assert.equal(byCli.json.overall, 'rejected');
  });

  test('a .prov that fails and a cosign signature that verifies: the .prov\'s code decides, as in the CLI', async () => {
    const { status, titles, cli: byCli } = await chartState(chartCase({ prov: 'tampered', bundle: { identity: IDENTITY } }), trusted);
    assert.equal(status.state, 'rejected');
    assert.equal(status.code, byCli.json.code, 'the OpenPGP code, in both');
    assert.notEqual(status.code, 'verified');
    assert.match(titles[0], /^✗ /);
    assert.ok(titles.includes('cosign ✓ release@example.com (https://issuer.test) · logged 2025-03-01'), titles.join(' | '));
  });

  test('.sig + .cert alone (no log entry): no-trusted-time, not verified', async () => {
    const { status, titles } = await chartState(chartCase({ sigCert: true }), trusted);
    assert.deepEqual([status.state, status.code, status.summary], ['rejected', 'no-trusted-time', 'No trusted time']);
    assert.equal(titles[0], '✗ Sigstore: No trusted time — no log entry says when it was signed');
    assert.match(status.message, /Nothing beside devapp-1\.2\.3\.tgz holds that entry: give it with helm-prov verify-blob devapp-1\.2\.3\.tgz --signature devapp-1\.2\.3\.tgz\.sig --certificate devapp-1\.2\.3\.tgz\.cert --rekor-entry entry\.json, or have it signed with cosign sign-blob --bundle devapp-1\.2\.3\.tgz\.sigstore\.json/);
  });

  test('cosign only, the archive changed after signing (as the UI test tampers with it): digest-mismatch (not the one that was signed), not out of date', async () => {
    const files = chartCase({ bundle: { identity: IDENTITY } });
    const bytes = fs.readFileSync(files.archive);
    bytes[bytes.length - 1] ^= 0xff;
    fs.writeFileSync(files.archive, bytes);
    const { status, titles } = await chartState(files, trusted);
    assert.deepEqual([status.state, status.code], ['rejected', 'digest-mismatch']);
    assert.deepEqual(titles, ['✗ Sigstore: Digest mismatch — the archive is not the one that was signed', 'cosign ✗ digest-mismatch (devapp-1.2.3.tgz.sigstore.json)']);
  });

  test('cosign only and verified, the folder changed since packaging: out of date, as a verified .prov is', async () => {
    const files = chartCase({ bundle: { identity: IDENTITY } });
    fs.appendFileSync(path.join(files.workspace, 'devapp', 'values.yaml'), '\nadded: true\n');
    const session = await LspSession.start({ workspace: files.workspace, settings: { keyrings: [keyring], sigstore: trusted } });
    try {
      const uri = await session.open(files.chartYaml, 'yaml');
      const status = await session.waitForStatus('out of date', (s) => s.scope === 'chart' && s.uri === uri && s.code === 'archive-differs-from-source');
      assert.match(status.message, /values\.yaml.*Its signature holds for the archive as it is, not for the chart folder\./);
    } finally {
      await session.stop();
    }
  });

  test('naming a trusted signer in the settings turns identity-required into verified', async () => {
    const files = chartCase({ bundle: { identity: IDENTITY } });
    const session = await LspSession.start({ workspace: files.workspace, settings: { keyrings: [keyring], sigstore: untrusted } });
    try {
      const uri = await session.open(files.chartYaml, 'yaml');
      await session.waitForStatus('identity-required', (s) => s.scope === 'chart' && s.uri === uri && s.code === 'identity-required');
      const seen = session.statuses.length;
      session.settings = { ...session.settings, sigstore: trusted };
      await session.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
      const status = await session.waitForStatus('verified', (s) => s.scope === 'chart' && s.uri === uri && s.state !== 'checking', seen);
      assert.equal(status.summary, 'Verified (Sigstore)');
    } finally {
      await session.stop();
    }
  });
});
