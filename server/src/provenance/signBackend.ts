// Which backend signs: openpgp.js when a secret keyring (given, or GnuPG's old secring.gpg) holds the
// key, else the system gpg when it lists the key among its secret keys (GnuPG ≥ 2.1 keeps them in
// gpg-agent's private-keys-v1.d, which only gpg can use), unless the caller forces one. The choice is
// made, and the key found and checked, before any archive is written.
import { fail, type Result } from './codes';
import { prepareGpgSigner, type GpgOptions } from './gpgSign';
import { prepareOpenpgpSigner, type PreparedSigner, type SignBackend } from './sign';
import { escapeUntrusted } from './untrustedText';
import { defaultSecretKeyringPaths, gnupgHomeOf } from './userPaths';

export interface ChooseSignerOptions {
  /** Fingerprint, 16-hex key id, or a unique user-id substring. */
  keyQuery: string;
  /** Secret keyrings for openpgp.js; empty = GnuPG's default `secring.gpg`. */
  secretKeyrings?: string[];
  passphrase?: string;
  gpg?: GpgOptions;
  /** Forces one backend; default: the one that holds the key. */
  backend?: SignBackend;
  /** How the caller's user names another GnuPG home or keyring (CLI flags, settings); ends the not-found message. */
  hint?: string;
}

/** Where each backend looked, for the message when neither holds the key. */
function searchedPlaces(options: ChooseSignerOptions): { keyrings: string; gpgHome: string } {
  const keyrings = options.secretKeyrings?.length ? options.secretKeyrings : defaultSecretKeyringPaths();
  return {
    keyrings: keyrings.map((f) => escapeUntrusted(f)).join(', '),
    gpgHome: escapeUntrusted(options.gpg?.gpgHome ?? gnupgHomeOf()),
  };
}

/** The signer for `keyQuery`, from the backend that holds it (or the forced one). */
export async function chooseSigner(options: ChooseSignerOptions): Promise<Result<PreparedSigner>> {
  const { keyQuery, passphrase } = options;
  const gpg = (): Promise<Result<PreparedSigner>> => prepareGpgSigner({ ...options.gpg, keyQuery, passphrase });
  const openpgp = (): Promise<Result<PreparedSigner>> =>
    prepareOpenpgpSigner({ keyQuery, secretKeyrings: options.secretKeyrings ?? [], passphrase });
  if (options.backend === 'gpg') return gpg();
  if (options.backend === 'openpgp') return openpgp();
  const fromKeyring = await openpgp();
  // Found (or refused for a reason of its own: passphrase, expiry, an unreadable keyring given): that is the answer.
  if (fromKeyring.ok || fromKeyring.error.code !== 'key-not-found') return fromKeyring;
  const fromGpg = await gpg();
  if (fromGpg.ok || (fromGpg.error.code !== 'key-not-found' && fromGpg.error.code !== 'gpg-failed')) return fromGpg;
  const where = searchedPlaces(options);
  return fail('key-not-found',
    `No secret key for "${escapeUntrusted(keyQuery)}": not in the secret keyring ${where.keyrings} (${fromKeyring.error.message}), ` +
    `and not among the secret keys of gpg in the GnuPG home ${where.gpgHome} (${fromGpg.error.message}). ` +
    `Check gpg --list-secret-keys. ${options.hint ?? 'Name the GnuPG home that holds the key, or an exported secret keyring.'}`);
}
