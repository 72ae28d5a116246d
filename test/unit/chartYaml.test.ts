import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { isHelmSemver, parseChartLock, parseChartYaml, sanitizeString } from '../../server/src/provenance/chartYaml';
import type { ChartMetadata } from '../../server/src/provenance/chartMetadata';
import { archiveChartLock, archiveChartYaml, provenanceMetadataYaml } from '../../server/src/provenance/go/chartWriter';
import { formatGoFloat, resolvePlainScalar } from '../../server/src/provenance/go/yamlScalars';
import { marshalGoYaml } from '../../server/src/provenance/go/yamlEmitter';
import { goYamlKeyLess } from '../../server/src/provenance/go/yamlKeyOrder';
import { fixtures, signedCases } from '../support/tools';

function parsed(text: string | Uint8Array): ChartMetadata {
  const r = parseChartYaml(text);
  assert.ok(r.ok, !r.ok ? r.error.message : '');
  return r.value;
}

function refused(text: string | Uint8Array, message: RegExp): void {
  const r = parseChartYaml(text);
  assert.equal(r.ok, false, 'expected Chart.yaml to be refused');
  if (r.ok) return;
  assert.equal(r.error.code, 'chart-invalid');
  assert.match(r.error.message, message);
}

const chart = (extra: string, version = '1.0.0'): string => `apiVersion: v2\nname: c\nversion: ${version}\n${extra}`;

/** The metadata block of a Helm-written .prov: between the blank line after the header and "...", dash-unescaped. */
function provMetadata(provPath: string): string {
  const text = fs.readFileSync(provPath, 'utf8').replace(/\r\n/g, '\n');
  const start = text.indexOf('\n\n', text.indexOf('-----BEGIN PGP SIGNED MESSAGE-----')) + 2;
  const end = text.indexOf('\n...\n', start);
  return text.slice(start, end).split('\n').map((l) => (l.startsWith('- ') ? l.slice(2) : l)).join('\n');
}

function chartYamlOf(archive: string): string {
  const name = execFileSync('tar', ['tzf', archive], { encoding: 'utf8' }).split('\n').find((l) => /^[^/]+\/Chart\.yaml$/.test(l)) as string;
  return execFileSync('tar', ['xzOf', archive, name], { encoding: 'utf8' });
}

describe('the .prov metadata, byte for byte as Helm 4 wrote it', () => {
  // Cases whose .prov metadata was edited after signing, or that hold no Helm metadata, are left out.
  const edited = new Set(['body-version-edited', 'metadata-mismatch', 'prov-empty', 'prov-not-pgp', 'prov-missing', 'unsigned', 'tgz-byte-flipped']);
  const provs: Array<[string, string]> = [];
  for (const name of fs.readdirSync(signedCases).sort()) {
    if (edited.has(name)) continue;
    for (const f of fs.readdirSync(path.join(signedCases, name))) {
      if (f.endsWith('.tgz') && fs.existsSync(path.join(signedCases, name, `${f}.prov`))) provs.push([name, path.join(signedCases, name, f)]);
    }
  }
  provs.push(['helm-testdata hashtest', path.join(fixtures, 'helm-testdata', 'hashtest-1.2.3.tgz')]);
  provs.push(['helm-testdata signtest', path.join(fixtures, 'helm-testdata', 'cmd-signtest', 'signtest-0.1.0.tgz')]);

  test('the corpus is all there', () => assert.ok(provs.length >= 28, `${provs.length} archives`));
  for (const [name, archive] of provs) {
    test(name, () => {
      const meta = parsed(chartYamlOf(archive));
      assert.equal(provenanceMetadataYaml(meta), provMetadata(`${archive}.prov`));
    });
  }

  test('non-ASCII maintainer and dash-leading keywords (the dash-escaped case)', () => {
    const archive = path.join(signedCases, 'dash-escaped', 'devlists-0.1.0.tgz');
    const meta = parsed(chartYamlOf(archive));
    assert.deepEqual(meta.maintainers, [{ name: 'Zoë Ünicode', email: 'zoe@dev.example' }]);
    assert.deepEqual(meta.keywords, ['web', '-leading-dash']);
  });
});

