#!/usr/bin/env node
'use strict';
// Prefer the bundle (fast start); fall back to the tsc output in a development checkout.
//
// Node 20 has no module compile cache, and compiling the 600 KiB bundle is most of a cold start. So the
// bundle is compiled here through `vm.Script` with a V8 code cache: the first run writes one (after
// `main` has finished, so it holds the functions that run needed, not just the top level), later runs
// hand it back to V8 instead of parsing and compiling again.
// - Where: `$XDG_CACHE_HOME/helm-provenance/` (absolute paths only), else `~/.cache/helm-provenance/`,
//   else `<tmpdir>/helm-provenance-<uid>/`; never next to the bundle (an installed package may be
//   read-only). A code cache is code: the directory must be ours and writable by nobody else (0700,
//   files 0600), or it is neither read nor written.
// - Which: one file per bundle path and Node version/architecture. Its header carries a SHA-256 of the
//   bundle's bytes (V8 itself only compares the source length), a SHA-256 of the V8 data (V8 does not
//   check it: a flipped byte can crash the process) and the commands that wrote it. A stale, corrupt or
//   V8-rejected cache is ignored and replaced; a command the cache has not seen yet adds its functions
//   (a bounded number of rewrites).
// - Off: HELM_PROV_NO_CODE_CACHE=1, or when source maps are enabled (Node registers a bundle's source
//   map only when it loads it itself). Then the bundle is simply `require`d, as before.
// Any failure of the cache is silent and changes neither output nor exit status.
const fs = require('node:fs');
const path = require('node:path');

const MAGIC = 'helm-prov-code-cache 1';
const MAX_COMMANDS = 16;
const MAX_CACHE_BYTES = 64 * 1024 * 1024;

const argv = process.argv.slice(2);
const bundle = path.join(__dirname, '..', 'dist', 'helm-prov.js');
const entry = fs.existsSync(bundle) ? bundle : path.join(__dirname, '..', 'out', 'server', 'src', 'cli', 'helmProv.js');

const cached = entry === bundle && codeCacheWanted() ? prepareCached(bundle) : undefined;
const cli = cached ? cached.run() : require(entry);
cli.main(argv).then((code) => {
  process.exitCode = code;
  if (cached) cached.saveIfUseful(argv[0]);
});

function codeCacheWanted() {
  const off = process.env.HELM_PROV_NO_CODE_CACHE;
  if (off && off !== '0') return false;
  if (process.sourceMapsEnabled) return false;
  const flags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  return !flags.includes('--enable-source-maps');
}

/**
 * Reads the bundle and its code cache and compiles it. Returns undefined on any failure (then the
 * caller `require`s the bundle: nothing of it has run yet), else `run()` to execute it once and
 * `saveIfUseful()` to write the cache afterwards.
 */
