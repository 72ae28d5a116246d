// The second signing backend: the system `gpg`, so keys held by gpg-agent or a smartcard sign too.
// The key and its signing part are chosen by the same rules as the openpgp.js backend (from the public
// key gpg exports), then gpg clearsigns the body with exactly that part (`--local-user <fpr>!`).
import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { fail, ok, type Problem, type Result } from './codes';
import { findKeys, parseKeyring } from './keyring';
import type { KeyInfo, KeyPart, LoadedKey } from './keyTypes';
import {
  chooseSigningPart, keyLabel, provenanceBodyFor, signingCandidate, signResult, writeProvenance,
  type PreparedSigner, type SigningKeyList, type SignResult,
} from './sign';
import { escapeUntrusted } from './untrustedText';
import { lockedKeygrips } from './gpgAgentKeys';
import { neutralWorkingDirectory } from './userPaths';

export interface GpgOptions {
  /** GnuPG home (`--homedir`); default: gpg's own (`$GNUPGHOME` or `~/.gnupg`). */
  gpgHome?: string;
  /** The gpg executable; default `gpg` on PATH. */
  gpgPath?: string;
  /** gpg is killed after this long. Signing may wait for a person at a pinentry or a card reader. */
  timeoutMs?: number;
  /**
   * gpg-agent must not show a prompt of its own (`--pinentry-mode error`): a key that needs its
   * passphrase fails with passphrase-required, so an editor can ask for it and give it through loopback.
   */
  neverPrompt?: boolean;
}

export interface GpgSignOptions extends GpgOptions {
  archivePath: string;
  /** Fingerprint, 16-hex key id (of the primary or a signing subkey), or a unique user-id substring. */
  keyQuery: string;
  /**
   * Given to gpg through loopback pinentry on a pipe; without it gpg-agent asks (pinentry, card PIN).
   * When gpg-agent has the key unlocked already it never asks, and the result says so (passphraseUnused).
   */
  passphrase?: string;
  /** Sign only these bytes: the SHA-256 of the archive as it was checked (against its chart source). */
  expectedSha256?: string;
}

const SIGN_TIMEOUT_MS = 120_000;
const LIST_TIMEOUT_MS = 30_000;

interface GpgRun {
  exitCode: number | null;
  stdout: Buffer;
  /** `[GNUPG:]` status lines, without the prefix. */
  status: string[];
  /** gpg's other stderr lines, for messages. */
  messages: string[];
  timedOut: boolean;
  spawnError?: string;
}

/**
 * Runs gpg in batch mode with status lines on stderr; the passphrase, if any, goes on its own pipe (fd 3).
 * That pipe is gpg's command fd, not `--passphrase-fd`: gpg then reads it only when gpg-agent asks, and
 * says so (`GET_HIDDEN passphrase.enter`), so a passphrase that a cached unlock made unnecessary is
 * seen as unused (GnuPG 2.2 has no per-call way to bypass the agent's cache; clearing the user's cache
 * for them would be a side effect on their agent, so it is reported instead).
 */