describe("go-yaml v2's emitter, as measured on helm package output", () => {
  const input = [
    'apiVersion: v2', 'name: c', 'version: 0.1.0',
    'description: "A description long enough that go-yaml folds it at eighty columns, which Helm keeps in its .prov files"',
    'annotations:',
    '  fold/double: "tab\\there and a long enough line to be folded by the emitter at the eightieth column ok"',
    '  fold/single: "it\'s: a long enough line with a colon-space so that it needs single quotes and folding"',
    '  literal/clip: "line one\\nline two\\n"', '  literal/strip: "line one\\nline two"', '  literal/keep: "line one\\n\\n"',
    '  literal/indent: "  indented first line\\nsecond\\n"',
    '  quote/empty: ""', '  quote/bool: "yes"', '  quote/number: "1.0"', '  quote/null: "null"', '  quote/time: "2024-01-02"',
    '  quote/base60: "1:30"', '  quote/hash: "a #b"', '  quote/lead: "-x"', '  quote/emoji: "smile 😀"',
    '  plain/url: "https://example.com/a?b=c#d"', '  plain/colon: "a:b"',
    `  "k-that-is-longer-than-one-hundred-and-twenty-eight-bytes-so-go-yaml-writes-it-as-a-complex-key-with-a-question-mark-${'x'.repeat(13)}": v`,
    '  a10: x', '  a9: x', '  B: x', '  b: x', '  _x: x', '  "10": x', '  "9": x',
    'dependencies:', '  - name: sub', '    repository: ""', '    import-values:', '      - child: a', '        parent: b', '      - plain',
    '    tags: [a]', '    enabled: false', '',
  ].join('\n');
  const expected = [
    'annotations:', '  _x: x', '  "9": x', '  "10": x', '  B: x', '  a9: x', '  a10: x', '  b: x',
    '  fold/double: "tab\\there and a long enough line to be folded by the emitter at the', '    eightieth column ok"',
    "  fold/single: 'it''s: a long enough line with a colon-space so that it needs single", "    quotes and folding'",
    `  ? k-that-is-longer-than-one-hundred-and-twenty-eight-bytes-so-go-yaml-writes-it-as-a-complex-key-with-a-question-mark-${'x'.repeat(13)}`, '  : v',
    '  literal/clip: |', '    line one', '    line two',
    '  literal/indent: |2', '      indented first line', '    second',
    '  literal/keep: |+', '    line one', '',
    '  literal/strip: |-', '    line one', '    line two',
    '  plain/colon: a:b', '  plain/url: https://example.com/a?b=c#d', '  quote/base60: "1:30"', '  quote/bool: "yes"',
    '  quote/emoji: "smile \\U0001F600"', '  quote/empty: ""', "  quote/hash: 'a #b'", '  quote/lead: -x',
    '  quote/null: "null"', '  quote/number: "1.0"', '  quote/time: "2024-01-02"',
    'apiVersion: v2', 'dependencies:', '- import-values:', '  - child: a', '    parent: b', '  - plain', '  name: sub', '  repository: ""',
    '  tags:', '  - a',
    'description: A description long enough that go-yaml folds it at eighty columns, which', '  Helm keeps in its .prov files',
    'name: c', 'version: 0.1.0', '',
  ].join('\n');

  test('quoting styles, folding at 80 columns, literal blocks, complex keys, key order, omitempty', () => {
    assert.equal(provenanceMetadataYaml(parsed(input)), expected);
  });

  test('NEL folds through JSON, LS is written raw (as helm package does)', () => {
    assert.equal(marshalGoYaml({ ls: 'a\u2028b', nel: 'a \u0085 b', nels: 'a\u0085\u0085\u0085b' }), "ls: 'a\u2028  b'\nnel: a b\nnels: |-\n  a\n\n  b\n");
  });

  test("go-yaml's key order: letters first, digit runs as numbers", () => {
    const keys = ['b', '10', 'a10', '_x', 'B', '9', 'a9'];
    const sorted = [...keys].sort((x, y) => (goYamlKeyLess(x, y) ? -1 : goYamlKeyLess(y, x) ? 1 : 0));
    assert.deepEqual(sorted, ['_x', '9', '10', 'B', 'a9', 'a10', 'b']);
  });

  test('Go float formatting (strconv.FormatFloat g, -1)', () => {
    assert.equal(formatGoFloat(1.1, 32), '1.1');
    assert.equal(formatGoFloat(3.14159265358979, 32), '3.1415927');
    assert.equal(formatGoFloat(1234567, 32), '1.234567e+06');
    assert.equal(formatGoFloat(0.000012345, 32), '1.2345e-05');
    assert.equal(formatGoFloat(0.0001, 64), '0.0001');
    assert.equal(formatGoFloat(1e21, 64), '1e+21');
    assert.equal(formatGoFloat(123456, 64), '123456');
    assert.equal(formatGoFloat(-1.5e-7, 64), '-1.5e-07');
    assert.equal(formatGoFloat(Infinity, 32), '+Inf');
  });
});