function prepareCached(file) {
  try {
    const crypto = require('node:crypto');
    const os = require('node:os');
    const vm = require('node:vm');
    const Module = require('node:module');

    const bytes = fs.readFileSync(file);
    const meta = `${process.version}\0${process.arch}\0${process.platform}\0${file}`;
    const digest = crypto.createHash('sha256').update(meta).update('\0').update(bytes).digest('hex');
    const dir = cacheDir(os);
    const cacheFile = path.join(dir, `helm-prov-${crypto.createHash('sha256').update(meta).digest('hex').slice(0, 24)}.bin`);
    const found = readCache(dir, cacheFile, digest, crypto);

    let source = bytes.toString('utf8');
    if (source.charCodeAt(0) === 0xfeff) source = source.slice(1);
    // A vm.Script has no loader for import(): leave a bundle that might use it to require.
    if (source.includes('import(')) return undefined;
    // Node's CommonJS wrapper, on a line of its own so that lines and columns match the file.
    const wrapped = `(function (exports, require, module, __filename, __dirname) {\n${source}\n})`;
    const script = new vm.Script(wrapped, { filename: file, lineOffset: -1, cachedData: found?.data });
    const factory = script.runInThisContext({ displayErrors: true });
    const usedCache = found !== undefined && script.cachedDataRejected === false;

    return {
      run() {
        const mod = new Module(file, module);
        mod.filename = file;
        if (typeof Module._nodeModulePaths === 'function') mod.paths = Module._nodeModulePaths(path.dirname(file));
        Module._cache[file] = mod;
        try {
          factory.call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
        } catch (error) {
          delete Module._cache[file];
          throw error;
        }
        mod.loaded = true;
        return mod.exports;
      },
      saveIfUseful(command) {
        try {
          const commands = usedCache ? found.commands : [];
          const known = typeof command === 'string' && /^[a-z][a-z-]{0,31}$/.test(command);
          if (usedCache && (!known || commands.includes(command) || commands.length >= MAX_COMMANDS)) return;
          const data = script.createCachedData();
          const check = crypto.createHash('sha256').update(data).digest('hex');
          const header = `${MAGIC} ${digest} ${check} ${[...commands, ...(known ? [command] : [])].join(',')}\n`;
          writeCache(dir, cacheFile, Buffer.concat([Buffer.from(header, 'latin1'), data]));
        } catch {
          // A cache that cannot be written is just not there next time.
        }
      },
    };
  } catch {
    return undefined;
  }
}

function cacheDir(os) {
  const xdg = process.env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'helm-provenance');
  let home = '';
  try { home = os.homedir(); } catch { /* no home directory */ }
  if (home && path.isAbsolute(home)) return path.join(home, '.cache', 'helm-provenance');
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return path.join(os.tmpdir(), `helm-provenance-${uid}`);
}

/** Not a symlink, ours, and writable by nobody else (POSIX; Windows has no such modes). */
function privateEnough(stat, kind) {
  if (kind === 'dir' ? !stat.isDirectory() : !stat.isFile()) return false;
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return true;
  return stat.uid === process.getuid() && (stat.mode & 0o022) === 0;
}

/** `{ data, commands }` when the cache file exists, is private and matches `digest`; else undefined. */
function readCache(dir, cacheFile, digest, crypto) {
  try {
    if (!privateEnough(fs.lstatSync(dir), 'dir')) return undefined;
    const fd = fs.openSync(cacheFile, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
    let buf;
    try {
      const stat = fs.fstatSync(fd);
      if (!privateEnough(stat, 'file') || stat.size > MAX_CACHE_BYTES) return undefined;
      buf = Buffer.allocUnsafe(stat.size);
      let got = 0;
      while (got < buf.length) {
        const n = fs.readSync(fd, buf, got, buf.length - got, got);
        if (n === 0) return undefined;
        got += n;
      }
    } finally {
      fs.closeSync(fd);
    }
    const end = buf.indexOf(0x0a);
    if (end < 0 || end > 4096) return undefined;
    const [magic1, magic2, hash, check, list = ''] = buf.toString('latin1', 0, end).split(' ');
    if (`${magic1} ${magic2}` !== MAGIC || hash !== digest) return undefined;
    const data = buf.subarray(end + 1);
    if (data.length === 0 || crypto.createHash('sha256').update(data).digest('hex') !== check) return undefined;
    return { data, commands: list ? list.split(',') : [] };
  } catch {
    return undefined;
  }
}

/** Creates the directory (0700) if needed, then writes a 0600 temporary file and renames it over. */
function writeCache(dir, cacheFile, contents) {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch {
    return;
  }
  if (!privateEnough(fs.lstatSync(dir), 'dir')) return;
  const temp = `${cacheFile}.${process.pid}.${require('node:crypto').randomBytes(6).toString('hex')}.tmp`;
  try {
    const fd = fs.openSync(temp, 'wx', 0o600);
    try {
      for (let done = 0; done < contents.length;) done += fs.writeSync(fd, contents, done);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, cacheFile);
  } catch {
    try { fs.unlinkSync(temp); } catch { /* never created */ }
  }
}
