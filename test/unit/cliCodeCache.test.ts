// bin/helm-prov.js loads the bundle through a V8 code cache kept under $XDG_CACHE_HOME/helm-provenance:
// whatever state that cache is in, the CLI must print the same and exit the same as without it.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, tempDir } from '../support/tools';

const launcher = path.join(repoRoot, 'bin', 'helm-prov.js');
const bundle = path.join(repoRoot, 'dist', 'helm-prov.js');
/** The bundle of `verify` of local files (server/src/cli/verifyMain.ts): what runs VERIFY. */
const verifyBundle = path.join(repoRoot, 'dist', 'helm-prov-verify.js');
/** The libraries the verify bundle requires at their first use (openpgp.js, yaml, Sigstore), in a bundle of their own. */
const librariesBundle = path.join(repoRoot, 'dist', 'helm-prov-verify-libs.js');
const examples = path.join(repoRoot, 'examples');
const signed = path.join(repoRoot, 'test', 'fixtures', 'signed');
/** An RSA signature, a flat Chart.yaml, the signer's key alone: once the keyring cache holds it, this verify needs none of the libraries. */
const VERIFY = ['verify', path.join(signed, 'cases', 'valid-rsa2048', 'devapp-1.2.3.tgz'), '--keyring', path.join(signed, 'keys', 'rsa2048.pub.gpg')];
const MAGIC = 'helm-prov-code-cache 2 ';
const posix = process.platform !== 'win32';

const work = tempDir('cli-code-cache-');
after(() => fs.rmSync(work, { recursive: true, force: true }));
let counter = 0;

interface Run { status: number | null; stdout: string; stderr: string }

function helmProv(args: string[], cacheHome: string, extraEnv: Record<string, string> = {}): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: cacheHome, GNUPGHOME: path.join(work, 'no-gnupg'), ...extraEnv };
  if (!('HELM_PROV_NO_CODE_CACHE' in extraEnv)) delete env.HELM_PROV_NO_CODE_CACHE;
  delete env.NODE_OPTIONS; // e.g. --enable-source-maps turns the cache off
  const r = spawnSync(process.execPath, [launcher, ...args], { cwd: repoRoot, encoding: 'utf8', env });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function freshCacheHome(): string {
  const dir = path.join(work, `home${counter++}`);
  fs.mkdirSync(dir);
  return dir;
}

/** The code cache files in `<cacheHome>/helm-provenance` (none when the directory does not exist); keyring-*.json are keyCache.ts's. */
function cacheFiles(cacheHome: string): string[] {
  const dir = path.join(cacheHome, 'helm-provenance');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.startsWith('helm-prov-')).map((f) => path.join(dir, f));
}

function onlyCacheFile(cacheHome: string): string {
  const files = cacheFiles(cacheHome);
  assert.equal(files.length, 1, `expected one cache file, found ${files.join(', ') || 'none'}`);
  assert.match(path.basename(files[0]), /^helm-prov-[0-9a-f]+-verify\.bin$/);
  return files[0];
}

/** A fresh cache home in which verify wrote its cache file (the first run fills the keyring cache, the second writes it). */
function homeWithCache(): { home: string; file: string } {
  const home = freshCacheHome();
  helmProv(VERIFY, home);
  helmProv(VERIFY, home);
  return { home, file: onlyCacheFile(home) };
}

function header(file: string): string {
  const bytes = fs.readFileSync(file);
  return bytes.toString('latin1', 0, bytes.indexOf(0x0a));
}

/** The name codeCache.js gives a bundle's cache file for a command (a digest of Node's version, platform and the bundle's path). */
function cacheNameFor(file: string, command: string): string {
  const meta = `${process.version}\0${process.arch}\0${process.platform}\0${file}`;
  return `helm-prov-${crypto.createHash('sha256').update(meta).digest('hex').slice(0, 24)}-${command}.bin`;
}

