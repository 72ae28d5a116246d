// Text from untrusted bytes, and the byte order mark, in one place. Strict where Go (and so Helm)
// refuses invalid UTF-8 (names in an archive, Chart.yaml, a chart's text files); lenient where the text
// is only looked at and a position must still be shown (.prov, keyrings, .helmignore). Every decoder
// drops one leading BOM, as Helm's loader strips it from every file.

const strict = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

/** UTF-8 bytes as text (a leading BOM dropped); undefined when they are not valid UTF-8. */
export function strictUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strict.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Bytes as UTF-8 text, each invalid sequence as U+FFFD (a leading BOM dropped). */
export function lenientUtf8(bytes: Uint8Array): string {
  return lenient.decode(bytes);
}

/** Bytes without a leading UTF-8 BOM. */
export function withoutBom(bytes: Buffer): Buffer {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}

/** Text without a leading U+FEFF. */
export function withoutBomText(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
