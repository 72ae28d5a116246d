// Which files the extension cares about, by name: a chart's Chart.yaml, its packaged archive, the
// archive's `.prov`, and KEYS files. The one table the workspace scan and the routing of open documents
// and file changes read (the watchers report every file: any file of a chart folder counts). The client imports this module too,
// so it depends on nothing but `protocol.ts`.
import * as path from 'node:path';
import { LANGUAGE_IDS } from './protocol';

export type FileRole = 'chart' | 'archive' | 'prov' | 'keys';

export const CHART_YAML = 'Chart.yaml';
const ARCHIVE_SUFFIX = '.tgz';
const PROV_SUFFIX = '.prov';

/** A file has a role when its name is `name` or ends with `suffix`; no name fits two rows. */
const ROLES: readonly { role: FileRole; name?: string; suffix?: string }[] = [
  { role: 'chart', name: CHART_YAML },
  { role: 'archive', suffix: ARCHIVE_SUFFIX },
  { role: 'prov', suffix: PROV_SUFFIX },
  { role: 'keys', name: 'KEYS' },
  { role: 'keys', suffix: '.KEYS' },
];

/** The role of a file by its base name (a directory entry's name). */
export function roleOfName(name: string): FileRole | undefined {
  return ROLES.find((r) => (r.name !== undefined ? name === r.name : name.endsWith(r.suffix!)))?.role;
}

/** The role of a file by its name; `file` is a path of this platform (or a bare file name). */
export function fileRole(file: string): FileRole | undefined {
  return roleOfName(path.basename(file));
}

/**
 * What the watchers (client and server) report: every file, not only those with a role. Any file of a
 * chart folder (values.yaml, a template, .helmignore) makes its archive out of date when it changes;
 * the server drops changes to files that have no role and lie in no chart folder.
 */
export const WATCHED_GLOB = '**/*';

/** The `.prov` of an archive: its own path plus `.prov`. */
export function provOf(archive: string): string {
  return `${archive}${PROV_SUFFIX}`;
}

/** The archive a `.prov` belongs to: its own path minus `.prov` (a path without it is taken as the archive's stem). */
export function archiveOf(provPath: string): string {
  return provPath.endsWith(PROV_SUFFIX) ? provPath.slice(0, -PROV_SUFFIX.length) : `${provPath}${ARCHIVE_SUFFIX}`;
}

/** The archive a path names by itself: an archive, or the `.prov` of one; undefined for anything else. */
export function archiveNamedBy(file: string): string | undefined {
  const role = fileRole(file);
  if (role === 'archive') return file;
  return role === 'prov' && fileRole(archiveOf(file)) === 'archive' ? archiveOf(file) : undefined;
}

/** `<name>-<version>.tgz`, the file name `helm package` writes. */
export function archiveName(name: string, version: string): string {
  return `${name}-${version}${ARCHIVE_SUFFIX}`;
}

export const CHART_YAML_GLOB = `**/${CHART_YAML}`;

/** The documents the server works on; `.prov` and KEYS are also known by the language the editor gave them. */
export type DocumentKind = 'prov' | 'keys' | 'chart';

export function documentKind(uri: string, languageId: string): DocumentKind | undefined {
  const role = roleOfName(decodedName(uri));
  if (role === 'chart') return 'chart';
  if (languageId === LANGUAGE_IDS.provenance || role === 'prov') return 'prov';
  if (languageId === LANGUAGE_IDS.keys || role === 'keys') return 'keys';
  return undefined;
}

/** The file name a uri ends with, percent-decoded (kept as it is when it is not valid percent-encoding). */
function decodedName(uri: string): string {
  const name = path.posix.basename(uri.replace(/[?#].*$/, ''));
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}
