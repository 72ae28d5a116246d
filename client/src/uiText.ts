// Text that came from a file (user ids, chart and file names, messages quoting them) shown in VS Code's
// UI. The server escapes control and bidi characters already; this repeats it (the client does not
// rely on it) and neutralises what VS Code interprets in plain strings: `$(icon)` in labels, titles
// and status text, and `[text](command:…)` links in notification messages. Measured in the UI tests:
// a notification renders links but not icons, so messages keep `$(` as it is.

const INVISIBLE_OR_CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

function escapeInvisible(s: string): string {
  return s.replace(INVISIBLE_OR_CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `](` would end a link text and start its target: show the parenthesis as an escape instead. */
function escapeLinks(s: string): string {
  return s.replace(/\]\(/g, ']\\u0028');
}

/** For notification messages. */
export function messageText(s: string): string {
  return escapeLinks(escapeInvisible(s));
}

/** For labels, descriptions, titles, placeholders, status bar and language status text and tooltips. */
export function labelText(s: string): string {
  return escapeLinks(escapeInvisible(s)).replace(/\$\(/g, '\\$(');
}

/** `3F2A…C9F1` for a long fingerprint: enough to recognise, short enough for a status bar. */
export function shortFingerprint(fingerprint: string): string {
  const hex = fingerprint.replace(/\s+/g, '').toUpperCase();
  return hex.length > 8 ? `${hex.slice(0, 4)}…${hex.slice(-4)}` : hex;
}

/** A fingerprint grouped in fours, the way gpg prints it. */
export function groupedFingerprint(fingerprint: string): string {
  return fingerprint.replace(/\s+/g, '').toUpperCase().replace(/(.{4})(?=.)/g, '$1 ');
}