describe('scalars as Helm reads them (YAML 1.1 through go-yaml v2 and a string field)', () => {
  // Measured with helm package 4.1.4: the value Helm writes for `appVersion: <plain>`.
  const table: Array<[string, string | undefined]> = [
    ['1.0', '1'], ['1.10', '1.1'], ['010', '8'], ['0x1F', '31'], ['0o17', '15'], ['08', '8'], ['1_000', '1000'],
    ['yes', 'true'], ['on', 'true'], ['Off', 'false'], ['y', 'true'], ['N', 'false'], ['~', undefined], ['null', undefined],
    ['1e3', '1000'], ['.5', '0.5'], ['+1', '1'], ['-0b11', '-3'], ['0b101', '5'], ['1e999', '1e999'],
    ['2024-01-01', '2024-01-01'], ['1:20', '1:20'], ['12345678901234567890', '12345678901234567890'],
    ['3.14159265358979', '3.1415927'], ['1234567', '1234567'], ['1234567.0', '1.234567e+06'], ['16777217', '16777217'], ['v1', 'v1'], ['1.2.3', '1.2.3'],
  ];
  for (const [plain, helm] of table) {
    test(`appVersion: ${plain}`, () => assert.equal(parsed(chart(`appVersion: ${plain}\n`)).appVersion, helm));
  }

  test('quoted and block scalars stay text', () => {
    assert.equal(parsed(chart('appVersion: "1.10"\n')).appVersion, '1.10');
    assert.equal(parsed(chart("appVersion: '010'\n")).appVersion, '010');
    assert.equal(parsed(chart('appVersion: !!str 1.10\n')).appVersion, '1.10');
    assert.equal(parsed(chart('description: |\n  on\n')).description, 'on ');
  });

  test('resolvePlainScalar kinds', () => {
    assert.equal(resolvePlainScalar('on').kind, 'bool');
    assert.equal(resolvePlainScalar('2001-12-14t21:59:43.10-05:00').kind, 'timestamp');
    assert.equal(resolvePlainScalar('2024-02-30').kind, 'str');
    assert.equal(resolvePlainScalar('18446744073709551615').kind, 'uint');
    assert.equal(resolvePlainScalar('0x').kind, 'str');
  });

  test('resolvePlainScalar: two dots or more is text (a version), one dot may still be a number or a time', () => {
    for (const text of ['0.1.0', '1.16.0', '1.2e3.4', '.1.2', '+.inf.x', '1_0.0.0', '0x1.2.3', '2001-12-14t21:59:43.1.0', '..']) {
      assert.equal(resolvePlainScalar(text).kind, 'str', text);
    }
    for (const [text, kind] of [['1.5', 'float'], ['.5', 'float'], ['+.inf', 'float'], ['.nan', 'float'], ['1_0.5', 'float'], ['1.', 'float'], ['2001-12-14t21:59:43.10-05:00', 'timestamp'], ['2001-12-14 21:59:43.10', 'timestamp']]) {
      assert.equal(resolvePlainScalar(text).kind, kind, text);
    }
  });
});

