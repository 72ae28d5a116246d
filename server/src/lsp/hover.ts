// Hovers on `.prov` and KEYS documents. Everything that came from a file is escaped for Markdown
// (markdownText), so a user id cannot become a link, a command or HTML; fingerprints come from the key
// material, never from a listing.
import * as path from 'node:path';
import { MarkupKind, type Hover, type Position, type Range } from 'vscode-languageserver/node';
import type { KeyPart, LoadedKey } from '../provenance/keyTypes';
import type { KeysFileLint } from '../provenance/keysFile';
import type { Signer } from '../provenance/signatureCheck';
import type { ProvCheck } from './provCheck';
import { markdownText } from '../provenance/untrustedText';
import { algorithmText, groupedFingerprint, humanDate } from './keyText';

export function contains(range: Range, pos: Position): boolean {
  const after = pos.line > range.start.line || (pos.line === range.start.line && pos.character >= range.start.character);
  const before = pos.line < range.end.line || (pos.line === range.end.line && pos.character <= range.end.character);
  return after && before;
}

function markdown(lines: string[], range?: Range): Hover {
  return { contents: { kind: MarkupKind.Markdown, value: lines.join('\n\n') }, ...(range ? { range } : {}) };
}

/** A hex string we may show in a code span: only hex digits, so nothing to escape. */
function hexSpan(value: string | undefined): string | undefined {
  return value && /^[0-9A-Fa-f]+$/.test(value) ? `\`${value}\`` : undefined;
}

function fingerprintSpan(fingerprint: string): string {
  return hexSpan(fingerprint) ? `\`${groupedFingerprint(fingerprint)}\`` : markdownText(fingerprint);
}

const NOT_TRUST = "listed in this repository's KEYS — information only: a repository's KEYS file does not make its keys trusted";

function signerLines(signer: Signer): string[] {
  const lines = [`Signed by: ${signer.uid ? markdownText(signer.uid) : '(no user id)'}`];
  for (const uid of signer.uids.filter((u) => u !== signer.uid)) lines.push(`Also: ${markdownText(uid)}`);
  lines.push(`Fingerprint: ${fingerprintSpan(signer.fingerprint)}`);
  if (signer.signingKey !== signer.fingerprint) lines.push(`Signing subkey: ${fingerprintSpan(signer.signingKey)}`);
  lines.push(`Algorithm: ${markdownText(algorithmText(signer.algorithm, signer.bits))}`);
  lines.push(`Signed: ${humanDate(signer.signedAt)}`);
  lines.push(`Key expires: ${signer.keyExpires ? humanDate(signer.keyExpires) : 'never'}`);
  return lines;
}

function signatureHover(check: ProvCheck, range: Range): Hover {
  const { outcome } = check;
  const verdict = outcome.verdict === 'verified' ? '✓ verified' : `✗ ${outcome.code}`;
  const lines = [`**Signature** — ${verdict}`];
  if (outcome.signer) lines.push(...signerLines(outcome.signer));
  else if (check.issuers.length) lines.push(`Issuer: ${check.issuers.map(fingerprintSpan).join(', ')} (as the signature names it; not in your keyrings)`);
  // A verified signature's message says again who signed and when (the lines above): its one new fact is the digest.
  if (outcome.verdict === 'verified' && outcome.signer) {
    if (check.archiveSha256) lines.push(`Archive digest: \`sha256:${check.archiveSha256}\` — matches the signed one`);
  } else {
    lines.push(markdownText(outcome.message, 2000));
  }
  if (check.listedInWorkspaceKeys.length) {
    lines.push(`${markdownText(check.listedInWorkspaceKeys.join(', '))}: ${NOT_TRUST}.`);
  }
  return markdown(lines, range);
}

