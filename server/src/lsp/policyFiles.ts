// Which open documents are container policies (containers-policy.json(5)) or registries.d files
// (containers-registries.d(5)): by the language the editor gave them, else by name, so editors without
// the extension's language contributions get the same checks. Pure: the client imports this module.
import * as path from 'node:path';

export const POLICY_LANGUAGE_ID = 'containers-policy';

/** The names a policy has without any setting: `policy.json` under a `containers` folder, `*.policy.json`. */
export const POLICY_FILE_PATTERNS = ['**/containers/**/policy.json', '**/*.policy.json'] as const;
export const REGISTRIES_D_PATTERN = '**/registries.d/*.{yaml,yml}';

export type PolicyDocumentKind = 'policy' | 'registries';

/** A glob (`**`, `*`, `?`, `{a,b}`) as a regular expression over `/`-separated paths. */
export function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:[^/]*/)*' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end === -1) { re += '\\{'; continue; }
      re += `(?:${glob.slice(i + 1, end).split(',').map((a) => a.replace(/[.+^$()|[\]\\*?]/g, '\\$&')).join('|')})`;
      i = end;
    } else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${glob.startsWith('**/') || glob.startsWith('/') ? '' : '(?:.*/)?'}${re}$`);
}

/** Whether `file` (a path of this platform) matches any of the globs. */
export function matchesAny(file: string, globs: readonly string[]): boolean {
  const posix = file.split(path.sep).join('/');
  return globs.some((g) => globRegExp(g).test(posix));
}

/** The kind of a document from its path and language; undefined for every other document. */
export function policyDocumentKind(file: string | undefined, languageId: string): PolicyDocumentKind | undefined {
  if (languageId === POLICY_LANGUAGE_ID) return 'policy';
  if (!file) return undefined;
  if (matchesAny(file, POLICY_FILE_PATTERNS)) return 'policy';
  if (matchesAny(file, [REGISTRIES_D_PATTERN])) return 'registries';
  return undefined;
}

/** The registries.d folder a policy is read with: `registries.d` beside it (as /etc/containers has them). */
export function registriesDirBeside(policyFile: string): string {
  return path.join(path.dirname(policyFile), 'registries.d');
}
