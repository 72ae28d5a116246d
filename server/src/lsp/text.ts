// Formatting of key facts for the editor (fingerprints, dates, algorithms). Escaping of text from files
// lives in ../provenance/untrustedText.ts.

/** `3F2A…C9F1`: enough to recognise a key at a glance, never used to identify one. */
export function shortFingerprint(fingerprint: string): string {
  return fingerprint.length > 8 ? `${fingerprint.slice(0, 4)}…${fingerprint.slice(-4)}` : fingerprint;
}

/** `1A2B 3C4D …`: the usual grouping of a fingerprint for reading aloud. */
export function groupedFingerprint(fingerprint: string): string {
  return fingerprint.replace(/(.{4})(?=.)/g, '$1 ');
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