function digestHover(check: ProvCheck, expected: string, range: Range): Hover {
  const actual = check.archiveSha256;
  const lines = [`**Archive digest**`, `Signed: ${/^sha256:[0-9a-f]+$/.test(expected) ? `\`${expected}\`` : markdownText(expected)}`];
  if (!check.archiveExists) lines.push('Archive: not found next to this file');
  else if (!actual) lines.push('Archive: cannot be read');
  else lines.push(`Archive: \`sha256:${actual}\` — ${`sha256:${actual}` === expected ? 'matches' : '**does not match**'}`);
  return markdown(lines, range);
}

export function provHover(check: ProvCheck, pos: Position): Hover | undefined {
  const { doc, outcome } = check;
  for (const entry of doc.files) {
    if (contains(entry.digestRange, pos)) return digestHover(check, entry.digest, entry.digestRange);
    if (contains(entry.nameRange, pos)) {
      const exists = check.archiveExists && entry.name === path.basename(outcome.archive);
      return markdown([`**Archive** ${markdownText(entry.name)}`, exists ? 'Found next to this file.' : 'Not found next to this file.'], entry.nameRange);
    }
  }
  for (const field of ['name', 'version'] as const) {
    const signed = doc.metadata?.[field];
    if (signed && contains(signed.range, pos)) {
      const own = outcome.chart?.[field];
      const archiveSays = own === undefined ? 'the archive could not be read' : `the archive's Chart.yaml says ${markdownText(own)}`;
      return markdown([`**Signed ${field}**: ${markdownText(signed.value)}`, archiveSays], signed.range);
    }
  }
  if (doc.signature && contains(doc.signature.range, pos)) return signatureHover(check, doc.signature.range);
  return undefined;
}

function partLine(label: string, part: KeyPart, now: Date): string {
  const state = part.revoked ? 'revoked' : part.expires && part.expires <= now ? `expired ${humanDate(part.expires)}` : part.expires ? `expires ${humanDate(part.expires)}` : 'no expiry';
  const usage = part.canSign ? 'can sign' : 'cannot sign';
  const weak = part.weakness ? `, weak: ${markdownText(part.weakness)}` : '';
  return `${label}: ${fingerprintSpan(part.fingerprint)} · ${markdownText(algorithmText(part.algorithm, part.bits))} · created ${humanDate(part.created)} · ${state} · ${usage}${weak}`;
}

export function keySummary(key: LoadedKey, now: Date): string[] {
  const info = key.info;
  const lines = [`**Key** ${info.primaryUserId ? markdownText(info.primaryUserId) : '(no signed user id)'}`];
  for (const uid of info.userIds.filter((u) => u !== info.primaryUserId)) lines.push(`Also: ${markdownText(uid)}`);
  lines.push(partLine('Primary', info, now));
  for (const sub of info.subkeys) lines.push(partLine('Subkey', sub, now));
  lines.push(info.signingParts.length ? `Signs with: ${info.signingParts.map((p) => fingerprintSpan(p.fingerprint)).join(', ')}` : 'No part of this key may sign charts.');
  lines.push('A key in a KEYS file is information only: add it to your keyring after checking its fingerprint through another channel.');
  return lines;
}

/** The key whose armored block or listing holds `pos`, with the range it spans there. */
export function keyAt(lint: KeysFileLint, pos: Position): { key: LoadedKey; range: Range } | undefined {
  // Blocks and listings never overlap: one pass over each, not over every pair (5 000 keys, 45 000 listings).
  const inBlock = lint.keys.find((k) => k.source.range && contains(k.source.range, pos));
  if (inBlock) return { key: inBlock, range: inBlock.source.range! };
  const listing = lint.layout.listings.find((l) => l.matches !== undefined && contains(l.range, pos));
  const listed = listing && lint.keys.find((k) => k.info.fingerprint === listing.matches);
  return listed ? { key: listed, range: listing.range } : undefined;
}

export function keysHover(lint: KeysFileLint, pos: Position, now: Date): Hover | undefined {
  const found = keyAt(lint, pos);
  return found ? markdown(keySummary(found.key, now), found.range) : undefined;
}
