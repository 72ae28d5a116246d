// `helm-prov release-check`: what a maintainer checks before shipping a signature, so that nobody meets
// `unknown-signer` or an expired key after the release (Helm 3.17.1's key was on no keyserver). Each
// check is one line with its code; any failure fails the release. Network only for the keyservers and
// WKD named, through lookup.ts (bounded).
import type { Keyring, LoadedKey } from '../provenance/keyTypes';
import { keyView } from '../provenance/keyView';
import { escapeUntrusted } from '../provenance/untrustedText';
import type { ReleaseCheckCode } from './codes';
import { verifyArtifact } from './releaseArtifacts';
import { lookUpKey, type LookupOptions } from './lookup';
import { emailOf, holdsSigner } from './servedKey';
import { signingPartsAt, whyNoSigningPart } from './signingParts';

export interface ReleaseCheckInput {
  /** The release key's primary fingerprint (normalized). */
  fingerprint: string;
  /** The maintainer's own keyrings (their copy of the key, possibly newer than anything published). */
  ownKeys: LoadedKey[];
  keysFiles: { file: string; ring: Keyring }[];
  keyservers: readonly string[];
  wkd: boolean;
  days: number;
  artifacts: readonly string[];
  now?: Date;
  lookup?: LookupOptions;
}

export interface CheckLine {
  code: ReleaseCheckCode;
  ok: boolean;
  message: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Why this copy cannot sign now or in N days, or undefined. */
function copyProblem(copy: LoadedKey, now: Date, later: Date): string | undefined {
  if (signingPartsAt(copy.info, now).length === 0) return `cannot sign now: ${whyNoSigningPart(copy.info, now)}`;
  if (signingPartsAt(copy.info, later).length === 0) return `cannot sign on ${day(later)}: ${whyNoSigningPart(copy.info, later)}`;
  return undefined;
}

/**
 * Why users holding `copy` (the KEYS file's, a keyserver's) could not verify a release signed with
 * `mine`: it lacks a part that can sign now (gpg may sign with any of them), or it cannot sign now or in
 * N days while mine can. Undefined when it serves as well as mine.
 */
function outdated(copy: LoadedKey, mine: LoadedKey | undefined, now: Date, later: Date): string | undefined {
  if (mine) {
    const missing = signingPartsAt(mine.info, now).filter((p) => !holdsSigner(copy, p.fingerprint));
    if (missing.length > 0) return `lacks ${missing.map((p) => `subkey ${p.fingerprint}`).join(', ')}, which can sign now: a signature made with it cannot be verified with this copy`;
    if (copyProblem(mine, now, later)) return undefined; // mine cannot either: the key's own lines say so
  }
  return copyProblem(copy, now, later);
}

function keyChecks(key: LoadedKey, now: Date, later: Date, days: number): CheckLine[] {
  const parts = signingPartsAt(key.info, now);
  if (parts.length === 0) {
    return [{ code: 'release-cannot-sign', ok: false, message: `Key ${key.info.fingerprint} cannot sign now: ${whyNoSigningPart(key.info, now)}.` }];
  }
  const lines: CheckLine[] = [{ code: 'release-can-sign', ok: true, message: `Key ${key.info.fingerprint} can sign now with ${parts.map((p) => p.fingerprint === key.info.fingerprint ? 'its primary key' : `subkey ${p.fingerprint}`).join(', ')}.` }];
  const stillValid = signingPartsAt(key.info, later);
  lines.push(stillValid.length > 0
    ? { code: 'release-valid-for-days', ok: true, message: `It can still sign in ${days} days (${day(later)}).` }
    : { code: 'release-expires-soon', ok: false, message: `It cannot sign in ${days} days (${day(later)}): ${whyNoSigningPart(key.info, later)}. Extend it (gpg --quick-set-expire) and publish it again before the release.` });
  return lines;
}

function keysFileChecks(fingerprint: string, own: LoadedKey | undefined, file: string, ring: Keyring, now: Date, later: Date): CheckLine[] {
  const name = escapeUntrusted(file, 400);
  const lines: CheckLine[] = [];
  const mismatch = ring.problems.filter((p) => p.code === 'keys-listing-mismatch' && (p.message.includes(fingerprint) || p.message.includes(fingerprint.slice(-16))));
  for (const p of mismatch) {
    const at = p.range ? `:${p.range.start.line + 1}` : '';
    lines.push({ code: 'release-keys-listing-mismatch', ok: false, message: `${name}${at}: ${escapeUntrusted(p.message, 1000)}` });
  }
  const copy = ring.keys.find((k) => k.info.fingerprint === fingerprint);
  if (!copy) {
    lines.push({ code: 'release-not-in-keys', ok: false, message: `${name} holds no block with key ${fingerprint}: users verifying against it get unknown-signer. Append it: (gpg --list-sigs ${fingerprint} && gpg --armor --export ${fingerprint}) >> ${name}` });
    return lines;
  }
  const problem = outdated(copy, own, now, later);
  if (problem) {
    lines.push({ code: 'release-keys-outdated', ok: false, message: `${name}'s copy of ${fingerprint} ${problem}: replace its block with a fresh gpg --armor --export ${fingerprint}.` });
    return lines;
  }
  if (mismatch.length === 0) lines.push({ code: 'release-in-keys', ok: true, message: `${name} holds key ${fingerprint}${copy.source.range ? ` (block at line ${copy.source.range.start.line + 1})` : ''}.` });
  return lines;
}

async function publishedChecks(input: ReleaseCheckInput, key: LoadedKey | undefined, now: Date, later: Date): Promise<CheckLine[]> {
  const lines: CheckLine[] = [];
  const places: { label: string; lookup: Parameters<typeof lookUpKey>[1] }[] = input.keyservers.map((ks) => ({ label: ks, lookup: { keyservers: [ks] } }));
  if (input.wkd) {
    const emails = [...new Set((key?.info.userIds ?? []).map(emailOf).filter((e): e is string => e !== undefined))];
    if (emails.length === 0) lines.push({ code: 'release-not-published', ok: false, message: `WKD: key ${input.fingerprint} has no user id with an e-mail address to publish it under.` });
    for (const email of emails) places.push({ label: `WKD ${email}`, lookup: { wkd: true, emails: [email] } });
  }
  for (const place of places) {
    const report = await lookUpKey({ fingerprint: input.fingerprint }, place.lookup, { ...input.lookup, now });
    const label = escapeUntrusted(place.label, 400);
    const found = report.attempts.find((a) => a.key);
    if (!found?.key) {
      const said = report.attempts.map((a) => `${a.source} ${a.code}`).join(', ');
      lines.push({ code: 'release-not-published', ok: false, message: `${label}: key ${input.fingerprint} is not served (${said}): users who look it up there will not find it. ${escapeUntrusted(report.attempts.at(-1)?.message ?? '', 1000)}` });
      continue;
    }
    const problem = outdated(found.key, key, now, later);
    if (problem) {
      lines.push({ code: 'release-published-outdated', ok: false, message: `${label} serves a copy of ${input.fingerprint} that ${problem}: upload your current one (gpg --send-keys, or keys.openpgp.org's upload page).` });
      continue;
    }
    lines.push({ code: 'release-published', ok: true, message: `${label} serves key ${input.fingerprint} (${found.source} ${escapeUntrusted(found.where, 400)}).` });
  }
  return lines;
}

/** Runs every check the input asks for, in a fixed order: the key, KEYS, publication, artifacts. */
export async function releaseCheck(input: ReleaseCheckInput): Promise<CheckLine[]> {
  const now = input.now ?? new Date();
  const later = new Date(now.getTime() + input.days * DAY_MS);
  const keysFileKeys = input.keysFiles.map((k) => k.ring);
  const view = await keyView([{ keys: input.ownKeys, revocations: [] }, ...keysFileKeys], now);
  const key = view.find((k) => k.info.fingerprint === input.fingerprint);
  const own = input.ownKeys.find((k) => k.info.fingerprint === input.fingerprint);
  const lines: CheckLine[] = [];
  if (!key) {
    const subkeyOf = view.find((k) => k.info.subkeys.some((s) => s.fingerprint === input.fingerprint));
    lines.push({ code: 'release-key-unknown', ok: false, message: subkeyOf
      ? `${input.fingerprint} is a subkey of ${subkeyOf.info.fingerprint}: give the primary key's fingerprint.`
      : `Key ${input.fingerprint} is in none of your keyrings and none of the KEYS files given.` });
  } else {
    lines.push(...keyChecks(key, now, later, input.days));
  }
  for (const { file, ring } of input.keysFiles) lines.push(...keysFileChecks(input.fingerprint, own ?? key, file, ring, now, later));
  lines.push(...await publishedChecks(input, key, now, later));
  const keysFileView = await keyView(keysFileKeys, now);
  for (const artifact of input.artifacts) lines.push(await verifyArtifact(artifact, keysFileView, input.fingerprint, now));
  return lines;
}
