// `.prov` documents over a real LSP connection: every case of the signed corpus gives its code at the
// range the issue asks for, an unsaved edit of a digest breaks the signature, and hover, outline and
// links describe the document. Expected ranges are found in the file text here, not by the server's parser.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DiagnosticSeverity, type Diagnostic, type Range } from 'vscode-languageserver-protocol/node';
import { VerifyRequest } from '../../server/src/lsp/protocol';
import { signedCases, signedKeyrings, signedManifest } from '../support/tools';
import { LspSession, messageOf, uriOf } from './lspSession';

const keyring = path.join(signedKeyrings, 'pubring.gpg');
const DOCS = 'https://github.com/helm-provenance/helm-provenance/blob/main/docs/codes.md#';

/** Where things are in a .prov, read from its text. */
function layout(text: string) {
  const lines = text.split(/\r?\n/);
  const index = (re: RegExp) => lines.findIndex((l) => re.test(l));
  const entryLine = index(/^\s+\S+: sha\w*:/);
  const entry = entryLine >= 0 ? /^(\s+)(\S+): (\S+)/.exec(lines[entryLine])! : undefined;
  return {
    lines,
    sigBegin: index(/^-----BEGIN PGP SIGNATURE-----/),
    sigEnd: index(/^-----END PGP SIGNATURE-----/),
    versionLine: index(/^version: /),
    entryLine,
    name: entry ? { start: entry[1].length, end: entry[1].length + entry[2].length } : undefined,
    digest: entry ? { start: lines[entryLine].indexOf(entry[3]), end: lines[entryLine].indexOf(entry[3]) + entry[3].length } : undefined,
  };
}

function only(diagnostics: Diagnostic[], code: string): Diagnostic {
  const found = diagnostics.filter((d) => d.code === code);
  assert.equal(found.length, 1, `one ${code} diagnostic in ${JSON.stringify(diagnostics.map((d) => d.code))}`);
  return found[0];
}

function assertRange(actual: Range, startLine: number, startChar: number | undefined, endLine: number, endChar?: number): void {
  assert.equal(actual.start.line, startLine, `start line of ${JSON.stringify(actual)}`);
  if (startChar !== undefined) assert.equal(actual.start.character, startChar, `start character of ${JSON.stringify(actual)}`);
  assert.equal(actual.end.line, endLine, `end line of ${JSON.stringify(actual)}`);
  if (endChar !== undefined) assert.equal(actual.end.character, endChar, `end character of ${JSON.stringify(actual)}`);
}

const SIGNATURE_CODES = new Set(['signature-invalid', 'unknown-signer', 'key-expired', 'key-revoked', 'wrong-key-usage', 'weak-key', 'weak-hash']);