describe('apiVersion, name and version must be what was written', () => {
  test('version: 1.10 would become 1.1 in Helm: refused, with the fix in the message', () => {
    refused(chart('', '1.10'), /version: 1\.10 is read by Helm .* becomes "1\.1"; quote it .*version: "1\.10"/);
  });
  test('version: 010 would become 8', () => refused(chart('', '010'), /becomes "8"/));
  test('name: on would become true', () => refused('apiVersion: v2\nname: on\nversion: 1.0.0\n', /name: on .* becomes "true"/));
  test('an unquoted value Helm reads back unchanged is fine', () => {
    assert.equal(parsed(chart('', '1')).version, '1');
    assert.equal(parsed(chart('', '"1.10"')).version, '1.10');
  });
  test("Helm's SemVer (Masterminds): v prefix and short forms accepted, others refused", () => {
    for (const v of ['1.2.3', 'v1.2.3', '1.2', '1', '1.0.0-rc.1+build.5', '0.0.0-0']) assert.ok(isHelmSemver(v), v);
    for (const v of ['1.2.3.4', '01.2.3', '1.2.3-01', '1.2.3+', 'latest', '', '18446744073709551616.0.0']) assert.ok(!isHelmSemver(v), v);
    refused(chart('', '1.2.3.4'), /not a semantic version/);
  });
  test('apiVersion: missing means v1 (as Helm loads Helm 2 charts); v3 and others are refused', () => {
    assert.equal(parsed('name: c\nversion: 1.0.0\n').apiVersion, 'v1');
    refused('apiVersion: v3\nname: c\nversion: 1.0.0\n', /apiVersion "v3" is not supported/);
  });
  test('names that cannot be a directory are refused', () => {
    refused('apiVersion: v2\nname: ..\nversion: 1.0.0\n', /not allowed/);
    refused('apiVersion: v2\nname: a/b\nversion: 1.0.0\n', /must not contain/);
    refused('apiVersion: v2\nname: "a\\\\b"\nversion: 1.0.0\n', /must not contain/);
    refused('apiVersion: v2\nversion: 1.0.0\n', /name is required/);
    refused('apiVersion: v2\nname: c\n', /version is required/);
  });
  test("Helm's other checks: type, null maintainers, aliases, duplicate dependencies", () => {
    refused(chart('type: plugin\n'), /type must be application or library/);
    refused(chart('maintainers:\n  - ~\n'), /maintainers must not contain empty/);
    refused(chart('dependencies:\n  - name: a\n    alias: "no spaces"\n'), /alias/);
    refused(chart('dependencies:\n  - name: a\n  - name: b\n    alias: a\n'), /more than one dependency with name or alias "a"/);
    refused(chart('keywords: web\n'), /keywords must be a list/);
    refused(chart('deprecated: "yes"\n'), /deprecated must be true or false/);
    refused(chart('description: [a]\n'), /description must be a string/);
  });
});

