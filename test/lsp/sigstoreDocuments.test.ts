// Sigstore files in the language server, over real JSON-RPC: a bundle's diagnostics at the exact JSON
// range they are about (syntax, schema, then verification against the artifact beside it with the
// configured signers), hovers on its certificate, log entry and DSSE statement, its outline; `.sig` and
// `.cert` decoded on hover; a trusted_root.json's expired and not-yet-valid keys. Signatures are real:
// made in setup by the test Sigstore instance (test/support/sigstorePki.ts).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DidChangeConfigurationNotification, type Diagnostic, type Hover, type Range } from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { WorkspaceTrustedNotification, type SigstoreSettings } from '../../server/src/lsp/protocol';
import { bundleJsonOf, TestSigstore } from '../support/sigstorePki';
import { fixtures, tempDir } from '../support/tools';
import { LspSession, messageOf } from './lspSession';

const sigstore = new TestSigstore();
const dir = tempDir('lsp-sigstore-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const rootFile = path.join(dir, 'trusted_root.json');
fs.writeFileSync(rootFile, JSON.stringify(sigstore.trustedRootJson(), null, 2));
const ISSUER = 'https://issuer.test';
const IDENTITY = 'release@example.com';
const trusted: SigstoreSettings = { trustedIdentities: [{ identity: IDENTITY, issuer: ISSUER }], trustedRoot: rootFile, tufMirror: '' };

/** `name` and its bundle `name.sigstore.json` (pretty-printed, as cosign writes it), signed over `signedBytes`. */
function bundleBeside(name: string, signedBytes?: Buffer, identity = IDENTITY) {
  const artifact = path.join(dir, name);
  const bytes = Buffer.from(`chart archive ${name}\n`);
  fs.writeFileSync(artifact, bytes);
  const blob = sigstore.signBlob(signedBytes ?? bytes, { identity, issuer: ISSUER });
  const text = JSON.stringify(bundleJsonOf(blob, signedBytes ?? bytes), null, 2);
  const file = `${artifact}.sigstore.json`;
  fs.writeFileSync(file, text);
  return { file, text, blob };
}

/** The range of the JSON value that follows `"key": ` at its `nth` occurrence. */
function valueRange(text: string, key: string, nth = 0): Range {
  let at = -1;
  for (let i = 0; i <= nth; i++) at = text.indexOf(`"${key}": `, at + 1);
  assert.ok(at >= 0, key);
  const start = at + key.length + 4;
  const end = text[start] === '"' ? text.indexOf('"', start + 1) + 1 : text[start] === '[' || text[start] === '{' ? matching(text, start) : /[,\n}]/.exec(text.slice(start))!.index + start;
  const doc = TextDocument.create('file:///x', 'json', 1, text);
  return { start: doc.positionAt(start), end: doc.positionAt(end) };
}
function matching(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '[' || text[i] === '{') depth++;
    if (text[i] === ']' || text[i] === '}') { depth--; if (depth === 0) return i + 1; }
  }
  throw new Error('unbalanced');
}
/** The leaf certificate: the first object in `certificates`. */
function leafRange(text: string): Range {
  const list = text.indexOf('"certificates": [');
  const start = text.indexOf('{', list);
  const doc = TextDocument.create('file:///x', 'json', 1, text);
  return { start: doc.positionAt(start), end: doc.positionAt(matching(text, start)) };
}
/** The hover's Markdown with its escapes removed (every untrusted character is backslash-escaped). */
const hoverText = (h: Hover | null) => (h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value.replace(/\\(.)/g, '$1') : '');
const codes = (ds: Diagnostic[]) => ds.map((d) => String(d.code));

