// The release check's last step: each artifact verified against the project's KEYS file exactly as a
// user's install would check it — a chart (`.tgz` with its `.prov`), a detached signature (`.asc`,
// `.sig`) over the file it names, or a checksum list (`SHA256SUMS`-style) whose own signature is
// checked and whose listed files beside it are hashed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readBoundedFile } from '../provenance/boundedRead';
import { verifyDetached } from '../provenance/detached';
import { sha256File } from '../provenance/hash';
import type { LoadedKey } from '../provenance/keyTypes';
import { escapeUntrusted } from '../provenance/untrustedText';
import { verifyArchive } from '../provenance/verify';
import type { CheckLine } from './releaseCheck';

/** A checksum list is small; more than this is no SHA256SUMS file. */
const MAX_CHECKSUM_LIST_BYTES = 1024 * 1024;
const CHECKSUM_LINE = /^([0-9a-fA-F]{64}) [ *]([^\r\n]+)$/;

function verdictLine(name: string, verdict: 'verified' | 'rejected', code: string, message: string, signer: string | undefined, fingerprint: string): CheckLine {
  if (verdict !== 'verified') return { code: 'release-artifact-rejected', ok: false, message: `${name}: ${code}: ${escapeUntrusted(message, 1000)}` };
  const other = signer && signer !== fingerprint ? ` (signed by ${signer}, not the release key)` : '';
  return { code: 'release-artifact-verified', ok: true, message: `${name} verifies against the KEYS file${other}.` };
}

/** The detached signature beside a file: `<file>.asc`, else `<file>.sig`. */
function signatureBeside(file: string): string | undefined {
  return [`${file}.asc`, `${file}.sig`].find((s) => fs.existsSync(s));
}

async function checksumList(file: string, listed: { hex: string; name: string }[], keys: LoadedKey[], fingerprint: string, now: Date): Promise<CheckLine> {
  const name = escapeUntrusted(file, 400);
  const signature = signatureBeside(file);
  if (!signature) return { code: 'release-artifact-rejected', ok: false, message: `${name} has no signature beside it (${name}.asc or .sig): users cannot trust its checksums.` };
  const outcome = await verifyDetached(file, signature, keys, { now });
  const line = verdictLine(name, outcome.verdict, outcome.code, outcome.message, outcome.signer?.fingerprint, fingerprint);
  if (!line.ok) return line;
  const dir = path.dirname(file);
  const bad: string[] = [];
  let checked = 0;
  let absent = 0;
  for (const entry of listed) {
    const target = path.join(dir, entry.name);
    if (path.relative(dir, target).startsWith('..') || !fs.existsSync(target)) { absent++; continue; }
    const digest = await sha256File(target);
    checked++;
    if (!digest.ok) bad.push(`${escapeUntrusted(entry.name)} (${escapeUntrusted(digest.error.message)})`);
    else if (digest.value.hex !== entry.hex.toLowerCase()) bad.push(`${escapeUntrusted(entry.name)} (sha256 ${digest.value.hex}, listed ${entry.hex.toLowerCase()})`);
  }
  if (bad.length > 0) return { code: 'release-artifact-rejected', ok: false, message: `${name}: signature verified, but ${bad.length} listed file(s) differ: ${bad.join('; ')}` };
  return { ...line, message: `${line.message.slice(0, -1)}; ${checked} listed file(s) beside it match${absent ? `, ${absent} not here (not checked)` : ''}.` };
}

/** Verifies one artifact named on the command line against the KEYS file's keys. */
export async function verifyArtifact(file: string, keys: LoadedKey[], fingerprint: string, now: Date): Promise<CheckLine> {
  const name = escapeUntrusted(file, 400);
  if (file.endsWith('.prov') || file.endsWith('.tgz')) {
    const archive = file.endsWith('.prov') ? file.slice(0, -'.prov'.length) : file;
    const o = await verifyArchive(archive, { keys, now });
    return verdictLine(name, o.verdict, o.code, o.message, o.signer?.fingerprint, fingerprint);
  }
  if (file.endsWith('.asc') || file.endsWith('.sig')) {
    const o = await verifyDetached(file.slice(0, -4), file, keys, { now });
    return verdictLine(name, o.verdict, o.code, o.message, o.signer?.fingerprint, fingerprint);
  }
  const head = readBoundedFile(file, MAX_CHECKSUM_LIST_BYTES);
  if (head.ok) {
    const lines = head.bytes.toString('utf8').split('\n').filter((l) => l.trim() !== '');
    const listed = lines.map((l) => CHECKSUM_LINE.exec(l.replace(/\r$/, ''))).filter((m): m is RegExpExecArray => m !== null).map((m) => ({ hex: m[1], name: m[2] }));
    if (lines.length > 0 && listed.length === lines.length) return checksumList(file, listed, keys, fingerprint, now);
  }
  const signature = signatureBeside(file);
  if (!signature) return { code: 'release-artifact-rejected', ok: false, message: `${name}: no signature found for it (a .tgz with its .prov, ${name}.asc or .sig, or a SHA256SUMS file).` };
  const o = await verifyDetached(file, signature, keys, { now });
  return verdictLine(name, o.verdict, o.code, o.message, o.signer?.fingerprint, fingerprint);
}