function runGpg(args: string[], options: GpgOptions & { input?: string; passphrase?: string; timeoutMs: number }): Promise<GpgRun> {
  const base = ['--batch', '--no-tty', '--status-fd', '2', ...(options.gpgHome ? ['--homedir', options.gpgHome] : [])];
  const withPassphrase = options.passphrase !== undefined;
  const passphraseArgs = withPassphrase ? ['--pinentry-mode', 'loopback', '--command-fd', '3'] : options.neverPrompt ? ['--pinentry-mode', 'error'] : [];
  return new Promise((resolve) => {
    // Never in the folder the caller runs in (an editor's may be the repository): gpg resolves relative
    // names in its configuration (`agent-program ./x`) against it.
    const child = spawn(options.gpgPath ?? 'gpg', [...base, ...passphraseArgs, ...args], {
      cwd: neutralWorkingDirectory(),
      stdio: withPassphrase ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    const finish = (exitCode: number | null, spawnError?: string): void => {
      clearTimeout(timer);
      const lines = stderr.split(/\r?\n/).filter((line) => line !== '');
      resolve({
        exitCode, stdout: Buffer.concat(stdout), timedOut,
        status: lines.filter((l) => l.startsWith('[GNUPG:] ')).map((l) => l.slice('[GNUPG:] '.length)),
        messages: lines.filter((l) => !l.startsWith('[GNUPG:] ')),
        ...(spawnError ? { spawnError } : {}),
      });
    };
    child.on('error', (e) => finish(null, e.message));
    child.on('close', (code) => finish(code));
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => { stderr += chunk; });
    // gpg may exit before reading its input (unknown key): a closed pipe is not an error of ours.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
    if (withPassphrase) {
      const passphrasePipe = child.stdio[3] as Writable;
      passphrasePipe.on('error', () => undefined);
      passphrasePipe.end(`${options.passphrase}\n`);
    }
  });
}

function gpgName(options: GpgOptions): string {
  return options.gpgHome ? `gpg (home ${escapeUntrusted(options.gpgHome)})` : 'gpg';
}

/** A failure to run gpg at all, or a non-zero exit with gpg's own words. */
function runFailure(run: GpgRun, what: string, options: GpgOptions, timeoutMs: number): Problem & { code: 'gpg-failed' } {
  if (run.spawnError) {
    return fail('gpg-failed', `Cannot run ${escapeUntrusted(options.gpgPath ?? 'gpg')}: ${escapeUntrusted(run.spawnError)}. Install GnuPG or set the path to gpg.`).error;
  }
  if (run.timedOut) {
    const waiting = run.status.some((s) => s.startsWith('PINENTRY_LAUNCHED')) ? ' while a passphrase or PIN prompt was open' : '';
    return fail('gpg-failed', `${gpgName(options)} did not finish ${what} within ${Math.round(timeoutMs / 1000)} s${waiting}; it was stopped.`).error;
  }
  // gpg's own words quote user ids, file names and gpg.conf lines.
  const said = escapeUntrusted(run.messages.slice(-3).join(' '), 1000);
  return fail('gpg-failed', `${gpgName(options)} failed ${what} (exit ${run.exitCode ?? 'signal'})${said ? `: ${said}` : ''}.`).error;
}

interface GpgSecretKeys {
  keys: LoadedKey[];
  /** Keys gpg exported that could not be read. */
  problems: Problem[];
  /** Fingerprints of parts whose secret gpg can use (on disk or on a card), not mere stubs. */
  usableSecrets: Set<string>;
  /** Fingerprints of parts whose secret gpg-agent would have to unlock with a passphrase now. */
  locked: Set<string>;
}

/** Fingerprints of the primary keys with secrets, of every part whose secret is usable, and each part's keygrip. */
function parseSecretListing(colons: string): { primaries: string[]; usableSecrets: Set<string>; keygrips: Map<string, string> } {
  const primaries: string[] = [];
  const usableSecrets = new Set<string>();
  const keygrips = new Map<string, string>();
  let pending: { primary: boolean; usable: boolean } | undefined;
  let last: string | undefined;
  for (const line of colons.split(/\r?\n/)) {
    const fields = line.split(':');
    if (fields[0] === 'sec' || fields[0] === 'ssb') {
      // Field 15: '+' secret here, '#' only a stub, else the serial number of the card holding it.
      pending = { primary: fields[0] === 'sec', usable: fields[14] !== '#' };
      last = undefined;
    } else if (fields[0] === 'fpr' && pending) {
      const fingerprint = fields[9].toUpperCase();
      if (pending.primary) primaries.push(fingerprint);
      if (pending.usable) usableSecrets.add(fingerprint);
      pending = undefined;
      last = fingerprint;
    } else if (fields[0] === 'grp' && last) {
      keygrips.set(last, fields[9].toUpperCase());
      last = undefined;
    }
  }
  return { primaries, usableSecrets, keygrips };
}

/**
 * gpg's secret keys, described from the public keys gpg exports (so the same rules apply as for
 * keyrings); with `askAgent`, also which of them gpg-agent would need a passphrase for (a key picker's).
 */
async function loadGpgSecretKeys(given: GpgOptions & { passphrase?: string }, askAgent = false): Promise<Result<GpgSecretKeys>> {
  // Listing never needs a passphrase: given one, gpg would ask for loopback pinentry, which some gpg-agents refuse.
  const { passphrase: _unused, ...options } = given;
  const timeoutMs = options.timeoutMs ?? LIST_TIMEOUT_MS;
  const listed = await runGpg(['--with-colons', '--fixed-list-mode', '--with-keygrip', '--list-secret-keys'], { ...options, timeoutMs });
  if (listed.exitCode !== 0) return { ok: false, error: runFailure(listed, 'listing secret keys', options, timeoutMs) };
  const { primaries, usableSecrets, keygrips } = parseSecretListing(listed.stdout.toString('utf8'));
  if (primaries.length === 0) return ok({ keys: [], problems: [], usableSecrets, locked: new Set() });
  const exported = await runGpg(['--export', ...primaries], { ...options, timeoutMs });
  if (exported.exitCode !== 0) return { ok: false, error: runFailure(exported, 'exporting public keys', options, timeoutMs) };
  const keyring = await parseKeyring(new Uint8Array(exported.stdout), gpgName(options));
  const locked = askAgent ? await lockedKeygrips(options, new Set(keygrips.values())) : new Set<string>();
  return ok({ keys: keyring.keys, problems: keyring.problems, usableSecrets, locked: new Set([...keygrips].filter(([, grip]) => locked.has(grip)).map(([fpr]) => fpr)) });
}

const GPG_ERR = { NOT_SUPPORTED: 60, BAD_PASSPHRASE: 11, NO_SECKEY: 17, UNUSABLE_SECKEY: 54, NO_PIN_ENTRY: 85, PIN_ENTRY: 86, BAD_PIN: 87, CANCELED: 99, FULLY_CANCELED: 177 };

/** Maps gpg's status lines of a failed signing to our codes. */
function signFailure(run: GpgRun, who: string, options: GpgOptions & { passphrase?: string }, timeoutMs: number): Problem {
  const has = (keyword: string): boolean => run.status.some((s) => s === keyword || s.startsWith(`${keyword} `));
  const failure = run.status.find((s) => s.startsWith('FAILURE '));
  // The low 16 bits of a gpg error are its code; the high bits name the component that raised it.
  const errorCode = failure ? Number(failure.split(' ')[2]) & 0xffff : undefined;
  if (run.spawnError || run.timedOut) return runFailure(run, 'signing', options, timeoutMs);
  // gpg-agent started with no-allow-loopback-pinentry refuses a passphrase given by the caller (and gpg then reports INV_SGNR too).
  if (options.passphrase !== undefined && errorCode === GPG_ERR.NOT_SUPPORTED) {
    return fail('pinentry-loopback-refused', `gpg-agent does not accept a passphrase from ${gpgName(options)}'s caller for key ${who} (loopback pinentry is off in its gpg-agent.conf); its own passphrase prompt has to ask.`).error;
  }
  if (has('BAD_PASSPHRASE') || errorCode === GPG_ERR.BAD_PASSPHRASE || errorCode === GPG_ERR.BAD_PIN) {
    return fail('passphrase-wrong', `gpg reports a wrong passphrase or PIN for key ${who}.`).error;
  }
  const promptFailed = [GPG_ERR.NO_PIN_ENTRY, GPG_ERR.PIN_ENTRY, GPG_ERR.CANCELED, GPG_ERR.FULLY_CANCELED].includes(errorCode ?? -1);
  if (has('MISSING_PASSPHRASE') || promptFailed || has('PINENTRY_LAUNCHED')) {
    const said = escapeUntrusted(run.messages.slice(-1).join(' '), 1000);
    return fail('passphrase-required', `gpg-agent could not get the passphrase for key ${who}${said ? ` (${said})` : ''}. Give the passphrase, or configure a pinentry that gpg-agent can show.`).error;
  }
  if (errorCode === GPG_ERR.NO_SECKEY) return fail('key-not-found', `gpg has no secret key for ${who}.`).error;
  if (has('KEYEXPIRED') || has('KEYREVOKED') || has('INV_SGNR') || errorCode === GPG_ERR.UNUSABLE_SECKEY) {
    return fail('key-unusable', `gpg refuses key ${who} as unusable (expired, revoked or not allowed to sign).`).error;
  }
  return runFailure(run, 'signing', options, timeoutMs);
}

export type GpgSignerOptions = Omit<GpgSignOptions, 'archivePath' | 'expectedSha256'>;

/** Finds the key among gpg's secret keys and chooses its signing part; gpg itself runs at `sign`. */
export async function prepareGpgSigner(options: GpgSignerOptions): Promise<Result<PreparedSigner>> {
  const now = new Date();
  const secrets = await loadGpgSecretKeys(options);
  if (!secrets.ok) return secrets;
  if (secrets.value.keys.length === 0) return fail('key-not-found', `${gpgName(options)} holds no secret keys.`);
  const found = findKeys(secrets.value.keys, options.keyQuery);
  if (!found.ok) return found;
  const { info } = found.value;
  const part = chooseSigningPart(info, now, (p: KeyPart) => secrets.value.usableSecrets.has(p.fingerprint), options.keyQuery);
  if (!part.ok) return part;
  return ok({
    backend: 'gpg', info, part: part.value,
    sign: (archivePath, expectedSha256) => gpgSignWith(options, info, part.value, archivePath, expectedSha256),
  });
}

async function gpgSignWith(options: GpgSignerOptions, info: KeyInfo, part: KeyPart, archivePath: string, expectedSha256?: string): Promise<Result<SignResult>> {
  const prepared = await provenanceBodyFor(archivePath, expectedSha256);
  if (!prepared.ok) return prepared;
  const timeoutMs = options.timeoutMs ?? SIGN_TIMEOUT_MS;
  const run = await runGpg(
    ['--yes', '--armor', '--clearsign', '--digest-algo', 'SHA512', '--local-user', `${part.fingerprint}!`, '--output', '-'],
    // gpg leaves the last line break of its input out of what it signs: one more keeps Helm 4's final newline signed.
    { ...options, input: `${prepared.value.body}\n`, timeoutMs },
  );
  if (run.exitCode !== 0 || !run.status.some((s) => s.startsWith('SIG_CREATED '))) {
    return { ok: false, error: signFailure(run, keyLabel(info), options, timeoutMs) };
  }
  const written = await writeProvenance(archivePath, run.stdout.toString('utf8'));
  if (!written.ok) return written;
  const asked = run.status.some((s) => s.startsWith('GET_HIDDEN passphrase.enter'));
  const unused = options.passphrase !== undefined && !asked;
  return ok({ ...signResult('gpg', archivePath, info, part, prepared.value.digest, written.value), ...(unused ? { passphraseUnused: true } : {}) });
}

/** Signs `archivePath` into `<archivePath>.prov` through the system gpg. */
export async function gpgSignArchive(options: GpgSignOptions): Promise<Result<SignResult>> {
  const signer = await prepareGpgSigner(options);
  if (!signer.ok) return signer;
  return signer.value.sign(options.archivePath, options.expectedSha256);
}

/** gpg's secret keys for a key picker, with the same usability rules as the openpgp.js backend. */
export async function listGpgSigningKeys(options: GpgOptions = {}): Promise<SigningKeyList> {
  const secrets = await loadGpgSecretKeys(options, true);
  if (!secrets.ok) return { keys: [], problems: [secrets.error] };
  const now = new Date();
  const hasSecret = (part: KeyPart): boolean => secrets.value.usableSecrets.has(part.fingerprint);
  // Locked: gpg-agent would ask for the passphrase now (not cached); a card asks for its PIN itself.
  const keys = secrets.value.keys.map((loaded) => signingCandidate(loaded, now, hasSecret, (part) => secrets.value.locked.has(part.fingerprint)));
  return { keys, problems: secrets.value.problems };
}
