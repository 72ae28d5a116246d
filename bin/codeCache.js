'use strict';
// A bundle compiled through `vm.Script` with a V8 code cache, for the launchers (bin/helm-prov.js, the
// CLI; bin/helm-prov-ls.js, the language server). Node 20 has no module compile cache, and compiling a
// bundle of a megabyte is most of a cold start. The first run writes a cache (after the run's work, so
// it holds the functions that work needed, not just the top level); later runs hand it back to V8
// instead of parsing and compiling again.
// - Where: the user's private cache folder, with its rules (bin/privateCache.js): a code cache is code.
// - Which: one file per bundle path, Node version/architecture and command (`verify`, `keys`…; `other`
//   for the CLI's `--help`, `--version`; `server`): each holds the functions its command runs, not every
//   command's (one shared file grew with each command: a verify deserialised what `keys` had added). Its
//   header carries a SHA-256 of the bundle's bytes (V8 itself only compares the source length) and a
//   SHA-256 of the V8 data (V8 does not check it: a flipped byte can crash the process). A stale, corrupt
//   or V8-rejected cache is ignored and replaced.
// - A sibling bundle that a bundle requires (`./helm-prov-verify-libs.js`: the verify bundle's libraries)
//   is compiled at that first require through a file of its own, by the same rules, and saved when the
//   bundle's is: a run that never requires it never reads it.
// - The bundle's SHA-256 is not taken again at every start (1.3 ms of CPU for the CLI's) while the file is
//   provably the one hashed: the header also records the bundle's identity (device, inode, size, mtime and
//   ctime in ns), taken before and after reading it. Any write, rename or copy changes ctime, which no
//   program can set back; and an identity is recorded only for a file unchanged for 2 s, so that a write
//   in the same tick of a coarse clock cannot keep it. Any other case hashes the bytes, as before.
// - The bundles are ASCII and hold no `import(` (scripts/build.mjs refuses them otherwise): a vm.Script
//   has no loader for import(), and one non-ASCII byte makes the whole source a two-byte string.
// - Off: HELM_PROV_NO_CODE_CACHE=1, or when source maps are enabled (Node registers a bundle's source
//   map only when it loads it itself). Then the launcher simply `require`s the bundle.
// Any failure of the cache is silent and changes neither output nor exit status.
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const privateCache = require('./privateCache');

const MAGIC = 'helm-prov-code-cache 2';
const CACHE_PREFIX = 'helm-prov-';
/**
 * A cache file is named by Node's version and the bundle's path, so each Node upgrade and each new
 * extension folder (its path holds the version) leaves the old files behind, about 0.3-1.4 MB each. After
 * each write, those written over 30 days ago go, and all but the newest 100 (a few bundles times the
 * commands used): removing one in use costs one compile, after which it is written again.
 */
const OLD_CACHES = { olderThanMs: 30 * 24 * 3600 * 1000, keepNewest: 100 };
/** A bundle whose ctime is at least this old is settled: a later write gives it a later ctime. */
const SETTLED_MS = 2000;
const MAX_CACHE_BYTES = 64 * 1024 * 1024;

function codeCacheWanted() {
  const off = process.env.HELM_PROV_NO_CODE_CACHE;
  if (off && off !== '0') return false;
  if (process.sourceMapsEnabled) return false;
  const flags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  return !flags.includes('--enable-source-maps');
}

/**
 * Reads the bundle and its code cache for `command` and compiles it. Returns undefined on any failure
 * (then the caller `require`s the bundle: nothing of it has run yet), else `run()` to execute it once and
 * `saveIfUseful()` to write the cache afterwards.
 */
function prepareCached(file, command) {
  try {
    const crypto = require('node:crypto');
    const vm = require('node:vm');

    const { bytes, identity, settled } = readBundle(file);
    const meta = `${process.version}\0${process.arch}\0${process.platform}\0${file}`;
    const cacheName = `${CACHE_PREFIX}${crypto.createHash('sha256').update(meta).digest('hex').slice(0, 24)}-${command}.bin`;
    let hashed;
    const digestOf = () => (hashed ??= crypto.createHash('sha256').update(meta).update('\0').update(bytes).digest('hex'));
    const found = readCache(cacheName, identity, digestOf, crypto);
    const digest = found?.digest ?? digestOf();

    const script = new vm.Script(wrappedSource(bytes), { filename: file, lineOffset: -1, cachedData: found?.data });
    const factory = script.runInThisContext({ displayErrors: true });
    const usedCache = found !== undefined && script.cachedDataRejected === false;
    /** The sibling bundles this one required, each compiled through its own cache: saved with this one. */
    const siblings = [];

    return {
      codeId: digest,
      run() {
        const mod = new Module(file, module);
        mod.filename = file;
        if (typeof Module._nodeModulePaths === 'function') mod.paths = Module._nodeModulePaths(path.dirname(file));
        Module._cache[file] = mod;
        try {
          factory.call(mod.exports, mod.exports, bundleRequire(file, command, siblings), mod, file, path.dirname(file));
        } catch (error) {
          delete Module._cache[file];
          throw error;
        }
        mod.loaded = true;
        return mod.exports;
      },
      saveIfUseful() {
        for (const sibling of siblings) sibling.saveIfUseful();
        try {
          // Also written once more when the bundle has since settled, so that later starts need not hash it.
          const identityNew = identity !== undefined && settled && found?.recorded !== identity;
          if (usedCache && !identityNew) return;
          const data = script.createCachedData();
          const check = crypto.createHash('sha256').update(data).digest('hex');
          const header = `${MAGIC} ${digest} ${check} ${identity && settled ? identity : '-'} ${command}\n`;
          privateCache.writePrivate(cacheName, Buffer.concat([Buffer.from(header, 'latin1'), data]));
          privateCache.removeOld(CACHE_PREFIX, { ...OLD_CACHES, except: cacheName });
        } catch {
          // A cache that cannot be written is just not there next time.
        }
      },
    };
  } catch {
    return undefined;
  }
}

