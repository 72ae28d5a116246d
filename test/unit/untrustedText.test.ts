// The one escaper for untrusted text and its layers: every class of character that can hide, reorder,
// forge or act is escaped, names that differ only in Unicode normalization look different, and
// ordinary text (accents in NFC, CJK, emoji, Indic scripts) is left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  codiconText, escapeUntrusted, jsonLine, labelText, markdownText, messageText,
} from '../../server/src/provenance/untrustedText';
import * as client from '../../client/src/uiText';

const hex = (cp: number) => (cp > 0xffff ? `\\u{${cp.toString(16)}}` : `\\u${cp.toString(16).padStart(4, '0')}`);

/** Each class the brief names, by example code points (the first and last of a range, and the ones attacks used). */
const CLASSES: Record<string, number[]> = {
  'C0 controls (ESC, BEL, NUL, CR, LF, TAB)': [0x00, 0x07, 0x09, 0x0a, 0x0d, 0x1b, 0x1f],
  'DEL and C1 controls (CSI, OSC, NEL)': [0x7f, 0x80, 0x85, 0x9b, 0x9d, 0x9f],
  'bidi controls and isolates': [0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069],
  'soft hyphen, combining grapheme joiner, Hangul fillers': [0x00ad, 0x034f, 0x115f, 0x1160, 0x3164, 0xffa0],
  'Khmer vowels inherent, Mongolian selectors and vowel separator': [0x17b4, 0x17b5, 0x180b, 0x180c, 0x180d, 0x180e, 0x180f],
  'zero-width characters and word joiner block': [0x200b, 0x200c, 0x200d, 0x2060, 0x2061, 0x2064, 0x2065, 0x206a, 0x206f],
  'variation selectors': [0xfe00, 0xfe0f, 0xe0100, 0xe01ef],
  'byte order mark': [0xfeff],
  'shorthand format controls, musical format controls': [0x1bca0, 0x1bca3, 0x1d173, 0x1d17a],
  'tags and the rest of the ignorable plane-14 block': [0xe0000, 0xe0001, 0xe0020, 0xe0041, 0xe007f, 0xe0fff],
  'line and paragraph separators': [0x2028, 0x2029],
  'other format characters (interlinear annotation, Arabic signs)': [0xfff9, 0xfffb, 0x0600, 0x06dd, 0x110bd],
};

for (const [name, codePoints] of Object.entries(CLASSES)) {
  test(`escaped: ${name}`, () => {
    for (const cp of codePoints) {
      const char = String.fromCodePoint(cp);
      assert.equal(escapeUntrusted(`a${char}b`), `a${hex(cp)}b`, `U+${cp.toString(16).toUpperCase()}`);
    }
  });
}

test('ESC and OSC sequences cannot reach a terminal', () => {
  assert.equal(escapeUntrusted('1.0.0\u001b]0;pwned\u0007\u001b[2K\rverified'), '1.0.0\\u001b]0;pwned\\u0007\\u001b[2K\\u000dverified');
});

test('lone surrogates are escaped; a whole pair is one character', () => {
  assert.equal(escapeUntrusted('a\ud800b'), 'a\\ud800b');
  assert.equal(escapeUntrusted('a\udc00'), 'a\\udc00');
  assert.equal(escapeUntrusted('\udbff'), '\\udbff');
  assert.equal(escapeUntrusted('x\u{e0041}y'), 'x\\u{e0041}y');
});

test('ordinary text is kept: accents in NFC, CJK, emoji, Indic and Hangul syllables, symbols', () => {
  for (const s of ['Jörg Müller <jm@example.org>', 'café', '中文名字', '😀🎉', 'देवनागरी', '한국어', 'Ωμέγα', 'a - b (c) [d] $e', 'C:\\charts\\x']) {
    assert.equal(escapeUntrusted(s), s);
  }
});

test('not in NFC: combining marks are escaped, so NFD and NFC names look different', () => {
  const nfc = 'Jos\u00e9';
  const nfd = 'Jose\u0301';
  assert.equal(escapeUntrusted(nfc), 'José');
  assert.equal(escapeUntrusted(nfd), 'Jose\\u0301');
  assert.notEqual(escapeUntrusted(nfc), escapeUntrusted(nfd));
  // Marks in a non-canonical order.
  assert.equal(escapeUntrusted('a\u0301\u0323'), 'a\\u0301\\u0323');
});

