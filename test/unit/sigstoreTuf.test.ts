// Refreshing the trusted root through TUF, against real TUF repositories built in test setup with
// @tufjs/models (test/support/tufRepo.ts) and served on loopback: a chain of root rotations (one
// changing the key type, as Sigstore's 2024 rotation did), a newest root that is expired, a rotation
// the old root's keys did not sign, a mirror that is down, slow or sends too much. The trusted root
// refreshed here then verifies a signature from our test Sigstore (test/support/sigstorePki.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { artifactFromBytes } from '../../server/src/sigstore/artifact';
import { parseRekorEntryFile, parseCertificateFile } from '../../server/src/sigstore/cosignFiles';
import { verifyDetachedSignature } from '../../server/src/sigstore/detachedSignature';
import { exactMatcher } from '../../server/src/sigstore/policy';
import { trustedRootForVerify } from '../../server/src/sigstore/rootSelection';
import { describeRootInUse, refreshTrustedRoot } from '../../server/src/sigstore/tufRefresh';
import { readCachedRoot } from '../../server/src/sigstore/tufCache';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TestSigstore } from '../support/sigstorePki';
import { repoRoot } from '../support/tools';
import { serve, tufKey, TufRepo } from '../support/tufRepo';

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
const YEAR = 365 * 86_400_000;
const future = () => new Date(Date.now() + YEAR);
const sigstore = new TestSigstore();
const trustedRootBytes = Buffer.from(JSON.stringify(sigstore.trustedRootJson()));
const noFile = () => { throw new Error('no file here'); };

/** A repository whose roots rotate v1 → v2 → v3 (ed25519 → ECDSA keys) → v4, each signed by both thresholds. */
function rotatingRepo(dir: string) {
  const repo = new TufRepo(dir);
  const ed = [tufKey('ed25519'), tufKey('ed25519'), tufKey('ed25519')];
  const ec = [tufKey('ecdsa'), tufKey('ecdsa'), tufKey('ecdsa')];
  const v1 = repo.addRoot({ keys: ed, threshold: 2, signedBy: ed, expires: new Date(Date.now() - YEAR) }); // long expired: only the newest must be current
  repo.addRoot({ keys: ed, threshold: 2, signedBy: ed.slice(0, 2), expires: new Date(Date.now() - 1000) });
  repo.addRoot({ keys: ec, threshold: 2, signedBy: [...ed.slice(1), ...ec.slice(0, 2)], expires: future() });
  repo.addRoot({ keys: ec, threshold: 2, signedBy: ec.slice(1), expires: future() });
  repo.publish(trustedRootBytes);
  return { repo, v1, ed, ec };
}

test('TUF: an old root reaches today\'s through three rotations (one changing the key type), and the refreshed root verifies', async () => {
  const { repo, v1 } = rotatingRepo(tmp('tuf-repo-'));
  const mirror = await serve(repo.dir);
  const base = tmp('tuf-cache-');
  try {
    const result = await refreshTrustedRoot({ base, mirror: mirror.url, initialRoot: v1, now: new Date() });
    assert.ok(result.ok, !result.ok ? `${result.code}: ${result.message}` : '');
    assert.equal(result.rootVersion, 4);
    assert.match(result.message, /TUF root v4 \(was v1: 3 rotation\(s\) followed\)/);
    assert.deepEqual(mirror.requests.filter((r) => r.endsWith('.root.json')), ['/2.root.json', '/3.root.json', '/4.root.json', '/5.root.json']);

    // Verification reads the cache (the mirror init chose), offline.
    const choice = await trustedRootForVerify({ staging: false, read: noFile, cacheDir: base });
    assert.ok(choice.ok);
    assert.match(choice.value.trustedRoot.source, new RegExp(`from ${mirror.url.replace(/\./g, '\\.')} \\(TUF root v4`));
    const artifact = Buffer.from('an artifact\n');
    const blob = sigstore.signBlob(artifact, { identity: 'dev@example.com' });
    const entry = parseRekorEntryFile(Buffer.from(JSON.stringify(blob.rekorEntry)), 'entry.json');
    const cert = parseCertificateFile(Buffer.from(blob.cert), 'a.cert');
    assert.ok(entry.ok && cert.ok);
    const outcome = verifyDetachedSignature({ signature: Buffer.from(blob.sig, 'base64'), certificate: cert.value, entry: entry.value }, artifactFromBytes(artifact, 'a'), {
      trustedRoot: choice.value.trustedRoot, trust: { kind: 'identity', policy: { identity: exactMatcher('dev@example.com'), issuer: exactMatcher('https://issuer.test') } },
    });
    assert.equal(outcome.code, 'verified', outcome.message);

    // `sigstore root` says what is in use.
    const state = describeRootInUse(base, false, new Date());
    assert.equal(state.source, 'cache');
    assert.equal(state.rootVersion, 4);
    assert.equal(state.ageDays, 0);

    // A cache folder others can write to is not trusted (as for the CLI's code cache).
    const mirrorFolder = path.join(base, encodeURIComponent(mirror.url));
    fs.chmodSync(mirrorFolder, 0o777);
    const exposed = await trustedRootForVerify({ staging: false, read: noFile, cacheDir: base });
    assert.ok(!exposed.ok && /No trusted root has been fetched yet/.test(exposed.error.message));
    fs.chmodSync(mirrorFolder, 0o700);

    // Later, offline: past the root's expiry the cached root is refused with the date and the command.
    const expires = readCachedRoot(base, mirror.url)!.rootExpires;
    const later = await trustedRootForVerify({ staging: false, read: noFile, cacheDir: base, now: new Date(expires.getTime() + 1000) });
    assert.ok(!later.ok && later.error.code === 'root-expired');
    assert.match(later.error.message, new RegExp(`expired on ${expires.toISOString().replace(/\./g, '\\.')}.*helm-prov sigstore update-root`));
    // Before that but a month on, it is used with a warning saying how old it is.
    const stale = await trustedRootForVerify({ staging: false, read: noFile, cacheDir: base, now: new Date(Date.now() + 40 * 86_400_000) });
    assert.ok(stale.ok && stale.value.warnings[0]?.code === 'root-stale' && /40 days ago/.test(stale.value.warnings[0].message));
  } finally {
    await mirror.close();
  }
});

