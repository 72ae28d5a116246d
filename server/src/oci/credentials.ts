// Which credentials a registry gets, as Helm finds them: Helm's registry/config.json first, then
// Docker's config.json; in each, `credHelpers[host]`, else `credsStore`, else `auths[host]` (as Docker
// and oras-go read them). Pure: the files' bytes come in, a choice comes out. Secrets stay in the
// returned value and are never put into a message.
import { fail, ok, type Result } from '../provenance/codes';
import { escapeUntrusted } from '../provenance/untrustedText';
import { parseUntrustedJson } from '../provenance/untrustedJson';

export interface BasicCredentials { username: string; password: string }

/** Where a registry's credentials come from (never the secret itself in `source`). */
export type CredentialSource =
  | { kind: 'none' }
  | { kind: 'basic'; credentials: BasicCredentials; source: string }
  | { kind: 'helper'; helper: string; source: string };

export interface CredentialsFile { path: string; bytes: Buffer }

/** The keys Docker has written for one registry over the years (`https://host/v1/`, `http://host`, `host`). */
function keyMatches(key: string, registry: string): boolean {
  const bare = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '').toLowerCase();
  const wanted = registry.toLowerCase();
  // Docker Hub's historical key.
  if (wanted === 'registry-1.docker.io' || wanted === 'docker.io') return bare === 'index.docker.io' || bare === 'docker.io' || bare === 'registry-1.docker.io';
  return bare === wanted;
}

const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function helperSource(name: unknown, file: string, what: string): Result<CredentialSource, 'registry-credentials-failed'> {
  if (typeof name !== 'string' || !HELPER_NAME.test(name)) {
    return fail('registry-credentials-failed', `${escapeUntrusted(file)}: ${what} names no usable credential helper (a name of letters, digits, . _ -).`);
  }
  return ok({ kind: 'helper', helper: name, source: `docker-credential-${name} (${what} in ${escapeUntrusted(file)})` });
}

/** The entry `auths[key]` as basic credentials; an entry with only an identity token is not usable here. */
function basicFrom(entry: unknown, file: string): Result<CredentialSource | undefined, 'registry-credentials-failed'> {
  if (typeof entry !== 'object' || entry === null) return ok(undefined);
  const e = entry as Record<string, unknown>;
  if (typeof e.auth === 'string' && e.auth !== '') {
    const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return fail('registry-credentials-failed', `${escapeUntrusted(file)}: an "auth" entry is not base64 of user:password.`);
    return ok({ kind: 'basic', credentials: { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }, source: escapeUntrusted(file) });
  }
  if (typeof e.username === 'string' && typeof e.password === 'string') {
    return ok({ kind: 'basic', credentials: { username: e.username, password: e.password }, source: escapeUntrusted(file) });
  }
  if (typeof e.identitytoken === 'string') {
    return fail('registry-credentials-failed', `${escapeUntrusted(file)} holds an OAuth identity token for this registry; helm-prov does not use identity tokens. Log in with a user name and password (or a credential helper).`);
  }
  return ok(undefined);
}

/** The first source in the files (in order) that names this registry; `none` when none does. */
export function chooseCredentials(files: CredentialsFile[], registry: string): Result<CredentialSource, 'registry-credentials-failed'> {
  for (const file of files) {
    let config: Record<string, unknown>;
    try {
      const parsed: unknown = parseUntrustedJson(file.bytes.toString('utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      config = parsed as Record<string, unknown>;
    } catch {
      return fail('registry-credentials-failed', `${escapeUntrusted(file.path)} is not a JSON object: fix or remove it (it is where ${file.path.includes('helm') ? 'helm registry login' : 'docker login'} keeps credentials).`);
    }
    const helpers = config.credHelpers;
    if (typeof helpers === 'object' && helpers !== null) {
      const key = Object.keys(helpers).find((k) => keyMatches(k, registry));
      if (key !== undefined) return helperSource((helpers as Record<string, unknown>)[key], file.path, `credHelpers["${escapeUntrusted(key, 200)}"]`);
    }
    if (config.credsStore !== undefined && config.credsStore !== '') return helperSource(config.credsStore, file.path, 'credsStore');
    const auths = config.auths;
    if (typeof auths === 'object' && auths !== null) {
      for (const key of Object.keys(auths).filter((k) => keyMatches(k, registry))) {
        const found = basicFrom((auths as Record<string, unknown>)[key], file.path);
        if (!found.ok) return found;
        if (found.value) return ok(found.value);
      }
    }
  }
  return ok({ kind: 'none' });
}

/** A credential helper's `get` answer (`{"ServerURL","Username","Secret"}`) as basic credentials. */
export function parseHelperAnswer(stdout: Buffer, helper: string): Result<BasicCredentials, 'registry-credentials-failed'> {
  try {
    const answer = parseUntrustedJson(stdout.toString('utf8')) as Record<string, unknown>;
    if (typeof answer.Username === 'string' && typeof answer.Secret === 'string') {
      if (answer.Username === '<token>') {
        return fail('registry-credentials-failed', `docker-credential-${helper} gave an OAuth identity token; helm-prov does not use identity tokens.`);
      }
      return ok({ username: answer.Username, password: answer.Secret });
    }
  } catch { /* reported below */ }
  return fail('registry-credentials-failed', `docker-credential-${helper} get did not answer with {"Username","Secret"} JSON.`);
}
