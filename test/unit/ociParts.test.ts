// The pure parts of the registry client: references, the WWW-Authenticate challenge, where credentials
// come from, and Go's JSON as Helm writes it into a registry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOciReference, isLoopbackRegistry } from '../../server/src/oci/reference';
import { parseChallenge, tokenFromReply } from '../../server/src/oci/challenge';
import { chooseCredentials, parseHelperAnswer } from '../../server/src/oci/credentials';
import { goJsonString, goJsonStringMap } from '../../server/src/provenance/go/goJson';

test('references: Helm\'s + becomes _, digests pin, bad ones say why', () => {
  const r = parseOciReference('oci://localhost:5000/a/b-c/chart:1.0.0+build.1', true);
  assert.ok(r.ok);
  assert.deepEqual(r.value, { registry: 'localhost:5000', repository: 'a/b-c/chart', tag: '1.0.0_build.1' });
  const pinned = parseOciReference(`oci://reg.example/x@sha256:${'a'.repeat(64)}`, true);
  assert.ok(pinned.ok && pinned.value.digest === `sha256:${'a'.repeat(64)}` && pinned.value.tag === undefined);
  for (const bad of ['https://reg/x:1', 'oci://reg:1', 'oci://reg/UPPER:1', 'oci://reg/x', 'oci://reg/x@sha256:zz', 'oci://reg/x:a\nb', `oci://reg/${'a/'.repeat(2000)}x:1`]) {
    const p = parseOciReference(bad, true);
    assert.ok(!p.ok && p.error.code === 'reference-invalid', bad);
  }
  assert.ok(isLoopbackRegistry('127.0.0.1:5000') && isLoopbackRegistry('localhost') && isLoopbackRegistry('[::1]:80'));
  assert.ok(!isLoopbackRegistry('127.0.0.1.evil.example') && !isLoopbackRegistry('registry.example.com'));
});

test('challenges: Bearer with realm, service and scope; Bearer preferred to Basic; quoted commas', () => {
  assert.deepEqual(parseChallenge('Bearer realm="https://auth.example/token",service="reg.example",scope="repository:a/b:pull,push"'),
    { scheme: 'bearer', realm: 'https://auth.example/token', service: 'reg.example', scope: 'repository:a/b:pull,push' });
  assert.deepEqual(parseChallenge('Basic realm="x", Bearer realm="https://t"'), { scheme: 'bearer', realm: 'https://t' });
  assert.deepEqual(parseChallenge('Basic realm="Registry Realm"'), { scheme: 'basic' });
  assert.equal(parseChallenge(undefined), undefined);
  // A long header is scanned in linear time, never backtracked.
  assert.equal(parseChallenge('x='.repeat(100_000))?.scheme, 'other');
  assert.equal(tokenFromReply(Buffer.from('{"token":"abc"}')), 'abc');
  assert.equal(tokenFromReply(Buffer.from('{"access_token":"def"}')), 'def');
  assert.equal(tokenFromReply(Buffer.from('{"token":"a\\r\\nX-Injected: 1"}')), undefined);
});

test('credentials: credHelpers, then credsStore, then auths, per file in order; secrets never in messages', () => {
  const file = (path: string, o: unknown) => ({ path, bytes: Buffer.from(JSON.stringify(o)) });
  const auth = Buffer.from('u:p:with:colons').toString('base64');
  const helm = file('/h/registry/config.json', { auths: { 'reg.example': { auth } } });
  const docker = file('/d/config.json', { credHelpers: { 'reg.example': 'pass' }, credsStore: 'desktop' });
  assert.deepEqual(chooseCredentials([helm, docker], 'reg.example'), { ok: true, value: { kind: 'basic', credentials: { username: 'u', password: 'p:with:colons' }, source: '/h/registry/config.json' } });
  const helper = chooseCredentials([docker], 'reg.example');
  assert.ok(helper.ok && helper.value.kind === 'helper' && helper.value.helper === 'pass');
  const store = chooseCredentials([docker], 'other.example');
  assert.ok(store.ok && store.value.kind === 'helper' && store.value.helper === 'desktop');
  const keyed = chooseCredentials([file('/d', { auths: { 'https://reg.example/v1/': { username: 'a', password: 'b' } } })], 'reg.example');
  assert.ok(keyed.ok && keyed.value.kind === 'basic');
  assert.deepEqual(chooseCredentials([file('/d', { auths: {} })], 'reg.example'), { ok: true, value: { kind: 'none' } });
  const evil = chooseCredentials([file('/d', { credsStore: '../../bin/sh' })], 'reg.example');
  assert.ok(!evil.ok && evil.error.code === 'registry-credentials-failed');
  const broken = chooseCredentials([{ path: '/d', bytes: Buffer.from('{"auths": {"reg": {"auth": "c2VjcmV0"}') }], 'reg');
  assert.ok(!broken.ok && !broken.error.message.includes('c2VjcmV0'));
  assert.deepEqual(parseHelperAnswer(Buffer.from('{"ServerURL":"r","Username":"u","Secret":"s"}'), 'x'), { ok: true, value: { username: 'u', password: 's' } });
  const garbage = parseHelperAnswer(Buffer.from('secret-value'), 'x');
  assert.ok(!garbage.ok && !garbage.error.message.includes('secret-value'));
});

