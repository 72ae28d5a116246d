// policy.json and registries.d findings: each case of issue 16 with its code, severity and exact range,
// key files judged on the machine, and the Docker reference port (normalization, identity, namespaces).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lintPolicy } from '../../server/src/policy/policyLint';
import { parsePolicy } from '../../server/src/policy/policyParse';
import { refusedOnLoad, type PolicyProblem } from '../../server/src/policy/policyModel';
import { addRegistriesFile, emptyRegistries, loadRegistriesDir, signatureLocation } from '../../server/src/policy/registriesD';
import { parseNormalizedNamed, policyIdentity, policyNamespaces, referenceString, type DockerReference } from '../../server/src/policy/dockerReference';
import { identityMatches } from '../../server/src/policy/identityMatch';
import { parseImageRef, requirementsFor } from '../../server/src/policy/explain';
import { signedKeys, scratch } from '../support/tools';

/** The text the finding's range covers (single-line ranges). */
function covered(text: string, p: PolicyProblem): string {
  const r = p.range!;
  assert.equal(r.start.line, r.end.line, `single-line range for ${p.code}`);
  return text.split('\n')[r.start.line].slice(r.start.character, r.end.character);
}

function findings(text: string) {
  return parsePolicy(text).problems.map((p) => ({ code: p.code, severity: p.severity, at: covered(text, p) }));
}

const reject = '[{"type": "reject"}]';
const withDefault = (transports: string) => `{\n"default": ${reject},\n"transports": ${transports}\n}`;

test('a clean policy has no findings and loads', () => {
  const text = withDefault('{"docker": {"quay.io/org/app": [{"type": "insecureAcceptAnything"}], "*.example.com": [{"type": "reject"}], "docker.io/library": [{"type": "reject"}], "localhost:5000": [{"type": "reject"}]}, "dir": {"/srv/images": [{"type": "reject"}]}}');
  assert.deepEqual(findings(text), []);
});

