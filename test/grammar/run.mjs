// Runs the TextMate grammar tests in this folder with vscode-tmgrammar-test.
// Before that it checks what the scope assertions alone cannot: that each "copy of <fixture>" test still
// holds that fixture line for line (so the scopes are asserted on real content), and that the folding
// markers of the language configurations pair up on every test source.
import { readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const testDir = 'test/grammar';
const grammars = [
  'syntaxes/helm-provenance.tmLanguage.json',
  'syntaxes/pgp-keys.tmLanguage.json',
  // VS Code brings its own YAML grammar; no installed package ships one, so the tests use a stand-in.
  `${testDir}/yaml-stub.tmLanguage.json`,
];
const languageConfigurations = {
  'source.helm-provenance': 'syntaxes/helm-provenance.language-configuration.json',
  'source.pgp-keys': 'syntaxes/pgp-keys.language-configuration.json',
};
// Same header and assertion-line rules as vscode-tmgrammar-test's parser.
const headerPattern = /^(\S+)\s+SYNTAX\s+TEST\s+"([^"]+)"(?:\s+"([^"]+)")?\s*$/;
const assertionBody = /^\s*(\^|<~*-+)/;

function linesOf(text) {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

function parseTestFile(relativePath) {
  const [header, ...rest] = linesOf(readFileSync(path.join(root, relativePath), 'utf8'));
  const match = headerPattern.exec(header ?? '');
  if (!match) throw new Error(`${relativePath}: first line is not a SYNTAX TEST header`);
  const [, commentToken, scope, description = ''] = match;
  const source = rest.filter(
    (line) => !(line.startsWith(commentToken) && assertionBody.test(line.slice(commentToken.length))),
  );
  return { scope, description, source };
}

function fixtureProblems(relativePath, { description, source }) {
  const copied = /^copy of (\S+)$/.exec(description);
  if (!copied) return [];
  const fixture = linesOf(readFileSync(path.join(root, copied[1]), 'utf8'));
  const differing = fixture.findIndex((line, i) => source[i] !== line);
  if (differing === -1 && source.length === fixture.length) return [];
  const line = differing === -1 ? Math.min(source.length, fixture.length) + 1 : differing + 1;
  return [`${relativePath}: no longer a copy of ${copied[1]} (first difference at fixture line ${line})`];
}

function foldingProblems(relativePath, { scope, source }) {
  const configPath = languageConfigurations[scope];
  if (!configPath) return [`${relativePath}: no language configuration for ${scope}`];
  const { start, end } = JSON.parse(readFileSync(path.join(root, configPath), 'utf8')).folding.markers;
  const starts = source.filter((line) => new RegExp(start).test(line)).length;
  const ends = source.filter((line) => new RegExp(end).test(line)).length;
  return starts > 0 && starts === ends
    ? []
    : [`${relativePath}: ${configPath} folding markers found ${starts} start(s) and ${ends} end(s)`];
}

const testFiles = readdirSync(path.join(root, testDir))
  .filter((name) => name.includes('.test.'))
  .map((name) => `${testDir}/${name}`);
const problems = testFiles.flatMap((file) => {
  const testCase = parseTestFile(file);
  return [...fixtureProblems(file, testCase), ...foldingProblems(file, testCase)];
});
if (testFiles.length === 0) problems.push(`no *.test.* files in ${testDir}`);
for (const problem of problems) console.error(`✖ ${problem}`);

const require = createRequire(import.meta.url);
const tool = require.resolve('vscode-tmgrammar-test/dist/unit.js');
const run = spawnSync(
  process.execPath,
  [tool, ...grammars.flatMap((grammar) => ['-g', grammar]), ...testFiles],
  { cwd: root, stdio: 'inherit' },
);
process.exit(problems.length > 0 || run.status !== 0 ? 1 : 0);
