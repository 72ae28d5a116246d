// Deeply nested JSON (README-style case: a registry, a keyserver, a bundle or a file answers with a
// million `[`). JSON.parse reads it without recursion, but the code that then quotes a value —
// String() of an array, JSON.stringify — recursed through it and overflowed the stack: a manifest's
// `schemaVersion`, a bundle's `mediaType`, a cosign payload's `critical.type`, a DSSE statement's
// `predicateType` in a hover. Every JSON reader of registry, Sigstore and credential input now parses
// through parseUntrustedJson (nesting bounded at MAX_JSON_DEPTH first), so each answers with its code.
// Expected: `manifest-invalid`, `bundle-malformed`, `registry-credentials-failed`, a hover line, no throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseImageManifest, parseChartManifest } from '../../server/src/oci/manifest';
import { checkPayload } from '../../server/src/oci/cosignSignatures';
import { chooseCredentials, parseHelperAnswer } from '../../server/src/oci/credentials';
import { tokenFromReply } from '../../server/src/oci/challenge';
import { parseBundle } from '../../server/src/sigstore/bundle';
import { parseTrustedRoot } from '../../server/src/sigstore/trustedRoot';
import { parseRekorEntryFile } from '../../server/src/sigstore/cosignFiles';
import { rootFacts } from '../../server/src/sigstore/tufCache';
import { dsseLines } from '../../server/src/lsp/sigstoreHover';
import { parseJsonTree } from '../../server/src/lsp/jsonTree';
import { jsonDepth, MAX_JSON_DEPTH, parseUntrustedJson } from '../../server/src/provenance/untrustedJson';

const LEVELS = 1_000_000;
const deep = (open = '[', close = ']') => open.repeat(LEVELS) + close.repeat(LEVELS);
const bytes = (text: string) => Buffer.from(text);
const DIGEST = `sha256:${'0'.repeat(64)}`;

test('jsonDepth counts brackets outside strings only, escapes included', () => {
  assert.equal(jsonDepth('{"a":[1,{"b":"[[[\\"[["}]}'), 3);
  assert.equal(jsonDepth('"\\\\"[]'), 1);
  assert.throws(() => parseUntrustedJson(`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`), SyntaxError);
  assert.deepEqual(parseUntrustedJson(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`) !== undefined, true);
});

test('an OCI manifest whose schemaVersion nests a million levels is manifest-invalid', () => {
  const r = parseImageManifest(bytes(`{"schemaVersion":${deep()}}`));
  assert.equal(!r.ok && r.error.code, 'manifest-invalid');
  const c = parseChartManifest(bytes(`{"schemaVersion":2,"config":${deep('{"a":', '}')}}`));
  assert.equal(!c.ok && c.error.code, 'manifest-invalid');
});

test("a Sigstore bundle whose mediaType nests a million levels is bundle-malformed", () => {
  const r = parseBundle(bytes(`{"mediaType":${deep()}}`));
  assert.equal(!r.ok && r.error.code, 'bundle-malformed');
});

test("a trusted root, a Rekor entry and TUF root metadata nesting a million levels are refused", () => {
  const root = parseTrustedRoot(bytes(`{"mediaType":${deep()}}`), 'root.json');
  assert.equal(root.ok, false);
  const entry = parseRekorEntryFile(bytes(`{"body":${deep()}}`), 'x.rekor.json');
  assert.equal(entry.ok, false);
  assert.equal(rootFacts(bytes(`{"signed":${deep()}}`)), undefined);
});

test("a cosign simple-signing payload whose critical.type nests a million levels is bundle-malformed", () => {
  const r = checkPayload(bytes(`{"critical":{"type":${deep()}}}`), DIGEST);
  assert.equal(!r.ok && r.error.code, 'bundle-malformed');
});

test('Docker/Helm config.json and a credential helper answer nesting a million levels are registry-credentials-failed', () => {
  const r = chooseCredentials([{ path: '/home/u/.docker/config.json', bytes: bytes(`{"auths":${deep('{"a":', '}')}}`) }], 'quay.io');
  assert.equal(!r.ok && r.error.code, 'registry-credentials-failed');
  const h = parseHelperAnswer(bytes(`{"Username":${deep()}}`), 'pass');
  assert.equal(!h.ok && h.error.code, 'registry-credentials-failed');
  assert.equal(tokenFromReply(bytes(`{"token":${deep()}}`)), undefined);
});

test("the hover of a DSSE envelope whose statement's predicateType nests a million levels says it is no statement", () => {
  const payload = Buffer.from(`{"subject":[],"predicateType":${deep()}}`).toString('base64');
  const tree = parseJsonTree(JSON.stringify({ payloadType: 'application/vnd.in-toto+json', payload }));
  assert.ok(tree.ok);
  const lines = dsseLines(tree.root);
  assert.match(lines.join('\n'), /not an in-toto statement/);
});