test('each finding of the issue, with its code and the exact text it marks', () => {
  const cases: [string, string, 'error' | 'warning', string][] = [
    ['{"transports": {}}', 'policy-missing-field', 'error', '{'],
    [withDefault('{}').replace('"transports"', '"transport"'), 'policy-unknown-field', 'error', '"transport"'],
    [withDefault('{"dokcer": {}}'), 'policy-unknown-transport', 'error', '"dokcer"'],
    ['{"default": []}', 'policy-empty-requirements', 'error', '[]'],
    [withDefault('{"docker": {"docker.io/busybox:1.36": [{"type": "reject"}]}}'), 'policy-scope-not-expanded', 'error', '"docker.io/busybox:1.36"'],
    [withDefault('{"docker": {"docker.io/busybox": [{"type": "reject"}]}}'), 'policy-scope-not-expanded', 'warning', '"docker.io/busybox"'],
    [withDefault('{"docker": {"busybox": [{"type": "reject"}]}}'), 'policy-scope-not-expanded', 'error', '"busybox"'],
    [withDefault('{"docker": {"index.docker.io/library/busybox": [{"type": "reject"}]}}'), 'policy-scope-not-expanded', 'error', '"index.docker.io/library/busybox"'],
    [withDefault('{"docker": {"quay.io/*": [{"type": "reject"}]}}'), 'policy-scope-wildcard', 'error', '"quay.io/*"'],
    [withDefault('{"docker": {"*.quay.io:443": [{"type": "reject"}]}}'), 'policy-scope-wildcard', 'error', '"*.quay.io:443"'],
    [withDefault('{"dir": {"images": [{"type": "reject"}]}}'), 'policy-scope-path', 'error', '"images"'],
    [withDefault('{"oci": {"/": [{"type": "reject"}]}}'), 'policy-scope-path', 'error', '"/"'],
    [withDefault('{"dir": {"/srv/../srv/x/": [{"type": "reject"}]}}'), 'policy-scope-path', 'error', '"/srv/../srv/x/"'],
    [withDefault('{"docker-archive": {"/x": [{"type": "reject"}]}}'), 'policy-scope-invalid', 'error', '"/x"'],
    ['{"default": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/k", "keyData": "AAAA"}]}', 'policy-key-sources', 'error', '"keyData"'],
    ['{"default": [{"type": "signedBy", "keyType": "GPGKeys"}]}', 'policy-key-sources', 'error', '{"type": "signedBy", "keyType": "GPGKeys"}'],
    ['{"default": [{"type": "sigstoreSigned", "keyPath": "/k", "fulcio": {"caPath": "/c", "oidcIssuer": "https://i", "subjectEmail": "a@b"}, "rekorPublicKeyPath": "/r"}]}', 'policy-key-sources', 'error', '"fulcio"'],
    ['{"default": [{"type": "sigstoreSigned", "fulcio": {"caPath": "/c", "oidcIssuer": "https://i", "subjectEmail": "a@b"}, "signedIdentity": {"type": "matchRepository"}}]}', 'policy-fulcio-without-rekor', 'error', '"fulcio"'],
    [withDefault('{"dir": {"/srv/x": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/k", "signedIdentity": {"type": "matchRepository"}}]}}'), 'policy-identity-misfit', 'error', '{"type": "matchRepository"}'],
    ['{"default": [{"type": "sigstoreSigned", "keyPath": "/k", "signedIdentity": {"type": "matchExact"}}]}', 'policy-identity-misfit', 'warning', '{"type": "matchExact"}'],
    ['{"default": [{"type": "signedBy", "keyType": "GPGKey", "keyPath": "/k"}]}', 'policy-keytype', 'error', '"GPGKey"'],
    ['{"default": [{"type": "signedBy", "keyType": "X509Certificates", "keyPath": "/k"}]}', 'policy-keytype', 'error', '"X509Certificates"'],
    ['{"default": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/k", "signedIdentity": {"type": "exactReference", "dockerReference": "quay.io/a/b"}}]}', 'policy-identity-invalid', 'error', '"quay.io/a/b"'],
    ['{"default": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/k", "signedIdentity": {"type": "remapIdentity", "prefix": "quay.io/a:1", "signedPrefix": "b.io"}}]}', 'policy-identity-invalid', 'error', '"quay.io/a:1"'],
    ['{"default": [{"type": "sigstoreSigned"}]}', 'policy-key-sources', 'error', '{"type": "sigstoreSigned"}'],
    ['{"default": [{"type": "signedBaseLayer", "baseLayerIdentity": {"type": "matchRepository"}}]}', 'policy-never-accepts', 'error', '"signedBaseLayer"'],
    ['{"default": [{"type": "nope"}]}', 'policy-unknown-type', 'error', '"nope"'],
    ['{"default": [{"type": "reject"}], "default": [{"type": "reject"}]}', 'policy-duplicate-key', 'error', '"default"'],
    ['{"default": [{"type": "reject"},]}', 'policy-json-invalid', 'error', ']'],
    ['{"default": [{"type": 1}]}', 'policy-unknown-type', 'error', '1'],
  ];
  for (const [text, code, severity, at] of cases) {
    const found = findings(text);
    assert.ok(found.some((f) => f.code === code && f.severity === severity && f.at === at), `${text}\n→ ${JSON.stringify(found)}`);
  }
});

test('which findings stop the runtime from loading the policy', () => {
  assert.equal(refusedOnLoad(parsePolicy('{"default": []}').problems), true);
  assert.equal(refusedOnLoad(parsePolicy(withDefault('{"docker": {"busybox": [{"type": "reject"}]}}')).problems), false, 'a scope that never matches still loads');
  assert.equal(refusedOnLoad(parsePolicy(withDefault('{"dokcer": {"x": [{"type": "reject"}]}}')).problems), false, 'an unknown transport loads');
});

test('the not-expanded scope carries the certain fix', () => {
  const text = withDefault('{"docker": {"docker.io/busybox": [{"type": "reject"}]}}');
  const p = parsePolicy(text).problems.find((f) => f.code === 'policy-scope-not-expanded')!;
  assert.equal(p.fix?.newText, '"docker.io/library/busybox"');
  assert.equal(covered(text, { ...p, range: p.fix!.range }), '"docker.io/busybox"');
});

test('bounds come before parsing: deep nesting and huge node counts are findings, not crashes', () => {
  const deep = `{"default": ${'['.repeat(5000)}${']'.repeat(5000)}}`;
  assert.equal(parsePolicy(deep).problems[0].code, 'policy-json-invalid');
  const wide = `{"default": [${Array.from({ length: 60_000 }, () => '{"a":1}').join(',')}]}`;
  assert.match(parsePolicy(wide).problems[0].message, /over the limit/);
});