test('TUF: a newest root that is expired, with no newer one, is root-expired with its date', async () => {
  const repo = new TufRepo(tmp('tuf-repo-'));
  const keys = [tufKey('ed25519')];
  const v1 = repo.addRoot({ keys, threshold: 1, signedBy: keys, expires: future() });
  const expired = new Date(Date.now() - 86_400_000);
  repo.addRoot({ keys, threshold: 1, signedBy: keys, expires: expired });
  repo.publish(trustedRootBytes);
  const mirror = await serve(repo.dir);
  try {
    const result = await refreshTrustedRoot({ base: tmp('tuf-cache-'), mirror: mirror.url, initialRoot: v1, now: new Date() });
    assert.ok(!result.ok);
    assert.equal(result.code, 'root-expired');
    assert.match(result.message, new RegExp(`v2 expired on ${expired.toISOString().slice(0, 16)}`));
  } finally {
    await mirror.close();
  }
});

test('TUF: a rotation not signed by a threshold of the old root\'s keys is root-rotation-invalid, and the cached root stays in use', async () => {
  const dir = tmp('tuf-repo-');
  const repo = new TufRepo(dir);
  const old = [tufKey('ed25519'), tufKey('ed25519'), tufKey('ed25519')];
  const v1 = repo.addRoot({ keys: old, threshold: 2, signedBy: old, expires: future() });
  repo.publish(trustedRootBytes);
  const base = tmp('tuf-cache-');
  const mirror = await serve(dir);
  try {
    const first = await refreshTrustedRoot({ base, mirror: mirror.url, initialRoot: v1, now: new Date() });
    assert.ok(first.ok);
    // v2 hands the root to new keys but carries only one of the two old signatures it needs.
    const attacker = [tufKey('ecdsa'), tufKey('ecdsa')];
    repo.addRoot({ keys: attacker, threshold: 1, signedBy: [old[0], ...attacker], expires: future() });
    const second = await refreshTrustedRoot({ base, mirror: mirror.url, now: new Date() });
    assert.ok(!second.ok);
    assert.equal(second.code, 'root-rotation-invalid');
    assert.match(second.message, /Root v2 .* threshold of the previous root's keys/);
    assert.equal(second.warnings[0]?.code, 'root-from-cache');
    assert.equal(readCachedRoot(base, mirror.url)!.rootVersion, 1, 'v2 was not persisted');
    const choice = await trustedRootForVerify({ staging: false, read: noFile, cacheDir: base });
    assert.ok(choice.ok && /TUF root v1/.test(choice.value.trustedRoot.source));
  } finally {
    await mirror.close();
  }
});

test('TUF: a mirror that is down is mirror-unreachable, with the cached root and its age kept', async () => {
  const { repo, v1 } = rotatingRepo(tmp('tuf-repo-'));
  const base = tmp('tuf-cache-');
  const mirror = await serve(repo.dir);
  const ok = await refreshTrustedRoot({ base, mirror: mirror.url, initialRoot: v1, now: new Date() });
  assert.ok(ok.ok);
  await mirror.close();
  const down = await refreshTrustedRoot({ base, mirror: mirror.url, now: new Date() });
  assert.ok(!down.ok);
  assert.equal(down.code, 'mirror-unreachable');
  assert.match(down.warnings[0]?.message ?? '', /stays in use \(TUF root v4, fetched \d{4}-/);
  assert.ok((await trustedRootForVerify({ staging: false, read: noFile, cacheDir: base })).ok);
});

test('TUF: the network is bounded: a mirror that never answers is cut at the request timeout, one that sends too much at the role\'s size', async () => {
  const { repo, v1 } = rotatingRepo(tmp('tuf-repo-'));
  const silent = await serve(repo.dir, (url) => url === '/2.root.json'); // accepts, never answers
  try {
    const result = await refreshTrustedRoot({ base: tmp('tuf-cache-'), mirror: silent.url, initialRoot: v1, now: new Date(), fetchTimeoutMs: 300 });
    assert.ok(!result.ok && result.code === 'mirror-unreachable', !result.ok ? result.message : '');
  } finally {
    await silent.close();
  }
  let sent = 0;
  const flood = await serve(repo.dir, (url, res) => {
    if (url !== '/2.root.json') return false;
    res.writeHead(200);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = () => { while (sent < 64 * 1024 * 1024 && res.write(chunk)) sent += chunk.length; if (sent < 64 * 1024 * 1024) res.once('drain', pump); else res.end(); };
    pump();
    return true;
  });
  try {
    const result = await refreshTrustedRoot({ base: tmp('tuf-cache-'), mirror: flood.url, initialRoot: v1, now: new Date() });
    assert.ok(!result.ok && result.code === 'mirror-unreachable', !result.ok ? result.message : '');
    assert.match(result.message, /2\.root\.json grew past its limit of 512000 bytes/);
  } finally {
    await flood.close();
  }
  assert.ok(sent < 64 * 1024 * 1024, `the client stopped reading early (${sent} bytes sent)`);
  // A timestamp.json announcing more than the role's 16 KiB is refused on its Content-Length.
  const liar = await serve(repo.dir, (url, res) => {
    if (url !== '/timestamp.json') return false;
    res.writeHead(200, { 'content-length': String(1024 ** 3) });
    res.write(Buffer.alloc(1024));
    return true;
  });
  try {
    const result = await refreshTrustedRoot({ base: tmp('tuf-cache-'), mirror: liar.url, initialRoot: v1, now: new Date() });
    assert.ok(!result.ok && result.code === 'mirror-unreachable', !result.ok ? result.message : '');
    assert.match(result.message, /timestamp\.json is 1024 MiB by .*Content-Length, over its limit of 16384 bytes: not read/);
  } finally {
    await liar.close();
  }
});

test('TUF: no root is trusted for an unknown mirror without sigstore init, and only http(s) mirrors are used', async () => {
  const none = await refreshTrustedRoot({ base: tmp('tuf-cache-'), mirror: 'http://127.0.0.1:9', now: new Date() });
  assert.ok(!none.ok && /helm-prov sigstore init/.test(none.message));
  const file = await refreshTrustedRoot({ base: tmp('tuf-cache-'), mirror: 'file:///etc', now: new Date() });
  assert.ok(!file.ok && /http\(s\)/.test(file.message));
});

test('TUF from the bundled CLI (bin/helm-prov.js): sigstore init, sigstore root --json, then verify-blob offline with the refreshed root', async () => {
  const { repo, v1 } = rotatingRepo(tmp('tuf-repo-'));
  const mirror = await serve(repo.dir);
  const work = tmp('tuf-cli-');
  const env = { ...process.env, XDG_CACHE_HOME: path.join(work, 'cache'), HELM_PROV_NO_CODE_CACHE: '1' };
  // Asynchronous: the mirror answers from this process.
  const cli = (...args: string[]) => promisify(execFile)(process.execPath, [path.join(repoRoot, 'bin', 'helm-prov.js'), ...args], { env }).then(
    (r) => ({ status: 0, out: r.stdout + r.stderr }), (e: { code: number; stdout: string; stderr: string }) => ({ status: e.code, out: e.stdout + e.stderr }));
  try {
    fs.writeFileSync(path.join(work, 'root.json'), v1);
    const init = await cli('sigstore', 'init', '--mirror', mirror.url, '--root', path.join(work, 'root.json'));
    assert.equal(init.status, 0, init.out);
    assert.match(init.out, /TUF root v4 \(was v1: 3 rotation/);
    const state = JSON.parse((await cli('sigstore', 'root', '--json')).out);
    assert.equal(state.source, 'cache');
    assert.equal(state.mirror, mirror.url);
    const artifact = Buffer.from('released file\n');
    const blob = sigstore.signBlob(artifact, { identity: 'dev@example.com' });
    for (const [name, data] of [['a', artifact], ['a.sig', blob.sig], ['a.cert', blob.cert], ['entry.json', JSON.stringify(blob.rekorEntry)]] as const) fs.writeFileSync(path.join(work, name), data);
    const common = [path.join(work, 'a'), '--signature', path.join(work, 'a.sig'), '--certificate', path.join(work, 'a.cert'), '--certificate-identity', 'dev@example.com', '--certificate-oidc-issuer', 'https://issuer.test'];
    const verified = await cli('verify-blob', ...common, '--rekor-entry', path.join(work, 'entry.json'));
    assert.equal(verified.status, 0, verified.out);
    assert.match(verified.out, /TUF root v4/);
    const untimed = await cli('verify-blob', ...common);
    assert.equal(untimed.status, 1);
    assert.match(untimed.out, /no-trusted-time/);
    await mirror.close();
    const down = await cli('sigstore', 'update-root');
    assert.equal(down.status, 1);
    assert.match(down.out, /\[mirror-unreachable\]/);
    assert.match(down.out, /warning \(root-from-cache\)/);
  } finally {
    await mirror.close();
  }
});