test("Go's JSON: HTML characters, U+2028/9 and controls escaped as encoding/json does; map keys sorted by bytes", () => {
  assert.equal(goJsonString('a<b>&c\u2028\u2029"\\\n\t\b\f\u0001é😀'), '"a\\u003cb\\u003e\\u0026c\\u2028\\u2029\\"\\\\\\n\\t\\b\\f\\u0001é😀"');
  assert.equal(goJsonStringMap({ b: '1', a: '2', B: '3', 'é': '4' }), '{"B":"3","a":"2","b":"1","é":"4"}');
});

test('index.yaml: relative URLs resolve against the repository, bombs are refused before or while parsing', async () => {
  const { findIndexEntry } = await import('../../server/src/oci/repoIndex');
  const index = Buffer.from(`apiVersion: v1\nentries:\n  web:\n    - version: 1.0.0+build\n      urls: [charts/web-1.0.0+build.tgz]\n      digest: ${'a'.repeat(64)}\n`);
  assert.deepEqual(findIndexEntry(index, 'https://repo.example/sub/', 'web', '1.0.0_build'),
    { ok: true, value: { url: 'https://repo.example/sub/charts/web-1.0.0+build.tgz', digest: 'a'.repeat(64) } });
  const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`), 'entries: {web: *i}'].join('\n');
  for (const bomb of [laughs, `entries: ${'['.repeat(500)}${']'.repeat(500)}`, `entries:\n${'  - a: b\n'.repeat(2_000_000)}`]) {
    const r = findIndexEntry(Buffer.from(bomb), 'https://r/', 'web', '1.0.0');
    assert.ok(!r.ok && r.error.code === 'repo-index-invalid', bomb.slice(0, 40));
    assert.doesNotMatch(r.error.message, /has no chart named/, 'refused for its size, not for a missing chart');
  }
  const noDigest = findIndexEntry(Buffer.from('entries:\n  web:\n    - version: 1.0.0\n      urls: [w.tgz]\n      digest: sha256:abc\n'), 'https://r/', 'web', '1.0.0');
  assert.ok(!noDigest.ok && /64 lowercase hex/.test(noDigest.error.message));
});

test("Chart.lock's digest: json.Marshal([2][]*Dependency{req, lock}) with nil lists as null", async () => {
  const { lockDigest } = await import('../../server/src/oci/dependencies');
  const { createHash } = await import('node:crypto');
  const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
  assert.equal(lockDigest(undefined, null), sha('[null,null]'));
  assert.equal(lockDigest([{ name: 'a', repository: 'oci://r/c', version: '~1.0', importValues: [{ child: 'x', parent: 'y' }] }], [{ name: 'a', repository: 'oci://r/c', version: '1.0.3' }]),
    sha('[[{"name":"a","version":"~1.0","repository":"oci://r/c","import-values":[{"child":"x","parent":"y"}]}],[{"name":"a","version":"1.0.3","repository":"oci://r/c"}]]'));
});

test("dependencies: @name and alias:name resolve through Helm's repositories.yaml; unknown names stay unresolved", async () => {
  const { parseRepositoryAliases } = await import('../../server/src/oci/repositoryAliases');
  const { planDependencies } = await import('../../server/src/oci/dependencies');
  // What `helm repo add` writes.
  const aliases = parseRepositoryAliases('apiVersion: ""\ngenerated: "2026-01-01T00:00:00Z"\nrepositories:\n- caFile: ""\n  name: stable\n  url: https://charts.example/stable\n  username: ""\n- name: odd\n  url: file:///etc\n');
  assert.deepEqual([...aliases], [['stable', 'https://charts.example/stable']]);
  const plans = planDependencies([
    { name: 'web', version: '1.2.3', repository: '@stable' },
    { name: 'db', version: '2.0.0', repository: 'alias:stable' },
    { name: 'x', version: '1.0.0', repository: '@odd' },
  ], undefined, aliases);
  assert.deepEqual(plans.map((p) => [p.kind, p.repository]), [['repo', 'https://charts.example/stable'], ['repo', 'https://charts.example/stable'], ['unresolved', '@odd']]);
  assert.equal(parseRepositoryAliases(`repositories: ${'['.repeat(500)}`).size, 0);
});
