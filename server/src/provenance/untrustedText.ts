// Text that came from outside (user ids, file and folder names, Chart.yaml values, KEYS listings, gpg's
// output) shown to a person. One decision — which characters must not reach a screen as they are — made
// by `escapeUntrusted`; the layers below add what each place interprets on top (Markdown, VS Code icons,
// notification links, JSON). The client imports this module too: one owner for the whole extension.

/**
 * Never shown raw: controls (C0, DEL, C1: ESC/OSC sequences, BEL), format characters (bidi controls and
 * isolates, zero-width characters, tags, U+061C), every default-ignorable code point (U+00AD, U+180E,
 * U+2060, U+3164, variation selectors, tags, fillers), line and paragraph separators, lone surrogates.
 */
const HIDDEN_SOURCE = '[\\p{Cc}\\p{Cf}\\p{Default_Ignorable_Code_Point}\\p{Zl}\\p{Zp}\\p{Cs}]';
/**
 * Made at first use, not when the module loads: building their Unicode sets costs about 0.4 ms of every
 * CLI start, and printable ASCII (nearly every text shown) never reaches them.
 */
let unicodeSets: { HIDDEN: RegExp; HIDDEN_ALL: RegExp; MARK: RegExp } | undefined;
function sets(): { HIDDEN: RegExp; HIDDEN_ALL: RegExp; MARK: RegExp } {
  return (unicodeSets ??= { HIDDEN: new RegExp(HIDDEN_SOURCE, 'u'), HIDDEN_ALL: new RegExp(HIDDEN_SOURCE, 'gu'), MARK: /^\p{M}/u });
}
/** Nothing here is hidden, a mark or changed by NFC: such text needs no escaping (nor the Unicode tables). */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function isDenormalized(char: string, previous: string): boolean {
  // A mark, a singleton (U+212B ANGSTROM SIGN → U+00C5) or a character that composes with the one before
  // it (Hangul jamo): in a string that is not NFC these make two different names print alike.
  return sets().MARK.test(char) || char.normalize('NFC') !== char
    || (previous !== '' && (previous + char).normalize('NFC') !== previous.normalize('NFC') + char);
}

/** `\u202e`, `\u{e0041}`: the code point in hex, the way JavaScript, JSON (in the BMP) and Go write it. */
function codePointEscape(char: string): string {
  const cp = char.codePointAt(0)!;
  return cp > 0xffff ? `\\u{${cp.toString(16)}}` : `\\u${cp.toString(16).padStart(4, '0')}`;
}

/** JSON has no `\u{…}`: a code point beyond the BMP is written as its two escaped surrogates. */
function jsonEscape(char: string): string {
  return char.split('').map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''); // split('') splits UTF-16 units
}

function render(text: string, max: number, escape: (char: string) => string): string {
  // At most `max` code points can be shown, and each is at most two code units: look no further.
  const shown = Number.isFinite(max) ? text.slice(0, 2 * max + 2) : text;
  if (shown.length <= max && PRINTABLE_ASCII.test(shown)) return shown;
  const denormalized = shown !== shown.normalize('NFC');
  if (!denormalized) {
    // The common case in one pass of the regular expression engine (a character-by-character walk
    // costs ten times more); the walk below is for text that must be cut or is not in NFC.
    const { HIDDEN_ALL, MARK } = sets();
    const out = shown.replace(HIDDEN_ALL, escape).replace(MARK, escape);
    if (out.length <= max) return out;
  }
  const { HIDDEN, MARK } = sets();
  let out = '';
  let previous = '';
  for (const char of shown) {
    // A mark at the very start would sit on whatever the message puts before it.
    const unsafe = HIDDEN.test(char) || (previous === '' && MARK.test(char)) || (denormalized && isDenormalized(char, previous));
    const piece = unsafe ? escape(char) : char;
    if (out.length + piece.length > max) return `${out}…`;
    out += piece;
    previous = char;
  }
  return out;
}

/**
 * The one escaper for untrusted text in plain messages, terminals and LSP data: every character above
 * (controls, format and default-ignorable characters, separators, lone surrogates) becomes `\uXXXX`
 * (`\u{XXXXX}` beyond the BMP); in text that is not in NFC, combining marks and other characters that
 * normalization would change are escaped too, so names that differ only in normalization look different.
 * Ordinary text (é, CJK, emoji) is kept. Longer results are cut at `max` characters, with `…`.
 */
export function escapeUntrusted(text: string, max = 200): string {
  return render(text, max, codePointEscape);
}

/** Untrusted text (a file or entry name) escaped and in double quotes, for a message. */
export function quotedUntrusted(text: string): string {
  return `"${escapeUntrusted(text)}"`;
}

/**
 * For a terminal or a log: each line escaped in full, the line breaks between lines kept. What a line
 * quotes must be escaped where it is quoted (escapeUntrusted), or a newline in it would start a line.
 */
export function escapeLines(text: string): string {
  return text.split('\n').map((line) => escapeUntrusted(line, Infinity)).join('\n');
}

/** For Markdown (hovers): also every ASCII punctuation, so no link, `command:` URI, emphasis, HTML or autolink. */
export function markdownText(text: string, max?: number): string {
  return escapeUntrusted(text, max).replace(/[\\`*_{}[\]()#+\-.!|<>~"'&:;=/$%@^?]/g, (c) => `\\${c}`);
}

const inertIcons = (s: string) => s.replace(/\$\(/g, '\\$(');
const inertLinks = (s: string) => s.replace(/\]\(/g, ']\\u0028');

/** For strings VS Code renders icons in (CodeLens titles, status bar): `$(name)` stays literal as `\$(`. */
export function codiconText(text: string, max?: number): string {
  return inertIcons(escapeUntrusted(text, max));
}

/**
 * For notification messages, which render `[text](target)` links but not icons (measured in the UI
 * tests): `](` is shown as `]\u0028`, which starts no link.
 */
export function messageText(text: string, max?: number): string {
  return inertLinks(escapeUntrusted(text, max));
}

/**
 * For labels that may end up in either kind of place: progress titles and messages (status bar or a
 * notification), quick pick items, status bar and language status text, tooltips, input box titles.
 */
export function labelText(text: string, max?: number): string {
  return inertIcons(inertLinks(escapeUntrusted(text, max)));
}

/**
 * One JSON line for machines that a terminal also shows safely: the same characters as
 * `escapeUntrusted` are written as JSON `\u` escapes (JSON.stringify leaves all but C0 controls raw),
 * so any JSON parser reads the exact value.
 */
export function jsonLine(value: unknown): string {
  return render(JSON.stringify(value), Infinity, jsonEscape);
}
