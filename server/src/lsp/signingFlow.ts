// The editor's signing keys and signing: the keys of every backend the setting allows (an exported
// keyring file for openpgp.js, gpg's own secret keys in gpg-agent), each labelled with its backend;
// signing through chooseSigner (signBackend.ts, the CLI's rule: the backend that holds the key), with
// the passphrase asked in the editor — given to openpgp.js, or to gpg through loopback pinentry; when
// gpg-agent refuses loopback, its own pinentry asks. Failures say what was tried.
import * as fs from 'node:fs';
import type { Problem, Result } from '../provenance/codes';
import type { GpgOptions } from '../provenance/gpgSign';
import type { SigningKeyCandidate, SignResult } from '../provenance/sign';
import { escapeUntrusted } from '../provenance/untrustedText';
import { gnupgHomeOf, refusalMessage } from '../provenance/userPaths';
import type { ResolvedPaths } from './pathSettings';
import type { HelmProvenanceSettings, PassphraseParams, SigningBackend } from './protocol';

const MAX_PASSPHRASE_ATTEMPTS = 3;

/** Where signing keys come from, as the settings resolve them. */
export interface SigningSources {
  backends: SigningBackend[];
  /** openpgp.js's secret keyrings: the setting, else GnuPG's old secring.gpg when it exists. */
  secretKeyrings: string[];
  gpg: GpgOptions;
}

export interface SigningCandidate extends SigningKeyCandidate { backend: SigningBackend }

/** The client's answer to a passphrase prompt: the passphrase, or why there is none. */
export type PassphraseAnswer = { passphrase: string } | { none: 'cancelled' | 'unsupported' };

export interface SigningContext {
  settings: HelmProvenanceSettings;
  paths: ResolvedPaths;
  /** `unsupported`: the client has no passphrase prompt (an editor other than VS Code). */
  askPassphrase(params: Omit<PassphraseParams, 'recipientKey'>): Promise<PassphraseAnswer>;
  progress(message: string): void;
}

/** The backends the setting allows whose settings were not refused. */
export function signingSources(settings: HelmProvenanceSettings, paths: ResolvedPaths): SigningSources {
  const auto = settings.signingBackend === 'auto';
  // GnuPG ≥ 2.1 has no secring.gpg: with `auto`, a default one that is absent is no keyring to read (nor an error).
  const secretKeyrings = settings.secretKeyring || !auto ? paths.secretKeyrings : paths.secretKeyrings.filter((f) => fs.existsSync(f));
  const wanted: SigningBackend[] = !auto ? [settings.signingBackend as SigningBackend] : secretKeyrings.length ? ['openpgp', 'gpg'] : ['gpg'];
  const allowed = wanted.filter((b) => !paths.signingRefusal[b]);
  return {
    backends: allowed.length > 0 ? allowed : wanted,
    secretKeyrings,
    gpg: { ...(paths.gpgHome ? { gpgHome: paths.gpgHome } : {}), gpgPath: paths.gpgPath },
  };
}

/** What signing tried, for the output channel: backends, key, keyring files, GnuPG home, gpg. */
export function triedText(sources: SigningSources, keyQuery: string | undefined, settings: HelmProvenanceSettings, paths: ResolvedPaths): string {
  const parts = [`backend ${settings.signingBackend}${settings.signingBackend === 'auto' ? ` (tried ${sources.backends.join(', then ')})` : ''}`];
  parts.push(`key ${keyQuery ? escapeUntrusted(keyQuery) : '(none chosen)'}`);
  if (settings.signingBackend !== 'gpg') {
    const searched = sources.secretKeyrings.length ? sources.secretKeyrings : paths.secretKeyrings;
    parts.push(`keyring files ${searched.map((f) => `${escapeUntrusted(f)}${fs.existsSync(f) ? '' : ' (absent)'}`).join(', ') || '(none)'}`);
  }
  if (sources.backends.includes('gpg')) parts.push(`GnuPG home ${escapeUntrusted(sources.gpg.gpgHome ?? gnupgHomeOf())}, gpg ${escapeUntrusted(sources.gpg.gpgPath ?? 'gpg')}`);
  for (const [backend, refusal] of Object.entries(paths.signingRefusal)) parts.push(`${backend} refused: ${refusalMessage(refusal)}`);
  return parts.join('; ');
}