/** How a bundle names a sibling bundle (scripts/build.mjs: the verify bundle's libraries, `./helm-prov-verify-libs.js`). */
const SIBLING_BUNDLE = /^\.\/helm-prov-[a-z-]+\.js$/;

/**
 * The `require` a bundle runs with: Node's, except that a sibling bundle is compiled through a code cache of
 * its own (same command, same rules; at its first require, so a run that needs none of it never reads it)
 * and added to `siblings`, whose caches are saved with the bundle's. Any failure: Node's plain require.
 */
function bundleRequire(file, command, siblings) {
  const plain = Module.createRequire(file);
  const requireInBundle = (request) => {
    if (typeof request !== 'string' || !SIBLING_BUNDLE.test(request)) return plain(request);
    const sibling = path.join(path.dirname(file), request);
    const loaded = Module._cache[sibling];
    if (loaded) return loaded.exports;
    const cached = prepareCached(sibling, command);
    if (!cached) return plain(request);
    siblings.push(cached);
    return cached.run();
  };
  return Object.assign(requireInBundle, plain);
}

// Node's CommonJS wrapper, on lines of its own so that lines and columns match the file.
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {\n';
const WRAPPER_TAIL = '\n})';

/**
 * The bundle's text inside the wrapper. An ASCII bundle (as scripts/build.mjs makes them) is wrapped as
 * bytes and decoded once: wrapping the decoded text instead made V8 flatten the joined string into a second
 * copy on the young heap (850 KB for the verify bundle), enough for a scavenge before exit.
 */
function wrappedSource(bytes) {
  if (require('node:buffer').isAscii(bytes)) {
    return Buffer.concat([Buffer.from(WRAPPER_HEAD, 'latin1'), bytes, Buffer.from(WRAPPER_TAIL, 'latin1')]).toString('latin1');
  }
  let source = bytes.toString('utf8');
  if (source.charCodeAt(0) === 0xfeff) source = source.slice(1);
  return `${WRAPPER_HEAD}${source}${WRAPPER_TAIL}`;
}

/**
 * `{ data, digest, recorded }` when the cache file exists, is private and was written for these bundle
 * bytes: the same recorded identity, else the same SHA-256 (`digestOf()`); else undefined.
 */
function readCache(cacheName, identity, digestOf, crypto) {
  const buf = privateCache.readPrivate(cacheName, MAX_CACHE_BYTES);
  if (!buf) return undefined;
  const end = buf.indexOf(0x0a);
  if (end < 0 || end > 4096) return undefined;
  const [magic1, magic2, hash, check, recorded] = buf.toString('latin1', 0, end).split(' ');
  if (`${magic1} ${magic2}` !== MAGIC || !/^[0-9a-f]{64}$/.test(hash)) return undefined;
  if (!(identity && recorded === identity) && hash !== digestOf()) return undefined;
  const data = buf.subarray(end + 1);
  if (data.length === 0 || crypto.createHash('sha256').update(data).digest('hex') !== check) return undefined;
  return { data, digest: hash, recorded };
}

/**
 * The bundle's bytes, and its identity when the file did not change while it was read (undefined
 * otherwise: then only a hash can tell); `settled` when its ctime is SETTLED_MS old.
 */
function readBundle(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const before = fs.fstatSync(fd, { bigint: true });
    const bytes = fs.readFileSync(fd);
    const after = fs.fstatSync(fd, { bigint: true });
    const id = (st) => `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
    const identity = id(before) === id(after) && after.size === BigInt(bytes.length) ? id(after) : undefined;
    return { bytes, identity, settled: Date.now() - Number(after.ctimeMs) >= SETTLED_MS };
  } finally {
    fs.closeSync(fd);
  }
}

module.exports = { codeCacheWanted, prepareCached };