describe('ambiguous and hostile Chart.yaml', () => {
  test('duplicate keys', () => refused(chart('version: 2.0.0\n'), /unique|duplicate/));
  test('keys naming the same field in another case (Helm matches keys case-insensitively)', () => {
    refused(chart('Version: 2.0.0\n'), /"version" and "Version" name the same field/);
    refused(chart('ſources: [a]\nsources: [b]\n'), /name the same field/);
  });
  test('a case variant alone counts, as in Helm', () => assert.equal(parsed('apiVersion: v2\nNAME: c\nVersion: 1.0.0\n').name, 'c'));
  test('duplicate annotation keys, also after Helm turns them into text', () => {
    refused(chart('annotations:\n  a: 1\n  a: 2\n'), /unique|duplicate/);
    refused(chart('annotations:\n  yes: 1\n  on: 2\n'), /duplicate key "true"/);
  });
  test('several YAML documents', () => refused(`${chart('')}---\nname: other\n`, /2 YAML documents; Helm reads only the first/));
  test('a root that is not a mapping', () => {
    refused('- a\n- b\n', /must be a mapping/);
    refused('just text\n', /must be a mapping/);
  });
  test('empty', () => refused('', /name is required/));
  test('merge keys and explicit tags', () => {
    refused(chart('base: &b {icon: x}\nannotations:\n  <<: *b\n'), /merge keys/);
    refused(chart('appVersion: !!binary aGk=\n'), /explicit YAML tag/);
    refused(chart('appVersion: !custom x\n'), /explicit YAML tag/);
  });
  test('control characters and invalid UTF-8', () => {
    refused(chart('description: "x"\u0007\n'), /control character U\+0007/);
    refused(Buffer.concat([Buffer.from(chart('description: ')), Buffer.from([0xff, 0x0a])]), /not valid UTF-8/);
  });
  test('a UTF-8 BOM is fine', () => {
    assert.equal(parsed(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(chart(''))])).name, 'c');
    assert.equal(parsed(`\ufeff${chart('')}`).name, 'c');
  });
  test('billion laughs is stopped by the node budget', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    refused(chart(`${lines.join('\n')}\n`), /alias bomb/);
    refused(chart(`keywords: &k [a, b]\nsources: *k\nx: &x [${Array(9).fill('*k').join(',')}]\n${'y'}: [${Array(60000).fill('*x').join(',')}]\n`), /alias bomb/);
  });
  test('aliases within the budget are expanded like go-yaml does', () => {
    assert.deepEqual(parsed(chart('keywords: &k [a, b]\nsources: *k\n')).sources, ['a', 'b']);
  });
  test('50 000-deep flow nesting and 1 000-deep block nesting', () => {
    refused(chart(`x: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`), /nested more than 100 levels/);
    let block = 'x:\n';
    for (let i = 1; i < 1000; i++) block += `${' '.repeat(i)}k${i}:\n`;
    refused(chart(block), /nested (more than 100 levels|too deeply)/);
  });
  test('__proto__ keys are data, never prototypes', () => {
    const meta = parsed(chart('__proto__:\n  polluted: yes\nannotations:\n  __proto__: x\n  constructor: y\ndependencies:\n  - name: a\n    import-values:\n      - __proto__: {polluted: yes}\n'));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(meta.annotations), Object.prototype);
    assert.deepEqual(Object.keys(meta.annotations ?? {}), ['__proto__', 'constructor']);
    assert.equal((meta.annotations as Record<string, string>)['__proto__'], 'x');
    const iv = meta.dependencies?.[0].importValues?.[0] as Record<string, unknown>;
    assert.ok(Object.prototype.hasOwnProperty.call(iv, '__proto__'));
    assert.match(provenanceMetadataYaml(meta), /\n {2}__proto__: x\n/);
  });
  test('keys Helm cannot carry through JSON', () => {
    refused(chart('annotations:\n  ~: x\n'), /null mapping key/);
    refused(chart('extra:\n  18446744073709551615: x\n'), /too large/);
    refused(chart('extra: .nan\nx: [.inf]\n'), /cannot be carried through JSON/);
    refused(chart('appVersion: .inf\n'), /appVersion: \.inf cannot be carried through JSON/);
    refused(chart('keywords: [-.Inf]\n'), /cannot be carried through JSON/);
    refused(chart('annotations:\n  "a\\u0085b": x\n'), /a key holds U\+0085/);
    refused(chart('annotations:\n  a: "x\\u2028y"\n'), /holds U\+2028/);
    refused(chart('description: a\u2028b\n'), /U\+2028 is a line break to Helm's YAML 1\.1 parser/);
    assert.equal(parsed(chart('description: "a\\u2028b"\n')).description, 'a b');
  });
  test('error ranges point at the line', () => {
    const r = parseChartYaml(chart('', '1.10'));
    assert.ok(!r.ok);
    assert.deepEqual(r.error.range?.start, { line: 2, character: 9 });
  });
});

