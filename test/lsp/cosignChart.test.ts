// A chart whose archive has a cosign signature beside it, over real JSON-RPC: the CodeLens on Chart.yaml
// and the chart's status add the cosign line (verdict, signer, log date; or the code and what is
// missing), and `helmProvenance/verifySigstore` — what "Verify Sigstore Signature" asks — answers the
// verdict for any file, with the configured signers or one named for this check.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileChangeType } from 'vscode-languageserver-protocol/node';
import { VerifySigstoreRequest, type SigstoreSettings } from '../../server/src/lsp/protocol';
import { bundleJsonOf, TestSigstore } from '../support/sigstorePki';
import { signedCases, signedKeyrings, tempDir } from '../support/tools';
import { LspSession, uriOf } from './lspSession';

const sigstore = new TestSigstore();
const workspace = tempDir('lsp-cosign-');
after(() => fs.rmSync(workspace, { recursive: true, force: true }));
const rootFile = path.join(tempDir('lsp-cosign-root-'), 'trusted_root.json');
fs.writeFileSync(rootFile, JSON.stringify(sigstore.trustedRootJson()));
const ISSUER = 'https://issuer.test';
const IDENTITY = 'release@example.com';
const trusted: SigstoreSettings = { trustedIdentities: [{ identity: IDENTITY, issuer: ISSUER }], trustedRoot: rootFile, tufMirror: '' };
const keyrings = [path.join(signedKeyrings, 'pubring.gpg')];

// The devapp chart beside its signed archive (.prov) and a cosign bundle of the archive.
const archive = path.join(workspace, 'devapp-1.2.3.tgz');
fs.copyFileSync(path.join(signedCases, 'gpg-clearsigned', 'devapp-1.2.3.tgz'), archive);
fs.copyFileSync(path.join(signedCases, 'gpg-clearsigned', 'devapp-1.2.3.tgz.prov'), `${archive}.prov`);
// The whole chart: with only its Chart.yaml beside the archive, the archive-vs-folder comparison would
// (rightly) call the archive out of date, and the lens would say so once that check lands.
execFileSync('tar', ['xzf', archive, '-C', workspace]);
const chartYaml = path.join(workspace, 'devapp', 'Chart.yaml');
const blob = sigstore.signBlob(fs.readFileSync(archive), { identity: IDENTITY, issuer: ISSUER });
fs.writeFileSync(`${archive}.sigstore.json`, JSON.stringify(bundleJsonOf(blob, fs.readFileSync(archive))));

