// helm-prov as a chart maintainer meets it (issue 13, points 2 and 11): a GnuPG 2.2 home with a fresh
// key and no exported secring.gpg, the real bin/helm-prov.js, and the real `helm verify` on the result.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GpgHome, helm, repoRoot, scratch, signedKeys, tempDir } from '../support/tools';

const cli = path.join(repoRoot, 'bin', 'helm-prov.js');
const cacheHome = tempDir('cli-cache-');
after(() => fs.rmSync(cacheHome, { recursive: true, force: true }));

function helmProv(args: string[], env: Record<string, string> = {}, cwd?: string) {
  const r = spawnSync(process.execPath, [cli, ...args], {
    cwd, encoding: 'utf8', env: { ...process.env, GNUPGHOME: tempDir('empty-gnupg-'), XDG_CACHE_HOME: cacheHome, CI: '1', ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function chart(parent: string, name = 'mychart'): string {
  const dir = path.join(parent, name);
  fs.mkdirSync(path.join(dir, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`);
  fs.writeFileSync(path.join(dir, 'templates', 'cm.yaml'), 'kind: ConfigMap\n');
  return dir;
}

/** The fingerprints of `gpg --list-secret-keys`, primary first. */
function fingerprints(home: GpgHome): string[] {
  const listed = home.run(['--with-colons', '--list-secret-keys']);
  return listed.stdout.split('\n').filter((l) => l.startsWith('fpr:')).map((l) => l.split(':')[9]);
}

describe('a fresh GnuPG 2 home: the key lives in gpg-agent, not in secring.gpg', () => {
  const uid = 'Chart Maintainer <maintainer@example.org>';
  let home: GpgHome;
  let primary: string;
  let subkey: string;
  let pubring: string;

  before(() => {
    home = new GpgHome();
    // A certify-only primary and a signing subkey, as careful maintainers make them; no passphrase.
    assert.equal(home.run(['--passphrase', '', '--quick-gen-key', uid, 'ed25519', 'cert', 'never']).status, 0);
    [primary] = fingerprints(home);
    assert.equal(home.run(['--passphrase', '', '--quick-add-key', primary, 'ed25519', 'sign', 'never']).status, 0);
    subkey = fingerprints(home)[1];
    assert.ok(!fs.existsSync(path.join(home.dir, 'secring.gpg')), 'GnuPG 2.2 keeps no secring.gpg');
    pubring = path.join(home.dir, 'exported-pubring.gpg');
    fs.writeFileSync(pubring, spawnSync('gpg', ['--homedir', home.dir, '--export', primary]).stdout);
  });
  after(() => home.dispose());

  test('package --sign --key <uid> signs through gpg, says so, names the subkey, and helm verify accepts it', () => {
    const work = scratch('cli-gnupg2-');
    const r = helmProv(['package', chart(work), '-d', work, '--sign', '--key', 'maintainer@example.org'], { GNUPGHOME: home.dir });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /→ .*mychart-0\.1\.0\.tgz\.prov with gpg$/m);
    assert.match(r.stdout, new RegExp(`^Using Key With Fingerprint: ${primary}$`, 'm'));
    assert.match(r.stdout, new RegExp(`^Signing Subkey: ${subkey}$`, 'm'));
    const verified = helm(['verify', path.join(work, 'mychart-0.1.0.tgz'), '--keyring', pubring]);
    assert.equal(verified.status, 0, verified.stderr);
  });

  test('sign <archive> --gpg-home finds the key in that home (no $GNUPGHOME) and helm verify accepts it', () => {
    const work = scratch('cli-gnupg2-');
    assert.equal(helmProv(['package', chart(work), '-d', work]).status, 0);
    const archive = path.join(work, 'mychart-0.1.0.tgz');
    const r = helmProv(['sign', archive, '--key', primary, '--gpg-home', home.dir]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, / with gpg$/m);
    assert.match(r.stdout, new RegExp(`^Signing Subkey: ${subkey}$`, 'm'));
    assert.equal(helm(['verify', archive, '--keyring', pubring]).status, 0);
  });

  test('--openpgp forces the keyring backend: a clear not-found, nothing packaged', () => {
    const work = scratch('cli-gnupg2-');
    const r = helmProv(['package', chart(work), '-d', work, '--sign', '--key', primary, '--openpgp'], { GNUPGHOME: home.dir });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /secring\.gpg/);
    assert.deepEqual(fs.readdirSync(work).filter((f) => f.endsWith('.tgz')), []);
  });

  test('keys prints algorithms, usage flags and counts as gpg does', () => {
    const r = helmProv(['keys', pubring]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\(binary, 1 key\)$/m);
    assert.match(r.stdout, new RegExp(`^pub  ed25519  ${primary}  \\[C\\]`, 'm'));
    assert.match(r.stdout, new RegExp(`^ +sub ed25519  ${subkey}  \\[S\\]`, 'm'));
    assert.doesNotMatch(r.stdout, /ed25519255/);
  });
});

test('a key held nowhere: one error naming both places searched and --gpg-home; no unsigned .tgz left', () => {
  const home = new GpgHome();
  try {
    const work = scratch('cli-gnupg2-');
    const r = helmProv(['package', chart(work), '-d', work, '--sign', '--key', 'nobody@example.org'], { GNUPGHOME: home.dir });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /\[key-not-found\]/);
    assert.ok(r.stderr.includes(path.join(home.dir, 'secring.gpg')), r.stderr);
    assert.ok(r.stderr.includes(`GnuPG home ${home.dir}`), r.stderr);
    assert.match(r.stderr, /--gpg-home/);
    assert.deepEqual(fs.readdirSync(work).filter((f) => f.endsWith('.tgz')), []);
    // `sign <dir>` with no archive yet would package first: refused before that too.
    const signed = helmProv(['sign', path.join(work, 'mychart'), '-d', work, '--key', 'nobody@example.org'], { GNUPGHOME: home.dir });
    assert.equal(signed.status, 1);
    assert.deepEqual(fs.readdirSync(work).filter((f) => f.endsWith('.tgz')), []);
  } finally {
    home.dispose();
  }
});

test('gpg-agent holding the passphrase: a wrong --passphrase-file still signs, and the output says it was not checked', () => {
  const home = new GpgHome();
  try {
    assert.equal(home.run(['--passphrase', 'right', '--pinentry-mode', 'loopback', '--quick-gen-key', 'Locked <locked@example.org>', 'ed25519', 'sign', 'never']).status, 0);
    const work = scratch('cli-gnupg2-');
    const right = path.join(work, 'right.txt');
    const wrong = path.join(work, 'wrong.txt');
    fs.writeFileSync(right, 'right\n');
    fs.writeFileSync(wrong, 'wrong\n');
    assert.equal(helmProv(['package', chart(work), '-d', work]).status, 0);
    const archive = path.join(work, 'mychart-0.1.0.tgz');
    const sign = (file: string) => helmProv(['sign', archive, '--key', 'locked@example.org', '--passphrase-file', file], { GNUPGHOME: home.dir });
    const refused = sign(wrong);
    assert.equal(refused.status, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /\[passphrase-wrong\]/);
    const first = sign(right);
    assert.equal(first.status, 0, first.stdout + first.stderr);
    assert.doesNotMatch(first.stdout, /not checked|neither used/);
    const cached = sign(wrong);
    assert.equal(cached.status, 0, cached.stdout + cached.stderr);
    assert.match(cached.stdout, /passphrase given was neither used nor checked/);
  } finally {
    home.dispose();
  }
});

test('keys: every part\'s usage flags are the ones gpg --show-keys gives it', () => {
  const keysFile = path.join(repoRoot, 'test', 'fixtures', 'signed', 'keyrings', 'KEYS');
  const home = new GpgHome();
  try {
    const theirs = new Map<string, string>();
    let letters = '';
    for (const fields of home.run(['--with-colons', '--show-keys', keysFile]).stdout.split('\n').map((l) => l.split(':'))) {
      // Field 12: this part's capabilities in lower case (upper case: the whole key's).
      if (fields[0] === 'pub' || fields[0] === 'sub') letters = fields[11].replace(/[A-Z]/g, '').toUpperCase();
      else if (fields[0] === 'fpr') theirs.set(fields[9], [...letters].sort().join(''));
    }
    const ours = new Map<string, string>();
    for (const m of helmProv(['keys', keysFile]).stdout.matchAll(/^ *(?:pub|sec|sub) +\S+  ([0-9A-F]{40})  \[([SCEA]+)\]/gm)) {
      ours.set(m[1], [...m[2]].sort().join(''));
    }
    assert.ok(theirs.size > 10, `gpg listed ${theirs.size}`);
    assert.deepEqual(ours, theirs);
  } finally {
    home.dispose();
  }
});

// The timeout only stops a hang (a prompt that never reads); nothing here depends on how long it takes.
test('on a terminal a missing passphrase is asked without echo; in CI it is an error, never a wait', { timeout: 120_000 }, async () => {
  const work = scratch('cli-tty-');
  const archive = path.join(work, 'hello-0.1.0.tgz');
  fs.copyFileSync(path.join(repoRoot, 'examples', 'hello-0.1.0.tgz'), archive);
  const passphrase = fs.readFileSync(path.join(signedKeys, 'locked.passphrase'), 'utf8').trim();
  const args = ['sign', archive, '--key', fs.readFileSync(path.join(signedKeys, 'locked.fpr'), 'utf8').trim(), '--keyring', path.join(signedKeys, 'locked.sec.gpg')];
  const inCi = helmProv(args);
  assert.equal(inCi.status, 1);
  assert.match(inCi.stderr, /\[passphrase-required\]/);
  // A real terminal: script(1) runs helm-prov on a pseudo-terminal; the answer is typed once the prompt shows.
  const env: NodeJS.ProcessEnv = { ...process.env, GNUPGHOME: work, XDG_CACHE_HOME: cacheHome };
  delete env.CI;
  const quoted = [process.execPath, cli, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', quoted, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  let seen = '';
  let typed = false;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    seen += chunk;
    if (!typed && seen.includes('Passphrase: ')) {
      typed = true;
      child.stdin.write(`${passphrase}\r`);
    }
  });
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  child.stdin.destroy();
  assert.equal(status, 0, seen);
  assert.ok(typed, seen);
  assert.match(seen, /with openpgp\.js/);
  assert.ok(!seen.includes(passphrase), 'the passphrase was echoed');
  assert.ok(fs.existsSync(`${archive}.prov`));
});

describe('help, version and usage errors', () => {
  const commands = ['verify', 'sign', 'package', 'lint', 'verify-file', 'keys', 'verify-blob', 'verify-bundle', 'sigstore'];

  test('<command> --help prints that command\'s usage, exit 0', () => {
    for (const command of commands) {
      const r = helmProv([command, '--help']);
      assert.equal(r.status, 0, `${command}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^Usage: helm-prov\\s+${command} `), command);
      assert.equal(r.stderr, '', command);
      assert.deepEqual(helmProv(['help', command]).stdout, r.stdout, command);
    }
    assert.match(helmProv(['sign', '--help']).stdout, /--gpg-home DIR/);
    assert.match(helmProv(['verify-file', '--help']).stdout, /\[--signature F\] \[--keyring F\]\.\.\. \[--trust FPR\]\.\.\. \[--json\]/);
  });

  test('--version prints package.json\'s version', () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', 'version']) {
      const r = helmProv([flag]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `helm-prov ${version}\n`);
    }
  });

  test('a missing keyring is an error naming it, exit 1, without the usage text (as helm verify --keyring)', () => {
    const archive = path.join(repoRoot, 'examples', 'hello-0.1.0.tgz');
    for (const args of [['verify', archive, '--keyring', '/nonexistent/pubring.gpg'], ['keys', '/nonexistent/pubring.gpg']]) {
      const r = helmProv(args);
      assert.equal(r.status, 1, args.join(' '));
      assert.match(r.stderr, /\/nonexistent\/pubring\.gpg does not exist/);
      assert.doesNotMatch(r.stderr, /Usage|Commands:/);
    }
  });

  test('a usage mistake shows that command\'s synopsis only, exit 2', () => {
    const r = helmProv(['sign', 'x', '--bogus']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^Error: Unknown option '--bogus'/);
    assert.match(r.stderr, /^Usage: helm-prov sign /m);
    assert.doesNotMatch(r.stderr, /Commands:/);
  });

  test("README's CLI block is exactly helm-prov --help", () => {
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const block = /## The CLI\n[\s\S]*?```text\n([\s\S]*?)```/.exec(readme);
    assert.ok(block, 'README has a ```text block under "## The CLI"');
    assert.equal(block[1], helmProv(['--help']).stdout);
  });
});