describe('.prov diagnostics over LSP', () => {
  let session: LspSession;
  before(async () => { session = await LspSession.start({ settings: { keyrings: [keyring] } }); });
  after(async () => { await session.stop(); });

  for (const c of signedManifest()) {
    const dir = path.join(signedCases, c.case);
    const prov = fs.readdirSync(dir).find((f) => f.endsWith('.prov'));
    if (!prov) {
      test(`${c.case}: no .prov, the verify request answers ${c.code}`, async () => {
        const archive = path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
        const answer = await session.connection.sendRequest(VerifyRequest.type, { uri: uriOf(archive) });
        assert.ok(answer.ok, JSON.stringify(answer));
        assert.equal(answer.status.code, c.code);
        assert.equal(answer.status.state, 'unsigned');
      });
      continue;
    }
    test(`${c.case}: ${c.code}`, async () => {
      const file = path.join(dir, prov);
      const text = fs.readFileSync(file, 'utf8');
      const at = layout(text);
      const uri = await session.open(file, 'helm-provenance', text);
      const diagnostics = await session.waitForDiagnostics(uri, { version: 1 });
      await session.close(uri);
      for (const d of diagnostics) {
        assert.equal(d.source, 'helm-provenance');
        assert.equal(d.codeDescription?.href, `${DOCS}${d.code}`);
        assert.ok(d.range.start.line >= 0 && d.range.end.line < at.lines.length, `range inside the file: ${JSON.stringify(d.range)}`);
      }
      const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
      if (c.verdict === 'verified') {
        assert.deepEqual(errors, [], 'no error on a verified document');
        // Success is no problem: no diagnostic says "verified" (the status, lens and hover do).
        assert.deepEqual(diagnostics.filter((d) => d.severity !== DiagnosticSeverity.Warning).map((d) => d.code), [], 'only warnings on a verified document');
        if (c.code === 'unsigned-content') {
          const warning = only(diagnostics, 'unsigned-content');
          assert.equal(warning.severity, DiagnosticSeverity.Warning);
          const unsignedLine = c.case === 'text-before-header' ? 0 : at.lines.findIndex((l, i) => i > at.sigEnd && l.trim() !== '');
          assert.equal(warning.range.start.line, unsignedLine);
        }
        return;
      }
      const primary = only(errors, c.code);
      if (c.code === 'hash-mismatch') {
        // On the digest token, with both digests in the message.
        assertRange(primary.range, at.entryLine, at.digest!.start, at.entryLine, at.digest!.end);
        const signed = at.lines[at.entryLine].slice(at.digest!.start + 'sha256:'.length, at.digest!.end);
        assert.match(messageOf(primary), new RegExp(signed));
        assert.match(messageOf(primary), /[0-9a-f]{64}.*[0-9a-f]{64}/);
      } else if (c.code === 'filename-mismatch') {
        assertRange(primary.range, at.entryLine, at.name!.start, at.entryLine, at.name!.end);
      } else if (c.code === 'metadata-mismatch') {
        assert.equal(primary.range.start.line, at.versionLine);
      } else if (SIGNATURE_CODES.has(c.code)) {
        assertRange(primary.range, at.sigBegin, 0, at.sigEnd);
        if (c.code === 'unknown-signer') assert.match(messageOf(primary), /[0-9A-F]{16}/, 'names the key');
      } else {
        assert.equal(c.code, 'malformed');
        // A lying "Hash:" header is reported on that header, where the edit is.
        if (c.case === 'hash-header-lies') assert.equal(primary.range.start.line, at.lines.findIndex((l) => l.startsWith('Hash:')));
      }
      assert.equal(errors.length, errors.filter((d) => d.code === c.code || d.code === 'malformed').length, 'errors are the case code (plus structural ones)');
    });
  }

  test('an unsaved edit of the digest in the buffer gives signature-invalid on the signature block', async () => {
    const file = path.join(signedCases, 'valid-rsa2048', 'devapp-1.2.3.tgz.prov');
    const text = fs.readFileSync(file, 'utf8');
    const at = layout(text);
    const uri = await session.open(file, 'helm-provenance', text);
    const first = await session.waitForDiagnostics(uri, { version: 1 });
    assert.deepEqual(first, [], 'verified: no diagnostics');
    const line = at.lines[at.entryLine];
    const last = line[at.digest!.end - 1];
    const edited = [...at.lines];
    edited[at.entryLine] = line.slice(0, at.digest!.end - 1) + (last === '0' ? '1' : '0') + line.slice(at.digest!.end);
    const version = await session.change(uri, edited.join('\n'));
    const diagnostics = await session.waitForDiagnostics(uri, { version });
    const invalid = only(diagnostics, 'signature-invalid');
    assert.equal(invalid.severity, DiagnosticSeverity.Error);
    assertRange(invalid.range, at.sigBegin, 0, at.sigEnd);
    assert.ok(!diagnostics.some((d) => d.code === 'verified'));
    assert.ok(fs.readFileSync(file, 'utf8') === text, 'the file on disk is untouched');
    await session.close(uri);
  });

  test('hover: signer on the signature, both digests on the digest, outline and link to the archive', async () => {
    const file = path.join(signedCases, 'valid-rsa2048', 'devapp-1.2.3.tgz.prov');
    const text = fs.readFileSync(file, 'utf8');
    const at = layout(text);
    const uri = await session.open(file, 'helm-provenance', text);
    await session.waitForDiagnostics(uri, { version: 1 });

    const onSignature = await session.hover(uri, { line: at.sigBegin + 2, character: 3 });
    const signatureText = (onSignature?.contents as { value: string }).value;
    assert.ok(signatureText.includes('`95E9 8777 AE4E A9D8 8D9E A555 3B25 5F9C BB15 0E24`'), signatureText);
    assert.ok(signatureText.includes('dev Rsa Signer \\<rsa2048\\@dev\\.example\\>'), `user id escaped for Markdown: ${signatureText}`);
    assert.match(signatureText, /verified/);
    assert.match(signatureText, /RSA 2048/);
    assert.equal(signatureText.split('dev Rsa Signer').length - 1, 1, `the signer is named once, the sentence not repeated: ${signatureText}`);
    assert.ok(signatureText.includes('`sha256:9bf7d7059795e1d403b6dcefb5e773c4d222be91aee5e0d7ab175f5bc2ec4da8` — matches'), signatureText);

    const onDigest = await session.hover(uri, { line: at.entryLine, character: at.digest!.start + 3 });
    const digestText = (onDigest?.contents as { value: string }).value;
    assert.match(digestText, /sha256:9bf7d7059795e1d403b6dcefb5e773c4d222be91aee5e0d7ab175f5bc2ec4da8.*\n\n.*sha256:9bf7d7059795e1d403b6dcefb5e773c4d222be91aee5e0d7ab175f5bc2ec4da8` — matches/s);

    const symbols = await session.symbols(uri);
    assert.deepEqual(symbols.map((s) => s.name), ['Chart metadata', 'files', 'Signature']);
    assert.equal(symbols[0].detail, 'devapp 1.2.3');
    assert.deepEqual(symbols[1].children?.map((s) => s.name), ['devapp-1.2.3.tgz']);

    const links = await session.links(uri);
    assert.equal(links.length, 1);
    assert.equal(links[0].target, uriOf(path.join(signedCases, 'valid-rsa2048', 'devapp-1.2.3.tgz')));
    assertRange(links[0].range, at.entryLine, at.name!.start, at.entryLine, at.name!.end);
    await session.close(uri);
  });

  test('hover on the digest of a tampered archive shows the archive\'s actual digest', async () => {
    const file = path.join(signedCases, 'tgz-replaced', 'devapp-1.2.3.tgz.prov');
    const text = fs.readFileSync(file, 'utf8');
    const at = layout(text);
    const uri = await session.open(file, 'helm-provenance', text);
    await session.waitForDiagnostics(uri, { version: 1 });
    const hover = await session.hover(uri, { line: at.entryLine, character: at.digest!.end - 1 });
    const value = (hover?.contents as { value: string }).value;
    const { createHash } = await import('node:crypto');
    const actual = createHash('sha256').update(fs.readFileSync(path.join(signedCases, 'tgz-replaced', 'devapp-1.2.3.tgz'))).digest('hex');
    assert.ok(value.includes(`sha256:${actual}\` — **does not match**`), value);
    await session.close(uri);
  });
});
