// The registry's `WWW-Authenticate` challenge (RFC 7235) and the token reply of the distribution
// spec's token flow (docs/spec/auth/token.md). Pure.
import { parseUntrustedJson } from '../provenance/untrustedJson';

export type Challenge =
  | { scheme: 'basic' }
  | { scheme: 'bearer'; realm: string; service?: string; scope?: string }
  | { scheme: 'other'; name: string };

const MAX_HEADER_CHARS = 8192;

/** The first challenge we can answer among those in the header (Bearer before Basic, as Docker). */
export function parseChallenge(header: string | string[] | undefined): Challenge | undefined {
  const text = (Array.isArray(header) ? header.join(', ') : header ?? '').slice(0, MAX_HEADER_CHARS);
  const found: Challenge[] = [];
  // A linear scan: scheme, then `key=value` pairs (quoted or not) up to the next scheme.
  let i = 0;
  const skip = (chars: RegExp) => { while (i < text.length && chars.test(text[i])) i++; };
  const token = () => { const start = i; skip(/[A-Za-z0-9!#$%&'*+.^_`|~-]/); return text.slice(start, i); };
  while (i < text.length) {
    skip(/[\s,]/);
    const scheme = token();
    if (scheme === '') { i++; continue; }
    const params: Record<string, string> = {};
    for (;;) {
      skip(/[\s,]/);
      const mark = i;
      const name = token();
      skip(/\s/);
      if (name === '' || text[i] !== '=') { i = mark; break; }
      i++;
      skip(/\s/);
      let value = '';
      if (text[i] === '"') {
        for (i++; i < text.length && text[i] !== '"'; i++) value += text[i] === '\\' && i + 1 < text.length ? text[++i] : text[i];
        i++;
      } else {
        const start = i;
        skip(/[^\s,]/);
        value = text.slice(start, i);
      }
      params[name.toLowerCase()] = value;
    }
    const lower = scheme.toLowerCase();
    if (lower === 'bearer' && params.realm) found.push({ scheme: 'bearer', realm: params.realm, ...(params.service ? { service: params.service } : {}), ...(params.scope ? { scope: params.scope } : {}) });
    else if (lower === 'basic') found.push({ scheme: 'basic' });
    else found.push({ scheme: 'other', name: scheme });
  }
  return found.find((c) => c.scheme === 'bearer') ?? found.find((c) => c.scheme === 'basic') ?? found[0];
}

/** The token from a token endpoint's JSON reply (`token`, or OAuth2's `access_token`). */
export function tokenFromReply(body: Buffer): string | undefined {
  try {
    const reply = parseUntrustedJson(body.toString('utf8')) as Record<string, unknown>;
    const token = typeof reply.token === 'string' && reply.token ? reply.token : reply.access_token;
    // A token goes into a header: no line breaks or control characters.
    return typeof token === 'string' && /^[\x21-\x7e]{1,16384}$/.test(token) ? token : undefined;
  } catch {
    return undefined;
  }
}