test('key files are judged on the machine: missing, private, expired, revoked, and a good keyring', async () => {
  const dir = scratch('policy-keys-');
  const policyWith = (file: string) => `{"default": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": ${JSON.stringify(file)}}]}`;
  const codes = async (file: string) => (await lintPolicy(policyWith(file), { file: path.join(dir, 'policy.json') })).problems.map((p) => `${p.code}/${p.severity}`);
  assert.deepEqual(await codes(path.join(signedKeys, 'ed25519.pub.gpg')), []);
  assert.deepEqual(await codes(path.join(dir, 'missing.gpg')), ['policy-key-file/error']);
  assert.deepEqual(await codes(path.join(signedKeys, 'ed25519.sec.gpg')), ['policy-key-private/error']);
  assert.deepEqual(await codes(path.join(signedKeys, 'expired.pub.gpg')), ['policy-key-expired/error'], 'the only key is expired: nothing can verify');
  assert.deepEqual(await codes(path.join(signedKeys, 'revoked.pub.gpg')), ['policy-key-revoked/error']);
  const two = path.join(dir, 'two.gpg');
  fs.writeFileSync(two, Buffer.concat([fs.readFileSync(path.join(signedKeys, 'ed25519.pub.gpg')), fs.readFileSync(path.join(signedKeys, 'expired.pub.gpg'))]));
  assert.deepEqual(await codes(two), ['policy-key-expired/warning'], 'one good key left: a warning');
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a key');
  assert.deepEqual(await codes(path.join(dir, 'notes.txt')), ['policy-key-file/error']);
  // Relative paths are opened from the policy's folder.
  fs.copyFileSync(path.join(signedKeys, 'ed25519.pub.gpg'), path.join(dir, 'rel.gpg'));
  assert.deepEqual(await codes('rel.gpg'), []);
});

test('sigstoreSigned key files: a PEM public key passes, a private key is refused', async () => {
  const dir = scratch('policy-pem-');
  const { generateKeyPairSync } = await import('node:crypto');
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  fs.writeFileSync(path.join(dir, 'cosign.pub'), pair.publicKey.export({ type: 'spki', format: 'pem' }));
  fs.writeFileSync(path.join(dir, 'cosign.key'), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const policyWith = (file: string) => `{"default": [{"type": "sigstoreSigned", "keyPath": ${JSON.stringify(path.join(dir, file))}, "signedIdentity": {"type": "matchRepository"}}]}`;
  assert.deepEqual((await lintPolicy(policyWith('cosign.pub'))).problems, []);
  assert.deepEqual((await lintPolicy(policyWith('cosign.key'))).problems.map((p) => p.code), ['policy-key-private']);
});

test('keys of the wrong kind: a PEM key for signedBy, an OpenPGP keyring for sigstoreSigned', async () => {
  const dir = scratch('policy-kinds-');
  const { generateKeyPairSync } = await import('node:crypto');
  const pem = path.join(dir, 'cosign.pub');
  fs.writeFileSync(pem, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }));
  const openpgpRing = path.join(signedKeys, 'ed25519.pub.gpg');
  const signedBy = `{"default": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": ${JSON.stringify(pem)}}]}`;
  const sigstore = `{"default": [{"type": "sigstoreSigned", "keyPath": ${JSON.stringify(openpgpRing)}, "signedIdentity": {"type": "matchRepository"}}]}`;
  const one = (await lintPolicy(signedBy)).problems;
  assert.deepEqual(one.map((p) => p.code), ['policy-key-file']);
  assert.match(one[0].message, /holds no OpenPGP public key/);
  const two = (await lintPolicy(sigstore)).problems;
  assert.deepEqual(two.map((p) => p.code), ['policy-key-file']);
  assert.match(two[0].message, /not a PEM public key or certificate/);
});

test('registries.d: duplicate scopes across files, a lookaside that is not a URL, unknown keys, the lookup order', () => {
  const config = emptyRegistries();
  addRegistriesFile(config, 'a.yaml', 'docker:\n  quay.io/org:\n    lookaside: https://sigs.example.com/sigs\n    use-sigstore-attachments: true\ndefault-docker:\n  lookaside: file:///var/sigs\n');
  addRegistriesFile(config, 'b.yaml', 'docker:\n  quay.io/org:\n    lookaside: /srv/sigs\n  quay.io/org/app:\n    lookasid: https://x\n');
  const b = config.problems.get('b.yaml')!.map((p) => `${p.code}@${p.range!.start.line}:${p.range!.start.character}`);
  assert.deepEqual(b.sort(), ['registries-duplicate-scope@1:2', 'registries-lookaside-url@2:15', 'registries-unknown-field@4:4'].sort());
  assert.deepEqual(config.problems.get('a.yaml'), []);
  const app = parseNormalizedNamed('quay.io/org/app:1') as DockerReference;
  const where = signatureLocation(config, app);
  assert.equal(where.url, 'https://sigs.example.com/sigs/org/app');
  assert.equal(where.useSigstoreAttachments, true);
  assert.equal(signatureLocation(config, parseNormalizedNamed('busybox') as DockerReference).url, 'file:///var/sigs/library/busybox');
});

