'use strict';
// The user's private cache folder, shared by the launchers' V8 code cache (bin/helm-prov.js,
// bin/helm-prov-ls.js) and the keyring description cache (server/src/provenance/keyCache.ts), which
// receives this module from the launchers. A cached file steers what runs or what a check trusts, so:
// - Where: `$XDG_CACHE_HOME/helm-provenance/` (absolute paths only), else `~/.cache/helm-provenance/`,
//   else `<tmpdir>/helm-provenance-<uid>/`; never next to the bundle (an installed package may be
//   read-only).
// - The directory must be ours and writable by nobody else (0700), files 0600, no symlinks; otherwise
//   nothing is read or written there.
// - Writes go to a 0600 temporary file renamed over the old one. Any failure is silent: the caller
//   computes what it needs and carries on.
// - A cache whose entry names change with their content bounds its own files with removeOld after a
//   write (keyCache.ts: keyring entries).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function cacheDir() {
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

/** The bytes of `name` in the cache folder when folder and file are private and it is at most `maxBytes`; else undefined. */
function readPrivate(name, maxBytes) {
  try {
    const dir = cacheDir();
    if (!privateEnough(fs.lstatSync(dir), 'dir')) return undefined;
    const fd = fs.openSync(path.join(dir, name), fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
    try {
      const stat = fs.fstatSync(fd);
      if (!privateEnough(stat, 'file') || stat.size > maxBytes) return undefined;
      const buf = Buffer.allocUnsafe(stat.size);
      let got = 0;
      while (got < buf.length) {
        const n = fs.readSync(fd, buf, got, buf.length - got, got);
        if (n === 0) return undefined;
        got += n;
      }
      return buf;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/** Creates the folder (0700) if needed, then writes `name` through a 0600 temporary file renamed over it. */
function writePrivate(name, contents) {
  try {
    const dir = cacheDir();
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!privateEnough(fs.lstatSync(dir), 'dir')) return;
    const target = path.join(dir, name);
    const temp = `${target}.${process.pid}.${require('node:crypto').randomBytes(6).toString('hex')}.tmp`;
    try {
      const fd = fs.openSync(temp, 'wx', 0o600);
      try {
        for (let done = 0; done < contents.length;) done += fs.writeSync(fd, contents, done);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(temp, target);
    } catch {
      try { fs.unlinkSync(temp); } catch { /* never created */ }
    }
  } catch {
    // A cache that cannot be written is just not there next time.
  }
}

/**
 * Removes the folder's files named `prefix…` (entries, and temporary files a killed write left) written
 * more than `olderThanMs` ago, and all but the `keepNewest` newest, never `except`. Called by a cache
 * after it writes an entry; only regular files in a private folder are touched, and any failure is
 * silent (a file another process removed first, a folder that is not ours).
 */
function removeOld(prefix, { olderThanMs, keepNewest, except }, now = Date.now()) {
  try {
    const dir = cacheDir();
    if (!privateEnough(fs.lstatSync(dir), 'dir')) return;
    const files = [];
    for (const name of fs.readdirSync(dir)) {
      if (!name.startsWith(prefix) || name === except) continue;
      try {
        const stat = fs.lstatSync(path.join(dir, name));
        if (stat.isFile()) files.push({ name, written: stat.mtimeMs });
      } catch {
        // removed meanwhile
      }
    }
    files.sort((a, b) => b.written - a.written);
    const kept = Math.max(0, keepNewest - (except ? 1 : 0));
    files.forEach(({ name, written }, i) => {
      if (i < kept && now - written <= olderThanMs) return;
      try { fs.unlinkSync(path.join(dir, name)); } catch { /* removed meanwhile */ }
    });
  } catch {
    // nothing to tidy, or not ours to tidy
  }
}

/**
 * The stores a launcher hands its bundles (provenance/keyCache.ts `PrivateStore`, one per bundle's
 * `codeId`) and whether the run wrote to any of them. A run that wrote a keyring entry did one-off work
 * the next run skips (openpgp.js parsing and describing the keys), and a code cache written after it would
 * hold all of those functions for every later run to deserialise (722 against 350 KB for a verify): such
 * a run writes no code cache (`wroteOneOff`), the next one does.
 */
function oneOffTracker() {
  let wrote = false;
  return {
    storeFor: (codeId) => ({
      readPrivate, removeOld, codeId,
      writePrivate(name, contents) {
        wrote = true;
        writePrivate(name, contents);
      },
    }),
    wroteOneOff: () => wrote,
  };
}

module.exports = { cacheDir, readPrivate, writePrivate, removeOld, oneOffTracker };
