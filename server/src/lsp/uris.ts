// File uris ↔ paths. The server works on local files only; other schemes (untitled:, git:) have no
// sibling archive to check and are handled as plain text where that makes sense.
import { fileURLToPath, pathToFileURL } from 'node:url';

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

/**
 * Uris already made, by path: `pathToFileURL` costs 10–15 µs, and a chart's status names four files
 * (Chart.yaml, its folder, the archive, the `.prov`) each time it is sent. Bounded: cleared when full.
 */
const uriOfPath = new Map<string, string>();
const URI_MEMO_LIMIT = 20_000;
/**
 * An absolute POSIX path that `pathToFileURL` leaves as it is: letters, digits, `.`, `_`, `-` in
 * non-empty segments other than `.` and `..` (nothing to escape, nothing to normalise). Its uri is
 * `file://` + the path, without the 10–15 µs of a URL (the first status of 1 000 charts names 4 000).
 */
const PLAIN_POSIX_PATH = /^(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9._-]+)+$/;
const posix = process.platform !== 'win32';

export function pathToUri(file: string): string {
  let uri = uriOfPath.get(file);
  if (uri === undefined) {
    uri = posix && PLAIN_POSIX_PATH.test(file) ? `file://${file}` : pathToFileURL(file).href;
    if (uriOfPath.size >= URI_MEMO_LIMIT) uriOfPath.clear();
    uriOfPath.set(file, uri);
  }
  return uri;
}

/**
 * A `file:` uri that names no local path: a broken percent-escape (`a%ZZ.prov`), an encoded slash or a
 * remote host. Such a document is checked as unsaved text, and the user is told why.
 */
export function isUnmappableFileUri(uri: string): boolean {
  return uri.startsWith('file:') && uriToPath(uri) === undefined;
}

/** The last segment of a uri's path, percent-decoded when its escapes are valid (as written otherwise). */
export function uriBaseName(uri: string): string {
  const base = uri.replace(/[?#].*$/, '').replace(/^.*\//, '');
  try {
    return decodeURIComponent(base);
  } catch {
    return base;
  }
}