test('registries.d folder: only *.yaml is read, a *.yml file is reported as ignored', () => {
  const dir = scratch('registries-d-');
  fs.writeFileSync(path.join(dir, 'a.yaml'), 'docker:\n  quay.io:\n    lookaside: https://x/y\n');
  fs.writeFileSync(path.join(dir, 'b.yml'), 'docker:\n  quay.io:\n    lookaside: https://z\n');
  const config = loadRegistriesDir(dir);
  assert.ok(typeof config !== 'string');
  assert.equal(config.docker.get('quay.io')?.lookaside, 'https://x/y');
  assert.deepEqual(config.problems.get(path.join(dir, 'b.yml'))!.map((p) => p.severity), ['warning']);
});

test('sigstoreSigned scope without use-sigstore-attachments is an error when registries.d is known', async () => {
  const text = withDefault('{"docker": {"quay.io/org/app": [{"type": "sigstoreSigned", "keyData": "AAAA", "signedIdentity": {"type": "matchRepository"}}]}}');
  const config = emptyRegistries();
  addRegistriesFile(config, 'a.yaml', 'docker:\n  quay.io/org:\n    lookaside: https://x\n');
  const found = (await lintPolicy(text, { registries: config, checkKeyFiles: false })).problems.map((p) => p.code);
  assert.ok(found.includes('policy-no-attachments'), found.join());
  addRegistriesFile(config, 'b.yaml', 'docker:\n  quay.io:\n    use-sigstore-attachments: true\n');
  assert.ok(!(await lintPolicy(text, { registries: config, checkKeyFiles: false })).problems.some((p) => p.code === 'policy-no-attachments'));
});

test('Docker references as containers/image normalizes them, and the scopes an image is looked up by', () => {
  const cases: [string, string][] = [
    ['busybox', 'docker.io/library/busybox'],
    ['index.docker.io/org/app:1', 'docker.io/org/app:1'],
    ['localhost/app', 'localhost/app'],
    ['quay.io:443/a/b@sha256:' + 'a'.repeat(64), 'quay.io:443/a/b@sha256:' + 'a'.repeat(64)],
  ];
  for (const [input, expected] of cases) {
    const ref = parseNormalizedNamed(input);
    assert.ok(typeof ref !== 'string', `${input}: ${ref}`);
    assert.equal(referenceString(ref), expected);
  }
  assert.match(parseNormalizedNamed('Quay.io/App') as string, /lowercase/);
  assert.match(parseNormalizedNamed('a'.repeat(64)) as string, /64-byte/);
  assert.match(parseNormalizedNamed(`quay.io/a@sha256:${'a'.repeat(40)}`) as string, /digest length/);
  const ref = parseNormalizedNamed('registry.example.com:5000/team/app') as DockerReference;
  assert.equal(policyIdentity(ref), 'registry.example.com:5000/team/app:latest');
  assert.deepEqual(policyNamespaces(ref), ['registry.example.com:5000/team/app', 'registry.example.com:5000/team', 'registry.example.com:5000', '*.example.com', '*.com']);
});

test('input made to backtrack is refused or matched without blowing up', () => {
  // Go's RE2 is linear; with the Go patterns copied verbatim into a JavaScript RegExp, 24 letters and a
  // "!" took 11 s here (measured), and each letter more doubles it.
  assert.equal(typeof parseNormalizedNamed(`quay.io/${'a'.repeat(500)}!`), 'string');
  assert.equal(typeof parseNormalizedNamed(`quay.io/${'a-'.repeat(400)}!`), 'string');
  assert.equal(typeof parseNormalizedNamed(`${'a'.repeat(30)}${'-a'.repeat(300)}.`), 'string');
  assert.equal(typeof parseNormalizedNamed('x'.repeat(2000)), 'string');
});

