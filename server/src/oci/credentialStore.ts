// Reading the credentials files and running credential helpers as Docker runs them
// (`docker-credential-<name> get`, the server address on standard input, JSON on standard output).
// Bounded in bytes and time; a helper's output is never echoed, since it holds the secret.
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { readBoundedFile } from '../provenance/boundedRead';
import { fail, ok, type Result } from '../provenance/codes';
import { escapeUntrusted } from '../provenance/untrustedText';
import { chooseCredentials, parseHelperAnswer, type BasicCredentials, type CredentialsFile } from './credentials';
import { HELPER_TIMEOUT_MS, MAX_CREDENTIALS_FILE_BYTES, MAX_HELPER_OUTPUT_BYTES } from './limits';

/** Helm's registry config, then Docker's, as Helm 4 looks for them (Linux and XDG layout). */
export function defaultCredentialsPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.HOME ?? os.homedir();
  const helmConfigHome = env.HELM_CONFIG_HOME ?? path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'helm');
  const helm = env.HELM_REGISTRY_CONFIG ?? path.join(helmConfigHome, 'registry', 'config.json');
  const docker = path.join(env.DOCKER_CONFIG ?? path.join(home, '.docker'), 'config.json');
  return [helm, docker];
}

/** The files that exist among `paths`, read bounded; a named file that cannot be read is an error. */
function readFiles(paths: string[], named: boolean): Result<CredentialsFile[], 'registry-credentials-failed'> {
  const files: CredentialsFile[] = [];
  for (const p of paths) {
    const read = readBoundedFile(p, MAX_CREDENTIALS_FILE_BYTES);
    if (read.ok) files.push({ path: p, bytes: read.bytes });
    else if (named || read.reason !== 'missing') return fail('registry-credentials-failed', `Cannot read the credentials file ${escapeUntrusted(p)}: ${escapeUntrusted(read.message, 300)}.`);
  }
  return ok(files);
}

function runHelper(helper: string, registry: string, env: NodeJS.ProcessEnv): Promise<Result<BasicCredentials | undefined, 'registry-credentials-failed'>> {
  const program = `docker-credential-${helper}`;
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: Result<BasicCredentials | undefined, 'registry-credentials-failed'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(r);
    };
    const child = spawn(program, ['get'], { stdio: ['pipe', 'pipe', 'pipe'], env });
    const timer = setTimeout(() => finish(fail('registry-credentials-failed', `${program} get did not answer within ${HELPER_TIMEOUT_MS / 1000} s.`)), HELPER_TIMEOUT_MS);
    child.on('error', (e: NodeJS.ErrnoException) => finish(fail('registry-credentials-failed', e.code === 'ENOENT'
      ? `The credential helper ${program} named in the credentials file is not on PATH.`
      : `${program} could not be started: ${escapeUntrusted(e.message, 200)}.`)));
    child.stdout.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_HELPER_OUTPUT_BYTES) finish(fail('registry-credentials-failed', `${program} get wrote more than ${MAX_HELPER_OUTPUT_BYTES} bytes.`));
      else out.push(c);
    });
    child.stderr.resume();
    child.on('close', (status) => {
      const text = Buffer.concat(out);
      // As Docker: "credentials not found" is no error, the request goes out anonymous.
      if (status !== 0) {
        finish(/credentials not found/i.test(text.toString('utf8')) ? ok(undefined) : fail('registry-credentials-failed', `${program} get failed (exit ${status}).`));
        return;
      }
      finish(parseHelperAnswer(text, helper));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(registry);
  });
}

export interface CredentialLookup {
  /** Credentials files to read instead of Helm's and Docker's defaults (`--registry-config`). */
  files?: string[];
  env?: NodeJS.ProcessEnv;
}

/** The basic credentials for `registry`, undefined for anonymous access. */
export async function credentialsFor(registry: string, lookup: CredentialLookup = {}): Promise<Result<BasicCredentials | undefined, 'registry-credentials-failed'>> {
  const env = lookup.env ?? process.env;
  const files = readFiles(lookup.files ?? defaultCredentialsPaths(env), lookup.files !== undefined);
  if (!files.ok) return files;
  const source = chooseCredentials(files.value, registry);
  if (!source.ok) return source;
  switch (source.value.kind) {
    case 'none': return ok(undefined);
    case 'basic': return ok(source.value.credentials);
    case 'helper': return runHelper(source.value.helper, registry, env);
  }
}