describe('Validate() sanitizing, like Helm', () => {
  test('white space becomes a space, invisible and control characters go', () => {
    assert.equal(sanitizeString('a\tb\nc\u00a0d\u2028e'), 'a b c d e');
    assert.equal(sanitizeString('zero\u200bwidth bidi\u202etext'), 'zerowidth biditext');
    const meta = parsed(chart('description: "line one\\nline two\\u200b"\nkeywords: ["a\\tb"]\nmaintainers:\n  - name: "Zoë\\u202e"\n'));
    assert.equal(meta.description, 'line one line two');
    assert.deepEqual(meta.keywords, ['a b']);
    assert.deepEqual(meta.maintainers, [{ name: 'Zoë' }]);
  });
  test('annotations are not sanitized (Helm leaves them)', () => {
    assert.deepEqual(parsed(chart('annotations:\n  a: "x\\ty"\n')).annotations, { a: 'x\ty' });
  });
});

describe('archive Chart.yaml and Chart.lock', () => {
  test('v1 charts keep their dependencies out of Chart.yaml (they live in requirements.yaml)', () => {
    const r = parseChartYaml('apiVersion: v1\nname: c\nversion: 1.0.0\n', { requirementsYaml: 'dependencies:\n- name: d\n  version: 1.0.0\n  repository: x\n' });
    assert.ok(r.ok);
    assert.equal(r.value.dependencies?.length, 1);
    assert.equal(archiveChartYaml(r.value), 'apiVersion: v1\nname: c\nversion: 1.0.0\n');
    assert.match(provenanceMetadataYaml(r.value), /dependencies:\n- name: d/);
  });
  test('Chart.lock: Go time formatting and always-present fields', () => {
    const lock = parseChartLock('dependencies:\n- name: sub\n  repository: ""\n  version: 1.0.0\ndigest: sha256:abc\ngenerated: "2024-05-06T07:08:09.120000000+00:00"\n');
    assert.ok(lock.ok, !lock.ok ? lock.error.message : '');
    assert.equal(archiveChartLock(lock.value), 'dependencies:\n- name: sub\n  repository: ""\n  version: 1.0.0\ndigest: sha256:abc\ngenerated: "2024-05-06T07:08:09.12Z"\n');
    const empty = parseChartLock('');
    assert.ok(empty.ok);
    assert.equal(archiveChartLock(empty.value), 'dependencies: null\ndigest: ""\ngenerated: "0001-01-01T00:00:00Z"\n');
    const bad = parseChartLock('generated: yesterday\n');
    assert.equal(!bad.ok && bad.error.code, 'chart-invalid');
  });
});

describe('property: what we write reads back as the same metadata', () => {
  const text = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '9', ' ', ':', '#', '-', '?', "'", '"', '\\', '\t', 'é', '✓', '😀', '[', '{', ',', '&', '*', '!', '|', '>', '%', '@', '`', '.', '~', 'y', 'n', '\n'), maxLength: 120 });
  const clean = text.map((s) => sanitizeString(s));
  test('random descriptions, keywords, annotations, maintainers', () => {
    fc.assert(fc.property(clean, fc.array(clean, { maxLength: 4 }), fc.dictionary(text.filter((k) => k.length > 0), text, { maxKeys: 5 }), clean, (description, keywords, annotations, maintainer) => {
      const meta: ChartMetadata = { apiVersion: 'v2', name: 'c', version: '1.0.0' };
      if (description) meta.description = description;
      if (keywords.length) meta.keywords = keywords;
      // fast-check builds dictionaries without a prototype; ours have Object's.
      if (Object.keys(annotations).length) meta.annotations = Object.fromEntries(Object.entries(annotations));
      if (maintainer) meta.maintainers = [{ name: maintainer }];
      const written = provenanceMetadataYaml(meta);
      const back = parseChartYaml(written);
      assert.ok(back.ok, `${!back.ok && back.error.message}\n${written}`);
      assert.deepEqual(back.value, meta);
    }), { numRuns: 300 });
  });
});
