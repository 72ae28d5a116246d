// The CLI as a terminal sees it: file names, Chart.yaml values and symlink targets carrying terminal
// escapes (ESC ] 0 ; … BEL sets a window title, ESC [ 2K erases a line) and invisible characters reach
// stdout and stderr only as \u escapes, in human output and in --json.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, signedCases, signedKeyrings, tempDir } from '../support/tools';

const launcher = path.join(repoRoot, 'bin', 'helm-prov.js');
const work = tempDir('cli-hostile-text-');
after(() => fs.rmSync(work, { recursive: true, force: true }));

/** A window-title change, a bell, a line erase, a word joiner, a soft hyphen, a Mongolian vowel separator and a tag letter. */
const HOSTILE = '\u001b]0;pwned\u0007\u001b[2K\u2060\u00ad\u180e\u{e0041}';
const ESCAPED = '\\u001b]0;pwned\\u0007\\u001b[2K\\u2060\\u00ad\\u180e\\u{e0041}';
const RAW = /[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}]/u;

function helmProv(args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: path.join(work, 'cache'), GNUPGHOME: path.join(work, 'no-gnupg') };
  const r = spawnSync(process.execPath, [launcher, ...args], { cwd: work, encoding: 'utf8', env });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Nothing but line breaks between lines: no control, format or default-ignorable character. */
function assertClean(output: string, what: string): void {
  for (const line of output.split('\n')) assert.ok(!RAW.test(line), `${what} carries a raw character: ${JSON.stringify(line)}`);
}

function chart(name: string, chartYaml: string): string {
  const dir = path.join(work, name);
  fs.mkdirSync(path.join(dir, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Chart.yaml'), chartYaml);
  return dir;
}

test('keys: a keyring file name with terminal escapes and invisible characters is printed escaped', () => {
  const ring = path.join(work, `ring${HOSTILE}.gpg`);
  fs.copyFileSync(path.join(signedKeyrings, 'pubring.gpg'), ring);
  const r = helmProv(['keys', ring]);
  assert.equal(r.status, 0, r.stderr);
  assertClean(r.stdout, 'stdout');
  assertClean(r.stderr, 'stderr');
  assert.ok(r.stdout.includes(`ring${ESCAPED}.gpg (binary,`), r.stdout);
});

test('package: a Chart.yaml version holding ESC]0;… is echoed escaped', () => {
  // YAML's \e and \a escapes put a real ESC and BEL into the value.
  const dir = chart('title', 'apiVersion: v2\nname: title\nversion: "1.0.0\\e]0;pwned\\a\\u2060"\n');
  const r = helmProv(['package', dir, '-d', path.join(work, 'out')]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assertClean(r.stdout, 'stdout');
  assertClean(r.stderr, 'stderr');
  assert.ok(r.stderr.includes('1.0.0\\u001b]0;pwned\\u0007\\u2060'), r.stderr);
  assert.match(r.stderr, /\[chart-invalid\]/);
});

test('package: a symlink whose target name holds terminal escapes is refused with the target escaped', () => {
  const outside = path.join(work, `outside${HOSTILE}`);
  fs.writeFileSync(outside, 'kind: ConfigMap\n');
  const dir = chart('linked', 'apiVersion: v2\nname: linked\nversion: 1.0.0\n');
  fs.symlinkSync(outside, path.join(dir, 'templates', 'cm.yaml'));
  const r = helmProv(['package', dir, '-d', path.join(work, 'out')]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assertClean(r.stdout, 'stdout');
  assertClean(r.stderr, 'stderr');
  assert.ok(r.stderr.includes(`outside${ESCAPED}, outside the chart directory`), r.stderr);
  assert.match(r.stderr, /\[chart-unsafe-path\]/);
});

test('sign: the same escapes in a chart directory name reach neither stdout nor stderr', () => {
  const dir = chart(`dir${HOSTILE}`, 'apiVersion: v2\nname: dirchart\nversion: 1.0.0\n');
  const r = helmProv(['sign', path.join(dir, 'missing.tgz'), '--key', 'nobody', '--keyring', path.join(work, `secring${HOSTILE}.gpg`)]);
  assert.notEqual(r.status, 0);
  assertClean(r.stdout, 'stdout');
  assertClean(r.stderr, 'stderr');
  assert.ok(r.stderr.includes(ESCAPED), r.stderr);
});

test('verify --json: the exact name for a parser, no raw invisible character for a terminal', () => {
  const name = `devapp${HOSTILE}-1.2.3.tgz`;
  const dir = path.join(work, 'json');
  fs.mkdirSync(dir);
  fs.copyFileSync(path.join(signedCases, 'valid-rsa2048', 'devapp-1.2.3.tgz'), path.join(dir, name));
  fs.copyFileSync(path.join(signedCases, 'valid-rsa2048', 'devapp-1.2.3.tgz.prov'), path.join(dir, `${name}.prov`));
  const r = helmProv(['verify', dir, '--keyring', path.join(signedKeyrings, 'pubring.gpg'), '--json']);
  assert.equal(r.status, 1, r.stderr);
  assertClean(r.stdout, 'stdout');
  const outcome = JSON.parse(r.stdout);
  assert.equal(outcome.archive, path.join(dir, name));
  assert.equal(outcome.code, 'filename-mismatch');
  assert.ok(outcome.message.includes(`devapp${ESCAPED}-1.2.3.tgz`), outcome.message);
});
