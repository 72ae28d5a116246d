// The editor's reading of Sigstore files (server/src/lsp/jsonTree.ts and what stands on it): for any
// text — random JSON, the suite's bundles and a trusted root cut and spliced, deep nesting — the JSON
// reader accepts exactly what JSON.parse accepts (within its 64 levels) with the same values, and
// locating a position, hovers, outline and trusted-root diagnostics never throw.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { MAX_JSON_DEPTH, parseJsonTree, pathAt, type JsonNode } from '../../../server/src/lsp/jsonTree';
import { pathInMessage, trustedRootDiagnostics } from '../../../server/src/lsp/sigstoreDiagnostics';
import { bundleHoverLines } from '../../../server/src/lsp/sigstoreHover';
import { bundleSymbols, trustedRootSymbols } from '../../../server/src/lsp/sigstoreSymbols';
import { fixtures, repoRoot } from '../../support/tools';
import type { FuzzTarget } from './targets';

const CASES = path.join(fixtures, 'sigstore-conformance', 'test', 'assets', 'bundle-verify');
const SEEDS = [
  fs.readFileSync(path.join(CASES, 'happy-path-v0.3', 'bundle.sigstore.json'), 'utf8'),
  fs.readFileSync(path.join(CASES, 'happy-path-intoto-in-dsse-v3', 'bundle.sigstore.json'), 'utf8'),
  fs.readFileSync(path.join(repoRoot, 'server', 'src', 'sigstore', 'data', 'public-good.trusted_root.json'), 'utf8'),
];
const MESSAGES = ['tlogEntries[0].logIndex is "-1"', 'messageSignature.signature is not base64', 'certificate 3 cannot be read', 'dsseEnvelope.signatures[9].sig is not base64', 'mediaType'];

/** The tree's value as plain JSON, to compare with JSON.parse. */
function plain(node: JsonNode): unknown {
  if (node.type === 'object') {
    const out: Record<string, unknown> = {};
    for (const p of node.properties) Object.defineProperty(out, p.key, { value: plain(p.value), enumerable: true, configurable: true, writable: true });
    return out;
  }
  return node.type === 'array' ? node.items.map(plain) : node.value;
}

function depthOf(value: unknown): number {
  return value && typeof value === 'object' ? 1 + Math.max(0, ...Object.values(value).map(depthOf)) : 0;
}

const text = fc.oneof(
  fc.json({ maxDepth: 6 }),
  fc.string({ maxLength: 200 }),
  fc.tuple(fc.constantFrom(...SEEDS), fc.nat(), fc.nat(), fc.string({ maxLength: 20 })).map(([seed, a, b, insert]) => {
    const i = a % (seed.length + 1);
    const j = b % (seed.length + 1);
    return seed.slice(0, Math.min(i, j)) + insert + seed.slice(Math.max(i, j));
  }),
  fc.tuple(fc.constantFrom('[', '{"a":'), fc.integer({ min: 60, max: 5000 })).map(([open, n]) => open.repeat(n)),
);

export const sigstoreDocumentTarget: FuzzTarget = {
  name: 'Sigstore documents in the editor (JSON with offsets, hovers, outline, trusted-root diagnostics)',
  async property() {
    return fc.property(text, fc.nat(), (input, at) => {
      const tree = parseJsonTree(input);
      let reference: unknown;
      let valid = true;
      try { reference = JSON.parse(input); } catch { valid = false; }
      if (valid && depthOf(reference) <= MAX_JSON_DEPTH) {
        assert.ok(tree.ok, `JSON.parse accepts it, the tree reader does not: ${!tree.ok ? tree.message : ''}`);
        assert.deepEqual(plain(tree.root), reference);
      }
      if (!valid) assert.ok(!tree.ok, 'the tree reader accepts what JSON.parse refuses');
      if (!tree.ok) {
        assert.ok(tree.offset >= 0 && tree.offset <= input.length);
        return;
      }
      const doc = TextDocument.create('file:///x.sigstore.json', 'json', 1, input);
      const where = pathAt(tree.root, at % (input.length + 1));
      bundleHoverLines(tree.root, where);
      bundleSymbols(doc, tree.root);
      trustedRootSymbols(doc, tree.root);
      trustedRootDiagnostics(doc, tree.root, new Date(), 'https://x/');
      for (const m of MESSAGES) pathInMessage(m, tree.root);
    });
  },
};