test('most specific scope wins: identity, then namespaces, then "", then default', () => {
  const policy = parsePolicy(withDefault('{"docker": {"": [{"type": "insecureAcceptAnything"}], "quay.io": [{"type": "reject"}], "quay.io/org/app:1": [{"type": "reject"}], "*.io": [{"type": "reject"}]}}'));
  const scopeOf = (image: string) => requirementsFor(policy, parseImageRef(image) as Exclude<ReturnType<typeof parseImageRef>, string>).scope;
  assert.equal(scopeOf('docker://quay.io/org/app:1'), 'quay.io/org/app:1');
  assert.equal(scopeOf('quay.io/org/app:2'), 'quay.io');
  assert.equal(scopeOf('ghcr.io/x/y'), '*.io');
  assert.equal(scopeOf('example.com/x'), '');
  assert.equal(typeof parseImageRef('dir:/tmp/x'), 'string');
});

test('signedIdentity rules decide as containers/image does', () => {
  const img = (s: string) => parseNormalizedNamed(s) as DockerReference;
  const r = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const digest = `sha256:${'b'.repeat(64)}`;
  assert.equal(identityMatches({ type: 'matchRepoDigestOrExact', range: r }, img('quay.io/a/b:1'), 'quay.io/a/b:1'), true);
  assert.equal(identityMatches({ type: 'matchRepoDigestOrExact', range: r }, img('quay.io/a/b:1'), 'quay.io/a/b:2'), false);
  assert.equal(identityMatches({ type: 'matchRepoDigestOrExact', range: r }, img(`quay.io/a/b@${digest}`), 'quay.io/a/b:2'), true);
  assert.equal(identityMatches({ type: 'matchRepoDigestOrExact', range: r }, img('quay.io/a/b:1'), 'quay.io/a/b'), false, 'a signature naming only the repository');
  assert.equal(identityMatches({ type: 'matchExact', range: r }, img(`quay.io/a/b@${digest}`), `quay.io/a/b@${digest}`), true);
  assert.equal(identityMatches({ type: 'matchRepository', range: r }, img('quay.io/a/b:1'), 'quay.io/a/b'), true);
  assert.equal(identityMatches({ type: 'exactRepository', dockerRepository: 'busybox', range: r }, img('quay.io/a/b:1'), 'docker.io/library/busybox:x'), true);
  assert.equal(identityMatches({ type: 'remapIdentity', prefix: 'mirror.io/a', signedPrefix: 'quay.io/a', range: r }, img('mirror.io/a/b:1'), 'quay.io/a/b:1'), true);
  assert.equal(identityMatches({ type: 'remapIdentity', prefix: 'mirror.io/a', signedPrefix: 'quay.io/a', range: r }, img('mirror.io/ab:1'), 'quay.io/ab:1'), false, 'the prefix ends at a slash');
});

test('the contributed JSON schema names the same requirement types, fields and identity rules as the engine', async () => {
  const { FIELDS, IDENTITY_TYPES, KEY_TYPES, REQUIREMENT_TYPES } = await import('../../server/src/policy/requirements');
  const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'syntaxes', 'containers-policy.schema.json'), 'utf8'));
  const defs = schema.definitions;
  assert.deepEqual([...defs.requirement.properties.type.enum].sort(), [...REQUIREMENT_TYPES].sort());
  assert.deepEqual([...defs.identity.properties.type.enum].sort(), [...IDENTITY_TYPES].sort());
  for (const variant of [...defs.requirement.oneOf, ...defs.identity.oneOf]) {
    const type = variant.properties.type.const as keyof typeof FIELDS;
    assert.deepEqual(Object.keys(variant.properties).sort(), [...FIELDS[type]].sort(), type);
  }
  const signedBy = defs.requirement.oneOf.find((v: { properties: { type: { const: string } } }) => v.properties.type.const === 'signedBy');
  assert.deepEqual(signedBy.properties.keyType.enum, [...KEY_TYPES]);
  assert.deepEqual(Object.keys(signedBy.properties.signedIdentity), ['$ref']);
});

test('every policy code is documented in docs/codes.md', () => {
  const root = path.join(__dirname, '..', '..', '..');
  const source = fs.readFileSync(path.join(root, 'server', 'src', 'policy', 'codes.ts'), 'utf8');
  const codes = [...source.matchAll(/\| '([a-z-]+)'/g)].map((m) => m[1]);
  assert.ok(codes.length > 30);
  const docs = fs.readFileSync(path.join(root, 'docs', 'codes.md'), 'utf8');
  assert.deepEqual(codes.filter((c) => !docs.includes(`\`${c}\``)), []);
});