/**
 * Every secret key the allowed backends hold, each once: a key in an exported keyring is signed by
 * openpgp.js (as chooseSigner picks it), so gpg's copy of it is not listed again.
 */
export async function listSigningCandidates(sources: SigningSources): Promise<{ keys: SigningCandidate[]; problems: Problem[] }> {
  const keys: SigningCandidate[] = [];
  const problems: Problem[] = [];
  if (sources.backends.includes('openpgp')) {
    const list = await (await import('../provenance/sign')).listSigningKeys(sources.secretKeyrings);
    keys.push(...list.keys.map((k) => ({ ...k, backend: 'openpgp' as const })));
    problems.push(...list.problems);
  }
  if (sources.backends.includes('gpg')) {
    const list = await (await import('../provenance/gpgSign')).listGpgSigningKeys(sources.gpg);
    const seen = new Set(keys.map((k) => k.info.fingerprint));
    keys.push(...list.keys.filter((k) => !seen.has(k.info.fingerprint)).map((k) => ({ ...k, backend: 'gpg' as const })));
    problems.push(...list.problems);
  }
  return { keys, problems };
}

/**
 * Signs `archivePath` with the key `keyQuery` names, asking the passphrase when the key needs one. gpg
 * first runs without a prompt of its own, so the passphrase is asked here; gpg-agent's own pinentry
 * asks only when it refuses a passphrase through loopback.
 */
export async function signWithChosenBackend(
  archivePath: string, keyQuery: string, candidate: SigningCandidate | undefined, expectedSha256: string | undefined,
  sources: SigningSources, ctx: SigningContext,
): Promise<Result<SignResult>> {
  const { chooseSigner } = await import('../provenance/signBackend');
  const attempt = async (passphrase: string | undefined, neverPrompt: boolean, backend?: SigningBackend) => {
    const forced = backend ?? (sources.backends.length === 1 ? sources.backends[0] : undefined);
    const chosen = await chooseSigner({
      keyQuery, secretKeyrings: sources.secretKeyrings, passphrase, gpg: { ...sources.gpg, neverPrompt },
      ...(forced ? { backend: forced } : {}),
      hint: 'Set helmProvenance.gnupgHome to the GnuPG home that holds the key, or helmProvenance.secretKeyring to an exported secret keyring.',
    });
    return { chosen, signed: chosen.ok ? await chosen.value.sign(archivePath, expectedSha256) : chosen };
  };
  let passphrase: string | undefined;
  for (let asked = 0; ; asked++) {
    const { chosen, signed } = await attempt(passphrase, true);
    if (signed.ok) return signed;
    const code = signed.error.code;
    if (code === 'pinentry-loopback-refused') {
      ctx.progress('gpg-agent asks for the passphrase in its own prompt…');
      return (await attempt(undefined, false, 'gpg')).signed;
    }
    if ((code !== 'passphrase-required' && code !== 'passphrase-wrong') || asked >= MAX_PASSPHRASE_ATTEMPTS) return signed;
    const info = chosen.ok ? chosen.value.info : candidate?.info;
    const uid = info?.primaryUserId ?? info?.userIds[0];
    const answer = await ctx.askPassphrase({
      fingerprint: info?.fingerprint ?? keyQuery, ...(uid ? { uid: escapeUntrusted(uid) } : {}), attempt: asked + 1, previousWrong: code === 'passphrase-wrong',
    });
    if ('passphrase' in answer) {
      passphrase = answer.passphrase;
      ctx.progress('Signing…');
      continue;
    }
    // An editor without a passphrase prompt: gpg-agent's own pinentry asks (openpgp.js has no prompt of its own).
    if (answer.none === 'unsupported' && chosen.ok && chosen.value.backend === 'gpg') return (await attempt(undefined, false, 'gpg')).signed;
    const why = answer.none === 'cancelled' ? 'Signing cancelled: no passphrase was given.'
      : `${signed.error.message} This editor cannot ask for a passphrase: sign with a key gpg holds (gpg-agent's own prompt asks), or with helm-prov sign on a terminal.`;
    return { ok: false, error: { code: 'passphrase-required', severity: 'error', message: why } };
  }
}