test('not in NFC: singletons and characters that compose with the one before are escaped too', () => {
  assert.equal(escapeUntrusted('\u212bngstr\u00f6m'), '\\u212bngstr\u00f6m'); // ANGSTROM SIGN, NFC → U+00C5
  assert.equal(escapeUntrusted('\u212aelvin'), '\\u212aelvin'); // KELVIN SIGN, NFC → K
  assert.equal(escapeUntrusted('\u1100\u1161'), '\u1100\\u1161'); // Hangul jamo that NFC joins into 가
  assert.equal(escapeUntrusted('\uac00'), '\uac00');
});

test('a combining mark at the very start is escaped (it would sit on the text before it)', () => {
  assert.equal(escapeUntrusted('\u0301abc'), '\\u0301abc');
});

test('cut at max characters, never inside a surrogate pair', () => {
  const long = 'a' + '😀'.repeat(300);
  const cut = escapeUntrusted(long, 10);
  assert.ok(cut.endsWith('…'), cut);
  assert.ok(cut.length <= 11, cut);
  assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(cut), JSON.stringify(cut));
  assert.equal(escapeUntrusted('x'.repeat(50), 50), 'x'.repeat(50));
  assert.equal(escapeUntrusted('\u001b'.repeat(10), 13), '\\u001b\\u001b…');
  // A cut string is a prefix of the whole one, whichever way each was escaped.
  for (const s of ['a\u2060b中😀\u{e0041}'.repeat(40), 'Jose\u0301 '.repeat(40), 'é'.repeat(300)]) {
    const cut = escapeUntrusted(s, 37);
    assert.ok(cut.endsWith('…') && escapeUntrusted(s, Infinity).startsWith(cut.slice(0, -1)), cut);
  }
});

test('escaping twice changes nothing more', () => {
  for (const s of ['a\u2060b\u00adc\u180ed\u{e0041}', 'Jose\u0301', '\u212bx', 'plain']) {
    assert.equal(escapeUntrusted(escapeUntrusted(s)), escapeUntrusted(s));
  }
});

test('markdownText: invisible characters escaped, then every Markdown punctuation', () => {
  const out = markdownText('[Open](command:workbench.action.quit) **b** <img> \u2060');
  assert.equal(out, '\\[Open\\]\\(command\\:workbench\\.action\\.quit\\) \\*\\*b\\*\\* \\<img\\> \\\\u2060');
  assert.ok(!out.includes(']('));
});

test('codiconText: `$(` is shown, never rendered as an icon', () => {
  assert.equal(codiconText('$(verified-filled) Verified by x'), '\\$(verified-filled) Verified by x');
  assert.equal(codiconText('$(check)\u202e'), '\\$(check)\\u202e');
});

test('messageText: a notification link cannot start', () => {
  assert.equal(messageText('[click](command:workbench.action.quit) $(zap)'), '[click]\\u0028command:workbench.action.quit) $(zap)');
});

test('labelText: neither icons nor links', () => {
  assert.equal(labelText('$(zap) [x](https://e.example)\u2060'), '\\$(zap) [x]\\u0028https://e.example)\\u2060');
});

test('jsonLine: the exact value for a parser, no raw hidden character or mark for a terminal', () => {
  const value = { uid: 'M\u2060a\u00adl\u180el\u{e0041}o\u202ery\u2028 \u001b]0;x\u0007', nfd: 'Jose\u0301', nfc: 'José', emoji: '😀', cjk: '中文' };
  const line = jsonLine(value);
  assert.deepEqual(JSON.parse(line), value);
  assert.ok(!/[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\p{Zl}\p{Zp}\p{Cs}\p{M}]/u.test(line), line);
  assert.ok(line.includes('\\u2060') && line.includes('\\udb40\\udc41') && line.includes('Jose\\u0301'), line);
  assert.ok(line.includes('"José"') && line.includes('😀') && line.includes('中文'), line);
});

test('controls and bidi overrides in one string', () => {
  assert.equal(escapeUntrusted('a\u001b[31mb\u202ec\nd'), 'a\\u001b[31mb\\u202ec\\u000ad');
});

test("the client's layers are these (U+061C included) and never cut a whole message", () => {
  const long = `${'x'.repeat(500)} \u061c\u2060 $(zap) [a](command:x)`;
  assert.equal(client.labelText(long), `${'x'.repeat(500)} \\u061c\\u2060 \\$(zap) [a]\\u0028command:x)`);
  assert.equal(client.messageText(long), `${'x'.repeat(500)} \\u061c\\u2060 $(zap) [a]\\u0028command:x)`);
});
