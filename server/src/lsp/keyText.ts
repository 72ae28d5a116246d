// How key facts are written for people (fingerprints, dates, algorithms), in the server's hovers and
// lenses and in the client's badges, pickers and prompts alike (the client imports this module too).
// Escaping of text from files lives in ../provenance/untrustedText.ts.

/** Uppercase hex without spaces, whichever way the fingerprint was written. */
function normalized(fingerprint: string): string {
  return fingerprint.replace(/\s+/g, '').toUpperCase();
}

/** `3F2A…C9F1`: enough to recognise a key at a glance (a status bar, a lens), never used to identify one. */
export function shortFingerprint(fingerprint: string): string {
  const hex = normalized(fingerprint);
  return hex.length > 8 ? `${hex.slice(0, 4)}…${hex.slice(-4)}` : hex;
}

/** `1A2B 3C4D …`: a fingerprint grouped in fours, the way gpg prints it. */
export function groupedFingerprint(fingerprint: string): string {
  return normalized(fingerprint).replace(/(.{4})(?=.)/g, '$1 ');
}

export function isoDate(d: Date | undefined): string | undefined {
  return d ? d.toISOString() : undefined;
}

/** `2024-05-01 12:00 UTC` for people. */
export function humanDate(d: Date): string {
  return d.toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC');
}

export function algorithmText(algorithm: string, bits?: number): string {
  return bits && /^(rsa|dsa|elgamal)/i.test(algorithm) ? `${algorithm.toUpperCase()} ${bits}` : algorithm;
}

/** `3B255F9CBB150E24`: the last 16 hex of a fingerprint (gpg's long key id), what a notification shows. */
export function keyIdOf(fingerprint: string): string {
  return normalized(fingerprint).slice(-16);
}

/** `9f2c61d0e4b7…`: the first 12 hex of a digest, what a notification shows (the whole one is in the log and hover). */
export function shortDigest(hex: string): string {
  return hex.length > 12 ? `${hex.slice(0, 12)}…` : hex;
}

/**
 * A message for a notification, with every SHA-256 digest (64 hex) and fingerprint (40 or 64 hex)
 * shortened and a fingerprint that appears twice (also as its key id) named once. Not an escaper: the
 * text is escaped by untrustedText.ts before it is shown.
 */
export function notificationText(message: string): string {
  const seen = new Set<string>();
  return message
    .replace(/\b(?:sha256:)?([0-9a-f]{64})\b/g, (_m, hex: string) => shortDigest(hex))
    .replace(/\b([0-9A-F]{40}|[0-9A-F]{64})\b/g, (hex: string) => {
      const id = keyIdOf(hex);
      if (seen.has(id)) return 'this key';
      seen.add(id);
      return id;
    })
    .replace(/ \(this key\)/g, '');
}