describe('the cosign line and Verify Sigstore Signature over LSP', () => {
  test('the CodeLens and the chart status carry the cosign verdict beside the OpenPGP one', async () => {
    const session = await LspSession.start({ workspace, settings: { keyrings, sigstore: trusted } });
    try {
      const uri = await session.open(chartYaml, 'yaml');
      const status = await session.waitForStatus('the chart verified', (s) => s.scope === 'chart' && s.uri === uri && s.state === 'verified');
      assert.equal(status.cosign, 'cosign ✓ release@example.com (https://issuer.test) · logged 2025-03-01');
      assert.equal(status.summary, 'Verified (OpenPGP + Sigstore)');
      assert.match(status.message, /Verified with Sigstore: devapp-1\.2\.3\.tgz\.sigstore\.json signed by release@example\.com \(issuer https:\/\/issuer\.test\), logged 2025-03-01T12:01:00\.000Z\.$/);
      const lenses = await session.codeLens(uri);
      const titles = lenses.map((l) => l.command?.title ?? '');
      assert.match(titles[0], /^✓ Signed by .* · verified \(OpenPGP \+ Sigstore\)$/);
      assert.ok(titles.includes('cosign ✓ release@example.com (https://issuer.test) · logged 2025-03-01'), titles.join(' | '));
      // Cut off in a narrow window, each lens keeps its whole text in its tooltip.
      assert.equal(lenses[0].command?.tooltip, status.message);
      assert.equal(lenses.at(-1)?.command?.tooltip, status.cosign);
    } finally {
      await session.stop();
    }
  });

  test('a bundle written beside the archive later shows up (watched files); a replaced archive re-checks its open bundle', async () => {
    const later = tempDir('lsp-cosign-later-');
    try {
      const laterArchive = path.join(later, 'devapp-1.2.3.tgz');
      fs.copyFileSync(archive, laterArchive);
      fs.copyFileSync(`${archive}.prov`, `${laterArchive}.prov`);
      execFileSync('tar', ['xzf', laterArchive, '-C', later]);
      const session = await LspSession.start({ workspace: later, settings: { keyrings, sigstore: trusted } });
      try {
        const uri = await session.open(path.join(later, 'devapp', 'Chart.yaml'), 'yaml');
        const first = await session.waitForStatus('the chart verified', (st) => st.scope === 'chart' && st.uri === uri && st.state === 'verified');
        assert.equal(first.cosign, undefined, 'no cosign signature yet');
        const seen = session.statuses.length;
        fs.copyFileSync(`${archive}.sigstore.json`, `${laterArchive}.sigstore.json`);
        await session.fileChanged(`${laterArchive}.sigstore.json`, FileChangeType.Created);
        const next = await session.waitForStatus('the cosign line', (st) => st.scope === 'chart' && st.uri === uri && st.cosign !== undefined, seen);
        assert.match(next.cosign!, /^cosign ✓ release@example\.com/);

        const bundleUri = await session.open(`${laterArchive}.sigstore.json`, 'json');
        assert.deepEqual((await session.waitForDiagnostics(bundleUri, { version: 1 })).map((d) => d.code), ['verified']);
        const published = session.diagnostics.get(bundleUri)!.length;
        fs.writeFileSync(laterArchive, 'replaced');
        await session.fileChanged(laterArchive);
        assert.deepEqual((await session.waitForDiagnostics(bundleUri, { after: published })).map((d) => d.code), ['digest-mismatch']);
      } finally {
        await session.stop();
      }
    } finally {
      fs.rmSync(later, { recursive: true, force: true });
    }
  });

  test('without a trusted signer the chart is identity-required, not verified though its .prov verifies, saying how to name a signer', async () => {
    const session = await LspSession.start({ workspace, settings: { keyrings, sigstore: { ...trusted, trustedIdentities: [] } } });
    try {
      const uri = await session.open(chartYaml, 'yaml');
      const status = await session.waitForStatus('the chart checked', (s) => s.scope === 'chart' && s.uri === uri && s.cosign !== undefined);
      assert.equal(status.cosign, 'cosign ⚠ identity-required (devapp-1.2.3.tgz.sigstore.json)');
      assert.deepEqual([status.state, status.severity, status.code, status.summary], ['rejected', 'warning', 'identity-required', 'Identity required']);
      assert.match(status.message, /^The \.prov verifies, but the Sigstore signature does not: devapp-1\.2\.3\.tgz\.sigstore\.json: .*nothing was checked.*the setting helmProvenance\.sigstore\.trustedIdentities/);
      const titles = (await session.codeLens(uri)).map((l) => l.command?.title ?? '');
      assert.deepEqual(titles, [
        '⚠ Sigstore: Identity required — click to name the signer you expect',
        'Open .prov',
        'cosign ⚠ identity-required (devapp-1.2.3.tgz.sigstore.json)',
      ]);
    } finally {
      await session.stop();
    }
  });

  test('verifySigstore: identity-required without a signer, verified with the one named for this check (identity and log time), for the archive or its bundle', async () => {
    const session = await LspSession.start({ settings: { keyrings, sigstore: { ...trusted, trustedIdentities: [] } } });
    try {
      const none = await session.connection.sendRequest(VerifySigstoreRequest.type, { uri: uriOf(archive) });
      assert.ok(none.ok);
      assert.deepEqual(none.signatures.map((s) => s.code), ['identity-required']);
      assert.deepEqual(none.signatures[0].signer, { identity: IDENTITY, issuer: ISSUER }, 'what it claims, for the prompt\'s hint');
      const named = await session.connection.sendRequest(VerifySigstoreRequest.type, { uri: uriOf(`${archive}.sigstore.json`), identity: { identity: IDENTITY, issuer: ISSUER } });
      assert.ok(named.ok);
      assert.equal(named.artifact, uriOf(archive));
      const [s] = named.signatures;
      assert.equal(s.verdict, 'verified', s.message);
      assert.deepEqual(s.tlog, { logIndex: String(blob.logIndex), integratedTime: '2025-03-01T12:01:00.000Z' });
      const wrong = await session.connection.sendRequest(VerifySigstoreRequest.type, { uri: uriOf(archive), identity: { identity: 'other@example.com', issuer: ISSUER } });
      assert.ok(wrong.ok);
      assert.equal(wrong.signatures[0].code, 'identity-mismatch');
      // Run from the chart's Chart.yaml (the open editor), it checks the chart's archive.
      const fromChart = await session.connection.sendRequest(VerifySigstoreRequest.type, { uri: uriOf(chartYaml), identity: { identity: IDENTITY, issuer: ISSUER } });
      assert.ok(fromChart.ok);
      assert.equal(fromChart.artifact, uriOf(archive));
      assert.deepEqual(fromChart.signatures.map((sig) => sig.verdict), ['verified']);
      const alone = path.join(workspace, 'alone.txt');
      fs.writeFileSync(alone, 'no signature here');
      const nothing = await session.connection.sendRequest(VerifySigstoreRequest.type, { uri: uriOf(alone) });
      assert.ok(nothing.ok);
      assert.deepEqual(nothing.signatures, []);
    } finally {
      await session.stop();
    }
  });
});
