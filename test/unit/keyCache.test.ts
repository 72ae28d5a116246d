// The keyring description cache (keyCache.ts): a verify described from the cache prints and exits
// exactly as one that parses the keyrings, for every signed case and keyring; an entry that is
// corrupt, truncated, for other bytes, outside its time span or in a folder others may write is not
// used; and a verify described from the cache never loads openpgp.js.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main, setPrivateCache } from '../../server/src/cli/helmProv';
import { keyringView, type PrivateStore } from '../../server/src/provenance/keyCache';
import { repoRoot, signedCases, signedKeyrings, signedKeys, tempDir } from '../support/tools';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const privateCache = require(path.join(repoRoot, 'bin', 'privateCache.js')) as Omit<PrivateStore, 'codeId'>;

const work = tempDir('key-cache-');
after(() => fs.rmSync(work, { recursive: true, force: true }));
let homes = 0;
const posix = process.platform !== 'win32';

/** The launcher's store in a fresh XDG_CACHE_HOME, counting what it wrote. */
function store(home = path.join(work, `home${homes++}`)): PrivateStore & { home: string; writes: number; dir: string } {
  const s = {
    home, writes: 0, dir: path.join(home, 'helm-provenance'), codeId: 'test',
    readPrivate: (name: string, max: number) => within(home, () => privateCache.readPrivate(name, max)),
    writePrivate: (name: string, bytes: Uint8Array) => { s.writes++; within(home, () => privateCache.writePrivate(name, bytes)); },
  };
  return s;
}

function within<T>(home: string, run: () => T): T {
  const before = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = home;
  try { return run(); } finally { if (before === undefined) delete process.env.XDG_CACHE_HOME; else process.env.XDG_CACHE_HOME = before; }
}

interface Run { code: number; out: string[]; err: string[] }

/** One CLI command (`argv` after the program's name) with the launcher's cache folder, or none. */
async function cli(argv: string[], cache: PrivateStore | undefined): Promise<Run> {
  const run: Run = { code: -1, out: [], err: [] };
  setPrivateCache(cache);
  try {
    run.code = await main(argv, { out: (s: string) => run.out.push(s), err: (s: string) => run.err.push(s) } as never);
  } finally {
    setPrivateCache(undefined);
  }
  return run;
}
const verify = (args: string[], cache: PrivateStore | undefined) => cli(['verify', ...args], cache);

const archiveOf = (c: string) => {
  const dir = path.join(signedCases, c);
  const tgz = fs.readdirSync(dir).find((f) => f.endsWith('.tgz'));
  return path.join(dir, tgz ?? 'devapp-1.2.3.tgz');
};
const cases = fs.readdirSync(signedCases).sort();
const rings = [
  ...['pubring.gpg', 'pubring.kbx', 'pubring.asc', 'KEYS'].map((r) => path.join(signedKeyrings, r)),
  ...['rsa2048', 'ed25519', 'expired', 'revoked'].map((k) => path.join(signedKeys, `${k}.pub.gpg`)),
];

/** A detached signature (binary or armored) of `file` by the unencrypted secret key `key` of the fixtures. */
/**
 * The CLI's main in a fresh Node process with the cache folder in `home`: its exit code, output, and how many
 * openpgp.js modules it loaded.
 */
