// Showing text that came from files (user ids, chart names, file names) without letting it act: control
// and bidi characters are escaped by the engine's `printable`, and what would be Markdown or a VS Code
// icon is neutralised here for the place it is shown in.
import { printable } from '../provenance/provDocument';

/** Plain text for a Markdown hover: every ASCII punctuation is backslash-escaped, so no link, emphasis, HTML or autolink. */
export function markdownText(s: string, max?: number): string {
  return printable(s, max).replace(/[\\`*_{}[\]()#+\-.!|<>~"'&:;=/$%@^?]/g, (c) => `\\${c}`);
}

/** A CodeLens or badge title: `$(name)` would render as an icon in VS Code, `\$(` keeps it literal. */
export function labelText(s: string, max?: number): string {
  return printable(s, max).replace(/\$\(/g, '\\$(');
}

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
