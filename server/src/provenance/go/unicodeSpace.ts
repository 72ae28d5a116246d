// Go's white space (unicode.IsSpace), on which Helm relies twice: strings.TrimSpace around each
// .helmignore rule, and sanitizeString turning every space in chart metadata into ' '.
const GO_SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const EDGE_SPACES = new RegExp(`^[${GO_SPACE}]+|[${GO_SPACE}]+$`, 'g');
const SPACES = new RegExp(`[${GO_SPACE}]`, 'g');

/** strings.TrimSpace: Go's white space removed at both ends. */
export function goTrimSpace(s: string): string {
  return s.replace(EDGE_SPACES, '');
}

/** Each of Go's white-space characters replaced by ' '. */
export function goSpacesToBlanks(s: string): string {
  return s.replace(SPACES, ' ');
}
