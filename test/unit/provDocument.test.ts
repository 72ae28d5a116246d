import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseProvenance } from '../../server/src/provenance/provDocument';
import { signedCases } from '../support/tools';

const read = (c: string) => {
  const dir = path.join(signedCases, c);
  return fs.readFileSync(path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.prov'))!), 'utf8');
};
const codes = (text: string) => parseProvenance(text).problems.map((p) => p.code);
const malformed = (text: string) => {
  const found = codes(text);
  assert.ok(found.length > 0 && found.every((c) => c === 'malformed'), `expected malformed, got ${found.join(', ') || 'nothing'}`);
};
const valid = read('valid-rsa2048');

test('a Helm 4 provenance file parses into metadata, files and signature', () => {
  const doc = parseProvenance(valid);
  assert.deepEqual(doc.problems, []);
  assert.deepEqual(doc.hashHeaders.map((h) => h.algorithms), [['SHA512']]);
  assert.equal(doc.metadata?.name?.value, 'devapp');
  assert.equal(doc.metadata?.version?.value, '1.2.3');
  assert.equal(doc.files.length, 1);
  assert.equal(doc.files[0].name, 'devapp-1.2.3.tgz');
  assert.equal(doc.files[0].algorithm, 'sha256');
  assert.match(doc.signature!.armored, /^-----BEGIN PGP SIGNATURE-----\n[\s\S]*-----END PGP SIGNATURE-----\n$/);
  assert.ok(doc.signedText!.endsWith('sha256:9bf7d7059795e1d403b6dcefb5e773c4d222be91aee5e0d7ab175f5bc2ec4da8\n'));
});

test('ranges point at the tokens in the file', () => {
  const doc = parseProvenance(valid);
  const lines = valid.split('\n');
  const at = (r: { start: { line: number; character: number }; end: { line: number; character: number } }) => lines[r.start.line].slice(r.start.character, r.end.character);
  assert.equal(at(doc.files[0].nameRange), 'devapp-1.2.3.tgz');
  assert.equal(at(doc.files[0].digestRange), doc.files[0].digest);
  assert.equal(at(doc.metadata!.version!.range), '1.2.3');
});

test('dash-escaped lines are un-escaped and their ranges skip the escape', () => {
  const text = read('dash-escaped');
  const doc = parseProvenance(text);
  assert.deepEqual(doc.problems, []);
  assert.ok(doc.signedText!.includes('\n- web\n'));
  assert.ok(doc.signedText!.includes('- -leading-dash'));
  const escaped = doc.signedLines.find((l) => l.text === '- web');
  assert.equal(escaped?.column, 2);
  assert.equal(doc.metadata?.name?.value, 'devlists');
});

test('CRLF files give the same signed text as LF ones', () => {
  const crlf = parseProvenance(read('crlf-line-endings'));
  const lf = parseProvenance(valid);
  assert.deepEqual(crlf.problems, []);
  assert.equal(crlf.signedText, lf.signedText);
});

test('text outside the signed block is reported and never read', () => {
  const before = parseProvenance(read('text-before-header'));
  assert.deepEqual(before.problems.map((p) => [p.code, p.severity]), [['unsigned-content', 'warning']]);
  assert.equal(before.files.length, 1);
  assert.notEqual(before.files[0].hex, '0'.repeat(64));
  const after = parseProvenance(valid + '\nfiles:\n  devapp-1.2.3.tgz: sha256:' + '0'.repeat(64) + '\n');
  assert.deepEqual(after.problems.map((p) => p.code), ['unsigned-content']);
  assert.equal(after.unsignedRanges.length, 1);
});

test('structural errors are malformed with a range', () => {
  malformed('');
  malformed('hello');
  malformed(valid + '\n' + valid);
  malformed(valid.replace('Hash: SHA512', 'Hash: SHA512\nComment: hi'));
  malformed(valid.replace('\n...\n', '\n'));
  malformed(valid.replace('\n...\n', '\n...\n...\n'));
  malformed(valid.replace('name: devapp', '-name: devapp'));
  malformed(valid.split('-----END PGP SIGNATURE-----')[0]);
  const dup = valid.replace(/(  devapp-1\.2\.3\.tgz: sha256:[0-9a-f]+)/, '$1\n$1');
  const doc = parseProvenance(dup);
  assert.deepEqual(doc.problems.map((p) => p.code), ['malformed']);
  assert.match(doc.problems[0].message, /unique/i);
  const yamlError = parseProvenance(valid.replace('name: devapp', 'name: [devapp'));
  assert.equal(yamlError.problems[0].code, 'malformed');
  assert.ok(yamlError.problems[0].range!.start.line >= 3);
});

test('any bytes give a result, never an exception', () => {
  for (const input of [new Uint8Array([0xff, 0xfe, 0, 1, 2]), '\u0000'.repeat(100), '-----BEGIN PGP SIGNED MESSAGE-----', '-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n']) {
    const doc = parseProvenance(input);
    assert.ok(doc.problems.length > 0);
  }
});

test('a second signed block glued to the END line is refused like one on the next line', () => {
  const onNextLine = parseProvenance(valid + valid);
  const glued = parseProvenance(valid.trimEnd() + valid);
  for (const doc of [onNextLine, glued]) {
    assert.deepEqual(doc.problems.map((p) => p.code), ['malformed']);
    assert.match(doc.problems[0].message, /A second signed block/);
    assert.equal(doc.signature, undefined, 'no signature is taken from an ambiguous file');
  }
});

test('text glued to the END line is unsigned content, like text below it, and never part of the signature', () => {
  const end = '-----END PGP SIGNATURE-----';
  const doc = parseProvenance(`${valid.trimEnd()}files: {}\n`);
  assert.deepEqual(doc.problems.map((p) => [p.code, p.severity]), [['unsigned-content', 'warning']]);
  const endLine = valid.trimEnd().split('\n').length - 1;
  assert.deepEqual(doc.unsignedRanges, [{ start: { line: endLine, character: end.length }, end: { line: endLine, character: end.length + 'files: {}'.length } }]);
  assert.ok(doc.signature!.armored.endsWith(`\n${end}\n`));
  assert.equal(doc.signedText, parseProvenance(valid).signedText);
});

test('"- " alone is a dash-escaped empty line (RFC 9580 §7.1), as gpg reads it; "-" alone is not an escape', () => {
  const escaped = parseProvenance(valid.replace('\n\n-----BEGIN PGP SIGNATURE-----', '\n- \n-----BEGIN PGP SIGNATURE-----'));
  assert.deepEqual(escaped.problems, []);
  assert.equal(escaped.signedText, parseProvenance(valid).signedText);
  const trailing = parseProvenance(valid.replace('\nname: devapp\n', '\n- name: devapp \t\n'));
  assert.deepEqual(trailing.problems, []);
  assert.equal(trailing.signedText, parseProvenance(valid).signedText, 'trailing whitespace after the escape is not signed');
  const bare = parseProvenance(valid.replace('\n\n-----BEGIN PGP SIGNATURE-----', '\n-\n-----BEGIN PGP SIGNATURE-----'));
  assert.equal(bare.problems[0].code, 'malformed');
});
