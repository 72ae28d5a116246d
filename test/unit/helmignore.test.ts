import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HelmIgnore } from '../../server/src/provenance/helmignore';
import { goFilepathMatch } from '../../server/src/provenance/go/filepathMatch';
import { packageChart } from '../../server/src/provenance/package';
import { helm, tempDir } from '../support/tools';

function rules(text: string): HelmIgnore {
  const r = HelmIgnore.parse(text);
  assert.ok(r.ok, !r.ok ? r.error.message : '');
  return r.value;
}

describe("Go's filepath.Match", () => {
  // Go's own match_test table (Unix): [pattern, name, result or 'bad'].
  const table: Array<[string, string, boolean | 'bad']> = [
    ['abc', 'abc', true], ['*', 'abc', true], ['*c', 'abc', true], ['a*', 'a', true], ['a*', 'abc', true],
    ['a*', 'ab/c', false], ['a*/b', 'abc/b', true], ['a*/b', 'a/c/b', false],
    ['a*b*c*d*e*/f', 'axbxcxdxe/f', true], ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false], ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false],
    ['a*b?c*x', 'abxbbxdbxebxczzx', true], ['a*b?c*x', 'abxbbxdbxebxczzy', false],
    ['ab[c]', 'abc', true], ['ab[b-d]', 'abc', true], ['ab[e-g]', 'abc', false], ['ab[^c]', 'abc', false],
    ['ab[^b-d]', 'abc', false], ['ab[^e-g]', 'abc', true], ['a\\*b', 'a*b', true], ['a\\*b', 'ab', false],
    ['a?b', 'a☺b', true], ['a[^a]b', 'a☺b', true], ['a???b', 'a☺b', false], ['a[^a][^a][^a]b', 'a☺b', false],
    ['[a-ζ]*', 'α', true], ['*[a-ζ]', 'A', false], ['a?b', 'a/b', false], ['a*b', 'a/b', false],
    ['[\\]a]', ']', true], ['[\\-]', '-', true], ['[x\\-]', 'x', true], ['[x\\-]', '-', true], ['[x\\-]', 'z', false],
    ['[\\-x]', 'x', true], ['[\\-x]', '-', true], ['[\\-x]', 'a', false],
    ['[]a]', ']', 'bad'], ['[-]', '-', 'bad'], ['[x-]', 'x', 'bad'], ['[x-]', '-', 'bad'], ['[x-]', 'z', 'bad'],
    ['[-x]', 'x', 'bad'], ['[-x]', '-', 'bad'], ['[-x]', 'a', 'bad'], ['\\', 'a', 'bad'], ['[a-b-c]', 'a', 'bad'],
    ['[', 'a', 'bad'], ['[^', 'a', 'bad'], ['[^bc', 'a', 'bad'], ['a[', 'a', 'bad'], ['a[', 'ab', 'bad'],
    ['a[', 'x', 'bad'], ['a/b[', 'x', 'bad'], ['*x', 'xxx', true],
  ];
  for (const [pattern, name, expected] of table) {
    test(`Match(${JSON.stringify(pattern)}, ${JSON.stringify(name)})`, () => {
      assert.equal(goFilepathMatch(pattern, name), expected === 'bad' ? undefined : expected);
    });
  }
});

describe("Helm's pkg/ignore rules", () => {
  // Helm's rules_test.go table; directories there: cargo, mast, templates, and "." itself.
  const dirs = new Set(['cargo', 'cargo/', 'mast/', '.', './', 'templates']);
  const table: Array<[string, string, boolean]> = [
    ['helm.txt', 'helm.txt', true], ['helm.*', 'helm.txt', true], ['helm.*', 'rudder.txt', false],
    ['*.txt', 'tiller.txt', true], ['*.txt', 'cargo/a.txt', true], ['cargo/*.txt', 'cargo/a.txt', true],
    ['cargo/*.*', 'cargo/a.txt', true], ['cargo/*.txt', 'mast/a.txt', false], ['ru[c-e]?er.txt', 'rudder.txt', true],
    ['templates/.?*', 'templates/.dotfile', true],
    ['.*', '.', false], ['.*', './', false], ['.*', '.joonix', true], ['.*', 'helm.txt', false], ['.*', '', false],
    ['cargo/', 'cargo', true], ['cargo/', 'cargo/', true], ['cargo/', 'mast/', false], ['helm.txt/', 'helm.txt', false],
    ['!helm.txt', 'helm.txt', false], ['!helm.txt', 'tiller.txt', true], ['!*.txt', 'cargo', true], ['!cargo/', 'mast/', true],
    ['/a.txt', 'a.txt', true], ['/a.txt', 'cargo/a.txt', false], ['/cargo/a.txt', 'cargo/a.txt', true],
  ];
  for (const [pattern, name, expected] of table) {
    test(`${JSON.stringify(pattern)} on ${JSON.stringify(name)}`, () => {
      assert.equal(rules(pattern).ignores(name, dirs.has(name)), expected);
    });
  }

  test('the default rule: dotfiles directly under templates/', () => {
    const r = HelmIgnore.defaults();
    assert.equal(r.ignores('templates/.hidden', false), true);
    assert.equal(r.ignores('templates/sub/.hidden', false), false);
    assert.equal(r.ignores('.hidden', false), false);
    assert.equal(rules('# nothing\n').ignores('templates/.x', false), true);
  });

  test('a ! rule ignores every file that reaches it without matching (!dir/ ignores every file)', () => {
    const r = rules('*.txt\n!a.txt\n');
    assert.equal(r.ignores('a.txt', false), true, 'already ignored by *.txt: ! never re-includes');
    assert.equal(r.ignores('values.yaml', false), true, 'reaches !a.txt and does not match it');
    assert.equal(rules('!docs/\n').ignores('Chart.yaml', false), true);
    assert.equal(rules('!docs/\n').ignores('docs', true), false);
  });

  test('comments, blank lines, surrounding white space, CRLF and a BOM', () => {
    const r = rules('\ufeff# comment\r\n\r\n   a.txt   \r\n\t/b.txt\n');
    assert.equal(r.ignores('a.txt', false), true);
    assert.equal(r.ignores('x/b.txt', false), false);
    assert.equal(r.ignores('b.txt', false), true);
    assert.equal(r.ignores('# comment', false), false);
  });

  test('refused: **, malformed patterns, over-long lines', () => {
    for (const [text, message] of [['ok\n**/a.txt\n', /line 2: double-star/], ['[', /line 1: syntax error in pattern/], ['a\\', /syntax error/], [`${'a'.repeat(70000)}\n`, /longer than/]] as const) {
      const r = HelmIgnore.parse(text);
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.equal(r.error.code, 'chart-invalid');
        assert.match(r.error.message, message);
      }
    }
  });
});

