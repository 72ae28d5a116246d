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