/** A copy of the launchers and the bundles; `copy` is the verify bundle's copy, `run` runs the copied launcher. */
function copyOfTree(): { copy: string; libraries: string; run: (home: string) => Run } {
  const tree = path.join(work, `tree${counter++}`);
  fs.mkdirSync(path.join(tree, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(tree, 'dist'));
  for (const f of ['helm-prov.js', 'codeCache.js', 'privateCache.js']) fs.copyFileSync(path.join(repoRoot, 'bin', f), path.join(tree, 'bin', f));
  fs.copyFileSync(bundle, path.join(tree, 'dist', 'helm-prov.js'));
  const copy = path.join(tree, 'dist', 'helm-prov-verify.js');
  fs.copyFileSync(verifyBundle, copy);
  const libraries = path.join(tree, 'dist', path.basename(librariesBundle));
  fs.copyFileSync(librariesBundle, libraries);
  const run = (home: string) => {
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: home, GNUPGHOME: path.join(work, 'no-gnupg') };
    delete env.HELM_PROV_NO_CODE_CACHE;
    delete env.NODE_OPTIONS;
    const r = spawnSync(process.execPath, [path.join(tree, 'bin', 'helm-prov.js'), ...VERIFY], { cwd: repoRoot, encoding: 'utf8', env });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  return { copy, libraries, run };
}

describe('bin/helm-prov.js code cache', () => {
  test('the bundles are built (npm test builds them first)', () => {
    for (const file of [bundle, verifyBundle, librariesBundle]) assert.ok(fs.existsSync(file), `${file}: run node scripts/build.mjs cli`);
  });

  // Reference output: the bundle loaded by a plain require.
  const reference = (args: string[]) => helmProv(args, freshCacheHome(), { HELM_PROV_NO_CODE_CACHE: '1' });
  let verified: Run | undefined;
  const expected = (): Run => (verified ??= reference(VERIFY));

  test('HELM_PROV_NO_CODE_CACHE=1 writes nothing', () => {
    const home = freshCacheHome();
    const run = helmProv(VERIFY, home, { HELM_PROV_NO_CODE_CACHE: '1' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^Chart Hash Verified: sha256:/m);
    assert.deepEqual(run, expected());
    assert.deepEqual(fs.readdirSync(home), []);
  });

  test('a run that fills the keyring cache writes no code cache, the next writes a private one, later ones use it as is; output never changes', () => {
    const home = freshCacheHome();
    assert.deepEqual(helmProv(VERIFY, home), expected());
    // That run described the keyring with openpgp.js, which later runs skip: its functions would double the cache.
    assert.deepEqual(cacheFiles(home), []);
    assert.equal(fs.readdirSync(path.join(home, 'helm-provenance')).filter((f) => f.startsWith('keyring-')).length, 1);
    assert.deepEqual(helmProv(VERIFY, home), expected());
    const file = onlyCacheFile(home);
    assert.ok(header(file).startsWith(MAGIC), header(file));
    assert.ok(header(file).endsWith(' verify'), header(file));
    if (posix) {
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
    }
    const before = fs.statSync(file);
    const contents = fs.readFileSync(file);
    assert.deepEqual(helmProv(VERIFY, home), expected());
    // Accepted (a rejected or mismatched cache would be replaced by a new file).
    assert.equal(fs.statSync(file).ino, before.ino);
    assert.deepEqual(fs.readFileSync(file), contents);
    assert.deepEqual(cacheFiles(home), [file], 'no temporary files left behind');

    // Another command has a file of its own (its functions are not verify's to deserialise); verify's stays as it is.
    const keys = ['keys', path.join(examples, 'pubring.gpg')];
    const keysExpected = reference(keys);
    assert.deepEqual(helmProv(keys, home), keysExpected);
    const keysFile = cacheFiles(home).find((f) => f !== file);
    assert.ok(keysFile && keysFile.endsWith('-keys.bin') && header(keysFile).endsWith(' keys'), cacheFiles(home).join(', '));
    const keysIno = fs.statSync(keysFile).ino;
    assert.deepEqual(helmProv(keys, home), keysExpected);
    assert.deepEqual(helmProv(VERIFY, home), expected());
    assert.equal(fs.statSync(keysFile).ino, keysIno);
    assert.equal(fs.statSync(file).ino, before.ino);
    assert.deepEqual(fs.readFileSync(file), contents);

    // A usage error (an unknown command, exit status 2) writes no file.
    assert.equal(helmProv(['no-such-command'], home).status, 2);
    assert.equal(cacheFiles(home).length, 2, cacheFiles(home).join(', '));
  });

  test('exit statuses other than 0 pass through unchanged', () => {
    const home = freshCacheHome();
    const usage = reference([]);
    assert.equal(usage.status, 2);
    assert.deepEqual(helmProv([], home), usage);
    assert.deepEqual(helmProv([], home), usage);

    const tampered = path.join(work, 'tampered');
    fs.mkdirSync(tampered);
    const archive = path.join(tampered, 'hello-0.1.0.tgz');
    fs.copyFileSync(path.join(examples, 'hello-0.1.0.tgz.prov'), `${archive}.prov`);
    fs.writeFileSync(archive, Buffer.concat([fs.readFileSync(path.join(examples, 'hello-0.1.0.tgz')), Buffer.from([0])]));
    const args = ['verify', archive, '--keyring', path.join(examples, 'pubring.gpg')];
    const rejected = reference(args);
    assert.equal(rejected.status, 1, rejected.stdout + rejected.stderr);
    assert.deepEqual(helmProv(args, home), rejected);
    assert.deepEqual(helmProv(args, home), rejected);
  });

  test('a garbage cache file is ignored and replaced', () => {
    const { home, file } = homeWithCache();
    fs.writeFileSync(file, Buffer.from('not a code cache\n\0\x01\x02 garbage'.repeat(1000)));
    assert.deepEqual(helmProv(VERIFY, home), expected());
    assert.ok(header(onlyCacheFile(home)).startsWith(MAGIC));
    assert.deepEqual(helmProv(VERIFY, home), expected());
  });

  test('a cache with a valid header but damaged V8 data is ignored (V8 would crash on it) and replaced', () => {
    const { home, file } = homeWithCache();
    const bytes = fs.readFileSync(file);
    const start = bytes.indexOf(0x0a) + 1;
    for (const at of [20, 30, 1000, Math.floor((bytes.length - start) / 2)]) bytes[start + at] ^= 0xff;
    fs.writeFileSync(file, bytes);
    assert.deepEqual(helmProv(VERIFY, home), expected());
    assert.notDeepEqual(fs.readFileSync(file), bytes);
    assert.deepEqual(helmProv(VERIFY, home), expected());
  });

  test('a cache written for another bundle (same length, other bytes) is ignored and replaced', () => {
    const { home, file } = homeWithCache();
    const bytes = fs.readFileSync(file);
    const end = bytes.indexOf(0x0a);
    const fields = bytes.toString('latin1', 0, end).split(' ');
    fields[2] = fields[2].replace(/^./, (c) => (c === '0' ? '1' : '0'));
    fields[4] = '-'; // another bundle's bytes have another identity (device, inode, size, mtime, ctime)
    fs.writeFileSync(file, Buffer.concat([Buffer.from(fields.join(' '), 'latin1'), bytes.subarray(end)]));
    const ino = fs.statSync(file).ino;
    assert.deepEqual(helmProv(VERIFY, home), expected());
    assert.notEqual(fs.statSync(file).ino, ino);
    assert.equal(header(file).split(' ')[2], bytes.toString('latin1', 0, end).split(' ')[2]);
  });

  test('a bundle rewritten in place with other bytes of the same length runs as it now is: its recorded identity no longer holds', () => {
    // A copy of the launcher and the bundles, left unchanged long enough (2 s) for its identity to be recorded.
    const { copy, run } = copyOfTree();
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2100);
    const home = freshCacheHome();
    assert.deepEqual(run(home), expected());
    assert.deepEqual(run(home), expected());
    const file = onlyCacheFile(home);
    const [, , digest, , recorded] = header(file).split(' ');
    assert.match(recorded, /^\d+:\d+:\d+:\d+:\d+$/, header(file));
    assert.deepEqual(run(home), expected());

    const text = fs.readFileSync(copy, 'latin1');
    assert.equal(text.split('Chart Hash Verified').length, 2, 'the message is in the bundle once');
    fs.writeFileSync(copy, text.replace('Chart Hash Verified', 'Chart Hash VERIFIED'), 'latin1');
    const changed = { ...expected(), stdout: expected().stdout.replace('Chart Hash Verified', 'Chart Hash VERIFIED') };
    assert.deepEqual(run(home), changed, 'the old code must not run for the new bytes');
    assert.deepEqual(run(home), changed);
    assert.notEqual(header(file).split(' ')[2], digest, 'rewritten for the new bytes');
  });

  test('verify of local files runs from the verify bundle; a registry verify, declined there, and other commands from the whole one', () => {
    // The cache file's name says which bundle ran.
    const nameFor = cacheNameFor;
    const names = (home: string) => cacheFiles(home).map((f) => path.basename(f)).sort();
    const home = freshCacheHome();
    helmProv(VERIFY, home);
    helmProv(VERIFY, home);
    assert.deepEqual(names(home), [nameFor(verifyBundle, 'verify')]);

    // Nothing listens on port 1: the registry verify fails the same way through the launcher as by a plain require.
    const remote = ['verify', 'oci://127.0.0.1:1/hello:0.1.0', '--keyring', path.join(examples, 'pubring.gpg')];
    const remoteExpected = reference(remote);
    assert.equal(remoteExpected.status, 1, remoteExpected.stderr);
    assert.deepEqual(helmProv(remote, home), remoteExpected); // fills the whole bundle's keyring cache entry
    assert.deepEqual(helmProv(remote, home), remoteExpected);
    assert.deepEqual(names(home), [nameFor(verifyBundle, 'verify'), nameFor(bundle, 'verify')].sort());

    const keys = ['keys', path.join(examples, 'pubring.gpg')];
    assert.deepEqual(helmProv(keys, home), reference(keys));
    assert.ok(names(home).includes(nameFor(bundle, 'keys')), names(home).join(', '));
    assert.ok(!names(home).includes(nameFor(verifyBundle, 'keys')), names(home).join(', '));
  });

  test('a cached verify that needs none of the libraries never reads their bundle', () => {
    const { libraries, run } = copyOfTree();
    const home = freshCacheHome();
    assert.deepEqual(run(home), expected()); // the keyring cache miss reads the keys with openpgp.js
    assert.deepEqual(run(home), expected());
    assert.equal(cacheFiles(home).length, 1, 'no cache file for the libraries: no run after the miss required them');
    fs.rmSync(libraries);
    assert.deepEqual(run(home), expected());
    assert.deepEqual(run(home), expected());
  });

  test('a verify that needs openpgp.js or yaml takes them from the libraries bundle, through a cache file of its own, written once and then used', () => {
    const cases: string[][] = [
      // Chart.yaml with a list (maintainers): the yaml library.
      ['verify', path.join(examples, 'hello-0.1.0.tgz'), '--keyring', path.join(examples, 'pubring.gpg')],
      // A NIST P-256 signature: openpgp.js checks it.
      ['verify', path.join(signed, 'cases', 'valid-nistp256', 'devapp-1.2.3.tgz'), '--keyring', path.join(signed, 'keyrings', 'KEYS')],
    ];
    for (const args of cases) {
      const want = reference(args);
      assert.equal(want.status, 0, want.stderr);
      const home = freshCacheHome();
      assert.deepEqual(helmProv(args, home), want); // fills the keyring cache: no code cache written
      assert.deepEqual(cacheFiles(home), []);
      assert.deepEqual(helmProv(args, home), want);
      const names = cacheFiles(home).map((f) => path.basename(f)).sort();
      assert.deepEqual(names, [cacheNameFor(verifyBundle, 'verify'), cacheNameFor(librariesBundle, 'verify')].sort());
      const libraries = path.join(home, 'helm-provenance', cacheNameFor(librariesBundle, 'verify'));
      assert.ok(header(libraries).startsWith(MAGIC) && header(libraries).endsWith(' verify'), header(libraries));
      const written = { ino: fs.statSync(libraries).ino, bytes: fs.readFileSync(libraries) };
      assert.deepEqual(helmProv(args, home), want);
      assert.equal(fs.statSync(libraries).ino, written.ino, 'accepted, not rewritten');
      assert.deepEqual(fs.readFileSync(libraries), written.bytes);
      // A damaged libraries cache is ignored and replaced, as the bundle's is.
      const damaged = Buffer.from(written.bytes);
      damaged[damaged.indexOf(0x0a) + 1000] ^= 0xff;
      fs.writeFileSync(libraries, damaged);
      assert.deepEqual(helmProv(args, home), want);
      assert.notDeepEqual(fs.readFileSync(libraries), damaged);
    }
  });

  test('the verify bundle names the libraries bundle\'s digest, so that what is keyed by its digest changes with the libraries', () => {
    const first = fs.readFileSync(verifyBundle, 'latin1').split('\n', 1)[0];
    const digest = crypto.createHash('sha256').update(fs.readFileSync(librariesBundle)).digest('hex');
    assert.equal(first, `// ${path.basename(librariesBundle)} sha256 ${digest}`);
  });

  test('a bundle that is not ASCII (not as the build writes it) still runs as UTF-8, with and without its cache', () => {
    const { copy, run } = copyOfTree();
    fs.writeFileSync(copy, fs.readFileSync(copy, 'latin1').replace('Chart Hash Verified', 'Chart Hash Verifi\u00e9d'), 'utf8');
    const changed = { ...expected(), stdout: expected().stdout.replace('Chart Hash Verified', 'Chart Hash Verifi\u00e9d') };
    const home = freshCacheHome();
    for (let i = 0; i < 3; i++) assert.deepEqual(run(home), changed, `run ${i}`);
    assert.equal(cacheFiles(home).length, 1);
  });

  test('a command\'s --help writes the help runs\' cache file, not the command\'s', () => {
    const home = freshCacheHome();
    for (const args of [['verify', '--help'], ['keys', '-h']]) {
      const help = reference(args);
      assert.equal(help.status, 0);
      assert.deepEqual(helmProv(args, home), help);
    }
    assert.deepEqual(cacheFiles(home).map((f) => path.basename(f).replace(/^helm-prov-[0-9a-f]+-/, '')), ['other.bin']);
    // verify's own file is then written by verify runs, with verify's functions.
    assert.deepEqual(helmProv(VERIFY, home), expected());
    assert.deepEqual(helmProv(VERIFY, home), expected());
    assert.equal(cacheFiles(home).filter((f) => f.endsWith('-verify.bin')).length, 1);
  });

  test('writing a cache file removes those written over 30 days ago (left by another Node or extension folder), not recent ones nor other files', () => {
    const home = freshCacheHome();
    const dir = path.join(home, 'helm-provenance');
    fs.mkdirSync(dir, { mode: 0o700 });
    const day = 24 * 3600;
    const plant = (name: string, ageDays: number) => {
      fs.writeFileSync(path.join(dir, name), 'old', { mode: 0o600 });
      const when = Date.now() / 1000 - ageDays * day;
      fs.utimesSync(path.join(dir, name), when, when);
    };
    plant('helm-prov-000000000000000000000000-verify.bin', 31);
    plant('helm-prov-111111111111111111111111-other.bin', 2);
    plant('unrelated-file', 40);
    assert.deepEqual(helmProv(VERIFY, home), expected());
    // The first run wrote the keyring entry and no code cache: nothing removed yet.
    assert.ok(fs.existsSync(path.join(dir, 'helm-prov-000000000000000000000000-verify.bin')));
    assert.deepEqual(helmProv(VERIFY, home), expected());
    const names = fs.readdirSync(dir);
    assert.ok(!names.includes('helm-prov-000000000000000000000000-verify.bin'), names.join(', '));
    assert.ok(names.includes('helm-prov-111111111111111111111111-other.bin'), names.join(', '));
    assert.ok(names.includes('unrelated-file'), names.join(', '));
    assert.equal(names.filter((n) => /^helm-prov-[0-9a-f]+-verify\.bin$/.test(n) && !n.startsWith('helm-prov-0000')).length, 1, names.join(', '));
  });

  test('a cache directory that cannot be created changes nothing', () => {
    const notADir = path.join(work, `plain-file-${counter++}`);
    fs.writeFileSync(notADir, 'x');
    assert.deepEqual(helmProv(VERIFY, notADir), expected());
    assert.deepEqual(helmProv(VERIFY, notADir), expected());
    assert.equal(fs.readFileSync(notADir, 'utf8'), 'x');
  });

  test('a cache directory others may write is neither read nor written', { skip: !posix && 'POSIX modes' }, () => {
    const home = freshCacheHome();
    const dir = path.join(home, 'helm-provenance');
    fs.mkdirSync(dir);
    fs.chmodSync(dir, 0o777);
    assert.deepEqual(helmProv(VERIFY, home), expected());
    assert.deepEqual(fs.readdirSync(dir), []);

    // A valid cache file that others may write, in a private directory.
    const planted = homeWithCache().file;
    fs.copyFileSync(planted, path.join(dir, path.basename(planted)));
    fs.chmodSync(path.join(dir, path.basename(planted)), 0o666);
    fs.chmodSync(dir, 0o700);
    const ino = fs.statSync(path.join(dir, path.basename(planted))).ino;
    assert.deepEqual(helmProv(VERIFY, home), expected()); // fills the keyring cache: no code cache written
    assert.deepEqual(helmProv(VERIFY, home), expected());
    // A group/world-writable cache file is not used, but replaced by a private one.
    const replaced = fs.statSync(path.join(dir, path.basename(planted)));
    assert.notEqual(replaced.ino, ino);
    assert.equal(replaced.mode & 0o777, 0o600);
  });
});