function cliInChild(home: string, args: string[]): { code: number; out: string[]; openpgp: number } {
  const script = `
    process.env.XDG_CACHE_HOME = ${JSON.stringify(home)};
    const cli = require(${JSON.stringify(path.join(repoRoot, 'out', 'server', 'src', 'cli', 'helmProv.js'))});
    cli.setPrivateCache({ ...require(${JSON.stringify(path.join(repoRoot, 'bin', 'privateCache.js'))}), codeId: 'test' });
    const out = [];
    cli.main(JSON.parse(process.argv[1]), { out: (s) => out.push(s), err: (s) => out.push(s) }).then((code) => {
      const openpgp = Object.keys(require.cache).filter((p) => /[\\\\/]node_modules[\\\\/]openpgp[\\\\/]/.test(p)).length;
      process.stdout.write(JSON.stringify({ code, out, openpgp }));
    });`;
  const r = spawnSync(process.execPath, ['-e', script, JSON.stringify(args)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { code: number; out: string[]; openpgp: number };
}

async function signDetached(file: string, key: string, armored: boolean): Promise<string> {
  const openpgp = await import('openpgp');
  const signingKeys = await openpgp.readPrivateKey({ binaryKey: fs.readFileSync(path.join(signedKeys, `${key}.sec.gpg`)) });
  const message = await openpgp.createMessage({ binary: fs.readFileSync(file) });
  const signature = armored
    ? await openpgp.sign({ message, signingKeys, detached: true, format: 'armored' })
    : await openpgp.sign({ message, signingKeys, detached: true, format: 'binary' });
  const out = `${file}.${key}.${armored ? 'asc' : 'sig'}`;
  fs.writeFileSync(out, signature as string | Uint8Array);
  return out;
}

/** A chart repository on this machine serving one signed case's archive and .prov, for `verify --repo`. */
async function chartRepository(caseName: string): Promise<{ url: string; close: () => void }> {
  const dir = path.join(signedCases, caseName);
  const tgz = fs.readFileSync(path.join(dir, 'devapp-1.2.3.tgz'));
  const files: Record<string, Buffer> = {
    '/index.yaml': Buffer.from(`apiVersion: v1\nentries:\n  devapp:\n  - name: devapp\n    version: 1.2.3\n    digest: ${createHash('sha256').update(tgz).digest('hex')}\n    urls:\n    - devapp-1.2.3.tgz\n`),
    '/devapp-1.2.3.tgz': tgz,
    '/devapp-1.2.3.tgz.prov': fs.readFileSync(path.join(dir, 'devapp-1.2.3.tgz.prov')),
  };
  const http = await import('node:http');
  const server = http.createServer((req, res) => {
    const body = files[req.url ?? ''];
    res.writeHead(body ? 200 : 404, { 'content-length': body?.length ?? 0 }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => server.close() };
}

describe('the keyring description cache serves every command that only checks signatures', () => {
  // release-check keeps parsing: its own keys are compared with the KEYS files' copies, not only checked.
  test('verify-file: the same output and exit code with and without the cache, one entry per keyring, a hit the second time', async () => {
    const artifact = path.join(work, 'release.tar.gz');
    fs.writeFileSync(artifact, 'release bytes\n');
    const signatures = [await signDetached(artifact, 'rsa2048', true), await signDetached(artifact, 'ed25519', false)];
    const tampered = path.join(work, 'tampered.tar.gz');
    fs.writeFileSync(tampered, 'release bytes\ntampered');
    let verified = 0;
    for (const key of ['rsa2048', 'ed25519', 'nistp256']) {
      const s = store();
      for (const signature of signatures) {
        for (const file of [artifact, tampered]) {
          const argv = ['verify-file', file, '--signature', signature, '--keyring', path.join(signedKeys, `${key}.pub.gpg`), '--json'];
          const plain = await cli(argv, undefined);
          const writes = s.writes;
          assert.deepEqual(await cli(argv, s), plain, `${key}, ${path.basename(signature)}, ${path.basename(file)}`);
          assert.deepEqual(await cli(argv, s), plain);
          if (writes > 0) assert.equal(s.writes, writes, 'described from the cache');
          if (plain.code === 0) verified++;
        }
      }
      assert.equal(s.writes, 1, `one entry for ${key}, written once`);
    }
    assert.equal(verified, 2, 'each signature verifies with its own key, on the untouched file only');
  });

  test('verify-file described from the cache loads no part of openpgp.js (RSA and Ed25519, binary and armored); one that computes does', async () => {
    const home = path.join(work, `home${homes++}`);
    const artifact = path.join(work, 'lazy.tar.gz');
    fs.writeFileSync(artifact, 'release bytes\n');
    for (const [key, armored] of [['rsa2048', true], ['ed25519', false]] as const) {
      const args = ['verify-file', artifact, '--signature', await signDetached(artifact, key, armored), '--keyring', path.join(signedKeys, `${key}.pub.gpg`)];
      const child = () => cliInChild(home, args);
      const computed = child();
      const cached = child();
      assert.equal(computed.code, 0, computed.out.join('\n'));
      assert.ok(computed.openpgp > 0, 'computing the description loads openpgp.js');
      assert.deepEqual({ ...cached, openpgp: undefined }, { ...computed, openpgp: undefined });
      assert.equal(cached.openpgp, 0, `${key}: openpgp.js modules loaded`);
    }
  });

  test('verify --repo: the same output and exit code with and without the cache, a hit the second time', async () => {
    for (const caseName of ['valid-rsa2048', 'valid-ed25519']) {
      const repo = await chartRepository(caseName);
      try {
        const s = store();
        const argv = ['verify', '--repo', repo.url, 'devapp', '--version', '1.2.3', '--plain-http', '--keyring', path.join(signedKeys, 'rsa2048.pub.gpg')];
        const plain = await cli(argv, undefined);
        assert.equal(plain.code, caseName === 'valid-rsa2048' ? 0 : 1, `${caseName} with the RSA key (ed25519's signer unknown): ` + plain.out.join('\n') + plain.err.join('\n'));
        assert.deepEqual(await cli(argv, s), plain);
        assert.deepEqual(await cli(argv, s), plain);
        assert.equal(s.writes, 1, 'one entry, written once, then read');
      } finally {
        repo.close();
      }
    }
  });
});

describe('keyring description cache', () => {
  test('cached and uncached verifies give the same output and exit code for every case and keyring', async () => {
    let hits = 0;
    for (const ring of rings) {
      const s = store();
      for (const c of cases) {
        const args = [archiveOf(c), '--keyring', ring];
        const plain = await verify(args, undefined);
        const first = await verify(args, s);
        const writes = s.writes;
        const again = await verify(args, s);
        assert.deepEqual(first, plain, `${c} with ${path.basename(ring)}, computed`);
        assert.deepEqual(again, plain, `${c} with ${path.basename(ring)}, from the cache`);
        if (s.writes === writes) hits++;
      }
      assert.equal(s.writes, 1, `one entry for ${path.basename(ring)}, written once`);
    }
    assert.equal(hits, rings.length * cases.length);
  });

  const ring = path.join(signedKeys, 'rsa2048.pub.gpg');
  const good = [archiveOf('valid-rsa2048'), '--keyring', ring];
  const entryOf = (s: { dir: string }) => {
    const names = fs.readdirSync(s.dir).filter((f) => f.startsWith('keyring-'));
    assert.equal(names.length, 1);
    return path.join(s.dir, names[0]);
  };
  const rewrite = (file: string, edit: (entry: Record<string, unknown>) => void) => {
    const text = fs.readFileSync(file, 'utf8');
    const entry = JSON.parse(text.slice(text.indexOf('\n') + 1)) as Record<string, unknown>;
    edit(entry);
    const body = JSON.stringify(entry);
    fs.writeFileSync(file, `helm-prov-keyring-cache 2 ${createHash('sha256').update(body).digest('hex')}\n${body}`);
  };

  /** After `spoil` changes the entry, a verify gives the reference output, and rewrites the entry when `rewritten`. */
  async function hostile(spoil: (file: string, s: ReturnType<typeof store>) => void, rewritten = true, args = good): Promise<void> {
    const reference = await verify(args, undefined);
    const s = store();
    await verify(good, s);
    const file = entryOf(s);
    spoil(file, s);
    const writes = s.writes;
    assert.deepEqual(await verify(args, s), reference);
    assert.equal(s.writes - writes, rewritten ? 1 : 0, rewritten ? 'the entry is computed again and rewritten' : 'nothing is written');
  }

  test('garbage, a truncated entry and a flipped byte are ignored and rewritten', async () => {
    await hostile((file) => fs.writeFileSync(file, 'garbage\n{}'));
    await hostile((file) => fs.truncateSync(file, fs.statSync(file).size - 10));
    await hostile((file) => { const b = fs.readFileSync(file); b[b.length - 20] ^= 1; fs.writeFileSync(file, b); });
    await hostile((file) => rewrite(file, (e) => { e.keys = 'x'; }));
    // The keyrings' problems: one list per keyring, each problem as the loader makes it.
    await hostile((file) => rewrite(file, (e) => { e.problems = []; }));
    await hostile((file) => rewrite(file, (e) => { e.problems = [[{ code: 'keys-malformed', severity: 'fatal', message: 'm' }]]; }));
    await hostile((file) => rewrite(file, (e) => { e.problems = [[{ code: 'keys-malformed', severity: 'warning', message: 'm', range: { start: { line: 0 } } }]]; }));
  });

  test('each keyring\'s problems are kept with its description', async () => {
    const bytes = (file: string) => new Uint8Array(fs.readFileSync(file));
    const junk = { file: path.join(work, 'junk.gpg'), bytes: new Uint8Array(Buffer.from('not a keyring\n')) };
    const rings = [{ file: ring, bytes: bytes(ring) }, junk];
    const s = store();
    const computed = await keyringView(rings, new Date(), s);
    const cached = await keyringView(rings, new Date(), s);
    assert.equal(s.writes, 1, 'the second view is read from the entry');
    assert.deepEqual(computed.problems[0], []);
    assert.equal(computed.problems[1].length, 1, 'the junk is reported');
    assert.deepEqual(cached.problems, computed.problems);
  });

  test('an entry for other keyring bytes is not used: a keyring without the signer stays unknown-signer', async () => {
    const other = [archiveOf('valid-rsa2048'), '--keyring', path.join(signedKeys, 'ed25519.pub.gpg')];
    const reference = await verify(other, undefined);
    assert.equal(reference.code, 1);
    const s = store();
    await verify(good, s);
    const signerEntry = fs.readFileSync(entryOf(s));
    await verify(other, s);
    for (const name of fs.readdirSync(s.dir)) fs.writeFileSync(path.join(s.dir, name), signerEntry);
    assert.deepEqual(await verify(other, s), reference);
  });

  test('an entry outside its time span is not used', async () => {
    await hostile((file) => rewrite(file, (e) => { e.computedAt = Date.now() + 3_600_000; }));
    await hostile((file) => rewrite(file, (e) => { e.until = Date.now() - 1; }));
    // Its own span ends at the key's expiry: described before it, the expired key's ring is not reused after it.
    const expired = path.join(signedKeys, 'expired.pub.gpg');
    const bytes = new Uint8Array(fs.readFileSync(expired));
    const s = store();
    const past = new Date('2000-01-01T00:00:00Z');
    const early = (await keyringView([{ file: expired, bytes }], past, s)).keys;
    assert.equal(s.writes, 1);
    const expiry = early[0].info.expires?.getTime();
    assert.ok(expiry !== undefined && expiry > past.getTime(), 'the fixture key expires after 2000');
    await keyringView([{ file: expired, bytes }], new Date(expiry - 1000), s);
    assert.equal(s.writes, 2, 'a description made before the key was created is computed again once it exists');
    await keyringView([{ file: expired, bytes }], new Date(expiry - 500), s);
    assert.equal(s.writes, 2, 'and reused until its expiry');
    await keyringView([{ file: expired, bytes }], new Date(expiry + 1000), s);
    assert.equal(s.writes, 3, 'then computed again after it');
  });

  test('a cache folder or entry others may write is not used', { skip: !posix && 'POSIX modes' }, async () => {
    await hostile((file) => fs.chmodSync(file, 0o666));
    await hostile((file) => {
      fs.chmodSync(path.dirname(file), 0o777);
      rewrite(file, (e) => { e.keys = []; }); // would say "unknown signer" if it were read
    }, true);
    const s = store();
    await verify(good, s);
    fs.chmodSync(s.dir, 0o777);
    const names = () => fs.readdirSync(s.dir).sort();
    const before = names();
    fs.rmSync(entryOf(s));
    assert.deepEqual(await verify(good, s), await verify(good, undefined));
    assert.deepEqual(names(), before.filter((n) => !n.startsWith('keyring-')), 'nothing written into a folder others may write');
  });

  test('a verify described from the cache loads no part of openpgp.js; one that computes does', () => {
    const home = path.join(work, `home${homes++}`);
    for (const key of ['rsa2048', 'ed25519']) {
      const args = ['verify', archiveOf(`valid-${key}`), '--keyring', path.join(signedKeys, `${key}.pub.gpg`)];
      const child = () => cliInChild(home, args);
      const computed = child();
      const cached = child();
      assert.equal(computed.code, 0);
      assert.ok(computed.openpgp > 0, 'computing the description loads openpgp.js');
      assert.deepEqual({ ...cached, openpgp: undefined }, { ...computed, openpgp: undefined });
      assert.equal(cached.openpgp, 0, `${key}: openpgp.js modules loaded`);
    }
  });
});