describe('Sigstore documents over LSP', () => {
  test('a bundle beside its artifact, with a trusted identity configured: verified; another artifact: digest-mismatch on the digest', async () => {
    const session = await LspSession.start({ settings: { sigstore: trusted } });
    try {
      const good = bundleBeside('good.tgz');
      const uri = await session.open(good.file, 'json');
      const ds = await session.waitForDiagnostics(uri, { version: 1 });
      assert.deepEqual(codes(ds), ['verified'], ds.map(messageOf).join('\n'));
      assert.match(messageOf(ds[0]), /signed by identity "release@example\.com", issuer "https:\/\/issuer\.test"; log index \d+, integrated 2025-03-01T12:01:00\.000Z/);
      assert.deepEqual(ds[0].range, valueRange(good.text, 'mediaType'));
      assert.equal(ds[0].severity, 3);

      const other = bundleBeside('other.tgz', Buffer.from('the archive that was signed'));
      const otherUri = await session.open(other.file, 'json');
      const bad = await session.waitForDiagnostics(otherUri, { version: 1 });
      assert.deepEqual(codes(bad), ['digest-mismatch']);
      assert.deepEqual(bad[0].range, valueRange(other.text, 'digest'), 'on messageSignature.messageDigest.digest');
      assert.equal(bad[0].severity, 1);
    } finally {
      await session.stop();
    }
  });

  test('a verdict is never reused for other inputs: an artifact replaced on disk, or another trusted root, is checked again', async () => {
    const rootCopy = path.join(dir, 'root-copy', 'trusted_root.json');
    fs.mkdirSync(path.dirname(rootCopy));
    fs.copyFileSync(rootFile, rootCopy);
    const session = await LspSession.start({ settings: { sigstore: { ...trusted, trustedRoot: rootCopy } } });
    try {
      const b = bundleBeside('replaced.tgz');
      const reopen = async () => {
        const uri = await session.open(b.file, 'json');
        const ds = await session.waitForDiagnostics(uri, { version: 1 });
        await session.close(uri);
        return codes(ds);
      };
      assert.deepEqual(await reopen(), ['verified']);
      assert.deepEqual(await reopen(), ['verified'], 'unchanged: the same verdict');
      fs.writeFileSync(b.file.replace(/\.sigstore\.json$/, ''), 'another archive in its place');
      assert.deepEqual(await reopen(), ['digest-mismatch']);
      fs.writeFileSync(b.file.replace(/\.sigstore\.json$/, ''), `chart archive replaced.tgz\n`);
      assert.deepEqual(await reopen(), ['verified']);
      fs.writeFileSync(rootCopy, JSON.stringify(new TestSigstore().trustedRootJson()));
      assert.deepEqual(await reopen(), ['certificate-invalid'], 'a root that does not trust this CA');
    } finally {
      await session.stop();
    }
  });

  test('a trusted root configured inside an untrusted workspace is refused, with a message, until the workspace is trusted', async () => {
    const repo = tempDir('lsp-sigstore-untrusted-');
    try {
      const inside = path.join(repo, 'trusted_root.json');
      fs.copyFileSync(rootFile, inside);
      const artifact = path.join(repo, 'x.tgz');
      const bytes = Buffer.from('an archive in the repository');
      fs.writeFileSync(artifact, bytes);
      fs.writeFileSync(`${artifact}.sigstore.json`, JSON.stringify(bundleJsonOf(sigstore.signBlob(bytes, { identity: IDENTITY, issuer: ISSUER }), bytes)));
      const session = await LspSession.start({ workspace: repo, initializationOptions: { workspaceTrusted: false }, settings: { sigstore: { ...trusted, trustedRoot: inside } } });
      try {
        const uri = await session.open(`${artifact}.sigstore.json`, 'json');
        const ds = await session.waitForDiagnostics(uri, { version: 1 });
        assert.deepEqual(codes(ds), ['trusted-root-invalid']);
        assert.match(messageOf(ds[0]), /helmProvenance\.sigstore\.trustedRoot: .* is not used: .*not trusted \(Restricted Mode\)/);
        await session.waitFor('the refusal', () => session.messages.find((m) => m.includes('helmProvenance.sigstore.trustedRoot')));
        const published = session.diagnostics.get(uri)!.length;
        await session.connection.sendNotification(WorkspaceTrustedNotification.type, {});
        assert.deepEqual(codes(await session.waitForDiagnostics(uri, { after: published })), ['verified']);
      } finally {
        await session.stop();
      }
    } finally {
      fs.rmSync(repo, { recursive: true, force: true });
    }
  });

  test('no trusted identity: identity-required (information) on the certificate, naming the setting; the setting added re-verifies it', async () => {
    const session = await LspSession.start({ settings: { sigstore: { ...trusted, trustedIdentities: [] } } });
    try {
      const b = bundleBeside('untrusted.tgz');
      const uri = await session.open(b.file, 'json');
      const ds = await session.waitForDiagnostics(uri, { version: 1 });
      assert.deepEqual(codes(ds), ['identity-required']);
      assert.equal(ds[0].severity, 3);
      assert.deepEqual(ds[0].range, leafRange(b.text));
      assert.match(messageOf(ds[0]), /nothing was checked.*helmProvenance\.sigstore\.trustedIdentities/);
      const published = session.diagnostics.get(uri)!.length;
      session.settings = { sigstore: trusted };
      await session.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
      assert.deepEqual(codes(await session.waitForDiagnostics(uri, { after: published })), ['verified']);
    } finally {
      await session.stop();
    }
  });

  test('another signer than the configured one is identity-mismatch on the certificate; a whole-value regexp does not stretch', async () => {
    const session = await LspSession.start({ settings: { sigstore: { ...trusted, trustedIdentities: [{ identityRegexp: '.*@example.com', issuer: ISSUER }] } } });
    try {
      const b = bundleBeside('evil.tgz', undefined, 'evil@example.com.attacker.net');
      const uri = await session.open(b.file, 'json');
      const ds = await session.waitForDiagnostics(uri, { version: 1 });
      assert.deepEqual(codes(ds), ['identity-mismatch']);
      assert.deepEqual(ds[0].range, leafRange(b.text));
    } finally {
      await session.stop();
    }
  });

  test('schema and syntax problems sit on the value they are about: a negative log index, a broken base64 signature, text that is not JSON', async () => {
    const session = await LspSession.start({ settings: { sigstore: trusted } });
    try {
      const b = bundleBeside('schema.tgz');
      const uri = await session.open(b.file, 'json');
      await session.waitForDiagnostics(uri, { version: 1 });
      const negative = b.text.replace(/"logIndex": "\d+"/, '"logIndex": "-1"');
      let version = await session.change(uri, negative);
      let ds = await session.waitForDiagnostics(uri, { version });
      assert.deepEqual(codes(ds), ['bundle-malformed']);
      assert.deepEqual(ds[0].range, valueRange(negative, 'logIndex'));
      const badSig = b.text.replace(/"signature": "([^"]+)"/, '"signature": "$1!"');
      version = await session.change(uri, badSig);
      ds = await session.waitForDiagnostics(uri, { version });
      assert.deepEqual(ds[0].range, valueRange(badSig, 'signature'));
      version = await session.change(uri, '{\n  "mediaType": "x",\n  oops\n}');
      ds = await session.waitForDiagnostics(uri, { version });
      assert.deepEqual(codes(ds), ['bundle-malformed']);
      assert.deepEqual(ds[0].range.start, { line: 2, character: 2 });
      version = await session.change(uri, '['.repeat(100_000));
      ds = await session.waitForDiagnostics(uri, { version });
      assert.match(messageOf(ds[0]), /nested deeper than 64/, 'deep nesting is an error value, not a crash');
    } finally {
      await session.stop();
    }
  });

  test('hover: the certificate (SAN, issuer, validity, chain to the trusted root), the log entry (index, date, log) and the outline', async () => {
    const session = await LspSession.start({ settings: { sigstore: trusted } });
    try {
      const b = bundleBeside('hover.tgz');
      const uri = await session.open(b.file, 'json');
      await session.waitForDiagnostics(uri, { version: 1 });
      const cert = hoverText(await session.hover(uri, valueRange(b.text, 'rawBytes').start));
      assert.match(cert, /Identity \(SAN\): release@example\.com/);
      assert.match(cert, /OIDC issuer: https:\/\/issuer\.test/);
      assert.match(cert, /Valid: 2025-03-01T12:00:00\.000Z to 2025-03-01T12:10:00\.000Z/);
      assert.match(cert, /Chain: \(leaf\) → O=helm-provenance test \+ CN=test-fulcio-root \(a CA of the trusted root .*trusted_root\.json\)/);
      const tlog = hoverText(await session.hover(uri, valueRange(b.text, 'integratedTime').start));
      assert.match(tlog, new RegExp(`Log index: \`${b.blob.logIndex}\``));
      assert.match(tlog, /Integrated: 2025-03-01T12:01:00\.000Z/);
      assert.match(tlog, /Log: https:\/\/rekor\.test/);
      const outline = await session.symbols(uri);
      assert.deepEqual(outline.map((s) => s.name), ['mediaType', 'verificationMaterial', 'messageSignature']);
      assert.deepEqual(outline[1].children!.map((s) => s.name), ['certificate 1', `log entry ${b.blob.logIndex}`]);
    } finally {
      await session.stop();
    }
  });

  test('hover on a DSSE bundle: the in-toto subjects and predicate type', async () => {
    const session = await LspSession.start({ settings: { sigstore: trusted } });
    try {
      const file = path.join(fixtures, 'sigstore-conformance', 'test', 'assets', 'bundle-verify', 'happy-path-intoto-in-dsse-v3', 'bundle.sigstore.json');
      const text = fs.readFileSync(file, 'utf8');
      const uri = await session.open(file, 'json', text);
      const h = hoverText(await session.hover(uri, TextDocument.create(uri, 'json', 1, text).positionAt(text.indexOf('"payloadType"') + 2)));
      assert.match(h, /DSSE envelope/);
      assert.match(h, /Predicate type: /);
      assert.match(h, /Subjects \(1\)/);
      assert.match(h, /a\.txt sha256:`[0-9a-f]{64}`/);
    } finally {
      await session.stop();
    }
  });

  test('.sig and .cert files: hover decodes them', async () => {
    const session = await LspSession.start({ settings: { sigstore: trusted } });
    try {
      const blob = sigstore.signBlob(Buffer.from('kubectl'), { identity: IDENTITY, issuer: ISSUER });
      const sig = path.join(dir, 'kubectl.sig');
      const cert = path.join(dir, 'kubectl.cert');
      fs.writeFileSync(sig, blob.sig);
      fs.writeFileSync(cert, blob.cert);
      const sigText = hoverText(await session.hover(await session.open(sig, 'plaintext'), { line: 0, character: 1 }));
      assert.match(sigText, new RegExp(`Length: ${Buffer.from(blob.sig, 'base64').length} bytes`));
      assert.match(sigText, /ECDSA \(DER-encoded r, s\)/);
      const certText = hoverText(await session.hover(await session.open(cert, 'plaintext'), { line: 0, character: 1 }));
      assert.match(certText, /Identity \(SAN\): release@example\.com/);
      assert.match(certText, /Valid: 2025-03-01T12:00:00\.000Z to 2025-03-01T12:10:00\.000Z/);
      const gpgSig = path.join(dir, 'gpg-style.tgz.sig');
      fs.writeFileSync(gpgSig, '-----BEGIN PGP SIGNATURE-----\n\niQEz\n-----END PGP SIGNATURE-----\n');
      const ds = await session.waitForDiagnostics(await session.open(gpgSig, 'plaintext'), { version: 1 });
      assert.deepEqual(codes(ds), ['bundle-malformed']);
      assert.equal(ds[0].severity, 3, 'information: a .sig may be another tool\'s');
    } finally {
      await session.stop();
    }
  });

  test('trusted_root.json: an expired key is information, a key not valid yet a warning, each on its date', async () => {
    const session = await LspSession.start({ settings: { sigstore: trusted } });
    try {
      const json = sigstore.trustedRootJson() as { tlogs: Array<{ publicKey: { validFor: Record<string, string> } }>; ctlogs: Array<{ publicKey: { validFor: Record<string, string> } }> };
      json.tlogs[0].publicKey.validFor.end = '2024-06-01T00:00:00Z';
      json.ctlogs[0].publicKey.validFor.start = '2999-01-01T00:00:00Z';
      const file = path.join(dir, 'edited', 'trusted_root.json');
      fs.mkdirSync(path.dirname(file));
      const text = JSON.stringify(json, null, 2);
      fs.writeFileSync(file, text);
      const uri = await session.open(file, 'json');
      const ds = await session.waitForDiagnostics(uri, { version: 1 });
      assert.deepEqual(codes(ds), ['trust-key-expired', 'trust-key-not-yet-valid']);
      assert.deepEqual(ds[0].range, valueRange(text, 'end'));
      assert.match(messageOf(ds[0]), /https:\/\/rekor\.test stopped being valid on 2024-06-01T00:00:00\.000Z/);
      assert.equal(ds[0].severity, 3);
      assert.deepEqual(ds[1].range, valueRange(text, 'start', 2), 'the CT log\'s start: tlogs, certificateAuthorities, then ctlogs');
      assert.equal(ds[1].severity, 2);
    } finally {
      await session.stop();
    }
  });
});