describe('the same entries as helm package, for many .helmignore files', () => {
  const work = tempDir('helmignore-');
  after(() => fs.rmSync(work, { recursive: true, force: true }));
  const tree: Record<string, string> = {
    'Chart.yaml': 'apiVersion: v2\nname: ign\nversion: 0.1.0\n',
    'values.yaml': 'a: 1\n',
    'templates/cm.yaml': 'kind: ConfigMap\n', 'templates/NOTES.txt': 'notes\n', 'templates/.hidden': 'x\n',
    'templates/sub/.dot': 'x\n', 'templates/sub/x.yaml': 'kind: Secret\n',
    'docs/README.md': 'r\n', 'docs/a.txt': 'a\n', 'docs/sub/b.txt': 'b\n',
    'cargo/a.txt': 'a\n', 'cargo/b.md': 'b\n', 'a.txt': 'a\n', 'b.txt': 'b\n', 'helm.txt': 'h\n', 'rudder.txt': 'r\n',
    '.joonix': 'j\n', 'README.md': 'r\n', 'notes.bak': 'b\n', 'file~': 't\n', 'x.swp': 's\n', 'star*.txt': 's\n',
    'ignore/me.txt': 'i\n', '.git/config': 'c\n',
  };
  const variants: Array<[string, string | undefined]> = [
    ['no .helmignore', undefined],
    ["helm create's .helmignore", '# Patterns to ignore when building packages.\n.DS_Store\n.git/\n.gitignore\n*.swp\n*.bak\n*.tmp\n*.orig\n*~\n.project\n.idea/\n*.tmproj\n.vscode/\n'],
    ['*.txt', '*.txt\n'],
    ['*.txt then !a.txt', '*.txt\n!a.txt\n'],
    ['!Chart.yaml keeps only what matches', '!Chart.yaml\n'],
    ['!a.txt ignores Chart.yaml too', '!a.txt\n'],
    ['docs/ (directories only)', 'docs/\n'],
    ['docs (basename, also the directory)', 'docs\n'],
    ['/a.txt anchored', '/a.txt\n'],
    ['cargo/*.txt', 'cargo/*.txt\n'],
    ['*/a.txt', '*/a.txt\n'],
    ['character class', 'ru[c-e]?er.txt\n[h]elm.txt\n'],
    ['escaped star', 'star\\*.txt\n'],
    ['templates/sub/', 'templates/sub/\n'],
    ['.* (dotfiles, .helmignore itself)', '.*\n'],
    ['*.md then !README.md', '*.md\n!README.md\n'],
    ['README.md/ never matches a file', 'README.md/\n'],
    ['docs/sub', 'docs/sub\n'],
    ['white space, comments and CRLF', '  # c\r\n\r\n  *.bak  \r\n'],
    ['** is refused by both', '**/a.txt\n'],
    ['a malformed pattern is refused by both', '[\n'],
  ];

  for (const [name, ignoreFile] of variants) {
    test(name, async () => {
      const dir = path.join(work, name.replace(/[^a-z0-9]+/gi, '_'), 'ign');
      for (const [rel, content] of Object.entries(tree)) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), content);
      }
      if (ignoreFile !== undefined) fs.writeFileSync(path.join(dir, '.helmignore'), ignoreFile);
      const helmOut = path.join(dir, '..', 'helm-out');
      const run = helm(['package', dir, '-d', helmOut]);
      const ours = await packageChart(dir, { outDir: path.join(dir, '..', 'our-out') });
      if (run.status !== 0) {
        assert.equal(ours.ok, false, `helm failed (${run.stderr.trim()}) but we packaged`);
        return;
      }
      assert.ok(ours.ok, `helm packaged but we failed: ${!ours.ok && ours.error.message}`);
      const helmEntries = execFileSync('tar', ['tzf', path.join(helmOut, 'ign-0.1.0.tgz')], { encoding: 'utf8' }).trim().split('\n');
      assert.deepEqual(ours.value.entries, helmEntries);
    });
  }
});
