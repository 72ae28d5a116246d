// LSP requests with absurd positions and ranges on the new documents (README-style case): a client may
// send any numbers — line 1e9, character 2^31, negative, an end before its start — on a policy.json, a
// registries.d file, a Sigstore bundle, a `.sig` and a `.cert` of random bytes, a trusted_root.json and
// a bundle nesting 100 000 levels. Over a real JSON-RPC connection to the server: every request gets an
// answer (a result or an error response), the server stays up, and afterwards still answers a hover
// at a real position. Expected: `ok` (answers), no crash.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CodeActionRequest, CodeLensRequest, CompletionRequest, DocumentLinkRequest, DocumentSymbolRequest, HoverRequest, type Position, type Range } from 'vscode-languageserver-protocol/node';
import { fixtures, repoRoot, tempDir } from '../support/tools';
import { LspSession } from '../lsp/lspSession';

const BUNDLE = fs.readFileSync(path.join(fixtures, 'sigstore-conformance', 'test', 'assets', 'bundle-verify', 'happy-path-v0.3', 'bundle.sigstore.json'), 'utf8');
const ROOT = fs.readFileSync(path.join(repoRoot, 'server', 'src', 'sigstore', 'data', 'public-good.trusted_root.json'), 'utf8');

const ABSURD: Position[] = [
  { line: 1e9, character: 0 }, { line: 0, character: 2 ** 31 }, { line: -1, character: -1 }, { line: 2 ** 31 - 1, character: 2 ** 31 - 1 },
  { line: 0.5, character: 1.5 }, { line: Number.MAX_SAFE_INTEGER, character: 3 },
];
const RANGES: Range[] = [
  { start: { line: 5, character: 3 }, end: { line: 0, character: 0 } },
  { start: { line: -5, character: -1 }, end: { line: 1e9, character: 1e9 } },
  { start: { line: 1e9, character: 0 }, end: { line: 1e9, character: 1 } },
];

let session: LspSession;
const errors: string[] = [];
let workspace: string;
const docs: { file: string; languageId: string; text: string }[] = [];

before(async () => {
  workspace = tempDir('hostile-lsp-');
  const containers = path.join(workspace, 'etc', 'containers');
  fs.mkdirSync(path.join(containers, 'registries.d'), { recursive: true });
  const random = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 131 + 7) % 256));
  const add = (file: string, languageId: string, text: string | Buffer) => { fs.writeFileSync(file, text); docs.push({ file, languageId, text: Buffer.isBuffer(text) ? text.toString('latin1') : text }); };
  add(path.join(containers, 'policy.json'), 'json', '{"default":[{"type":"reject"}],"transports":{"docker":{"quay.io/org":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/dev/zero"}]}}}\n');
  add(path.join(containers, 'registries.d', 'quay.yaml'), 'yaml', 'docker:\n  quay.io/org:\n    lookaside: https://sigs.example.org\n');
  add(path.join(workspace, 'devapp-1.2.3.tgz.sigstore.json'), 'json', BUNDLE);
  add(path.join(workspace, 'deep-1.0.0.tgz.sigstore.json'), 'json', `{"mediaType":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
  add(path.join(workspace, 'devapp-1.2.3.tgz.sig'), 'plaintext', random);
  add(path.join(workspace, 'devapp-1.2.3.tgz.cert'), 'plaintext', Buffer.concat([Buffer.from('-----BEGIN CERTIFICATE-----\n'), random, Buffer.from('\n-----END CERTIFICATE-----\n')]));
  add(path.join(workspace, 'trusted_root.json'), 'json', ROOT);
  session = await LspSession.start({ workspace });
});
after(async () => {
  await session.stop();
  fs.rmSync(workspace, { recursive: true, force: true });
});

/** A request's answer: its result, or the error response's message. Never a dropped connection. */
async function answer(send: () => Promise<unknown>): Promise<unknown> {
  try { return await send(); } catch (e) { errors.push((e as Error).message); return { error: (e as Error).message }; }
}

test('every request with an absurd position or range is answered, and the server stays up', async () => {
  let answered = 0;
  for (const d of docs) {
    const uri = await session.open(d.file, d.languageId, d.text);
    const textDocument = { uri };
    for (const position of ABSURD) {
      for (const method of [HoverRequest.method, CompletionRequest.method]) {
        const got = await answer(() => session.connection.sendRequest(method, { textDocument, position }));
        assert.ok(!(got && typeof got === 'object' && 'error' in got && /disposed|closed|ended/i.test(String((got as { error: unknown }).error))), `${d.file}: the connection went away`);
        answered++;
      }
    }
    for (const range of RANGES) {
      await answer(() => session.connection.sendRequest(CodeActionRequest.type, { textDocument, range, context: { diagnostics: [{ range, message: 'x', code: 'policy-unknown-field' }] } }));
      answered++;
    }
    for (const method of [DocumentSymbolRequest.method, CodeLensRequest.method, DocumentLinkRequest.method]) {
      await answer(() => session.connection.sendRequest(method, { textDocument }));
      answered++;
    }
  }
  assert.deepEqual(errors, [], 'no handler threw');
  assert.equal(answered, docs.length * (ABSURD.length * 2 + RANGES.length + 3));
  // Still the same server, still answering: a hover on the bundle's mediaType.
  const bundle = docs.find((d) => d.file.endsWith('devapp-1.2.3.tgz.sigstore.json'))!;
  const line = bundle.text.split('\n').findIndex((l) => l.includes('mediaType'));
  const hover = await session.connection.sendRequest(HoverRequest.type, { textDocument: { uri: `file://${bundle.file}` }, position: { line, character: bundle.text.split('\n')[line].indexOf('mediaType') + 2 } });
  assert.ok(hover === null || typeof hover === 'object');
  assert.doesNotMatch(session.logs.join('\n'), /RangeError|Maximum call stack|TypeError: Cannot read/);
});
