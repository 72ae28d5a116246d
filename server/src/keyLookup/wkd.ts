// Web Key Directory (draft-koch-openpgp-webkey-service): where a key for an e-mail address is served.
// The local part is lowercased (ASCII only), hashed with SHA-1 and written in z-base-32; `?l=` carries
// the local part as written. The advanced method asks openpgpkey.<domain>, the direct method <domain>.
import { createHash } from 'node:crypto';

const ZBASE32 = 'ybndrfg8ejkmcpqxot1uwisza345h769';

export function zbase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ZBASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ZBASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/** The WKD hash of a local part: z-base-32 of SHA-1 of it with ASCII A–Z lowercased. */
export function wkdHash(localPart: string): string {
  const lowered = localPart.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return zbase32(createHash('sha1').update(lowered, 'utf8').digest());
}

/** Where the two methods look, origin (scheme, host, port) first; tests point these at loopback. */
export interface WkdOrigins {
  advanced: (domain: string) => string;
  direct: (domain: string) => string;
}

export const PUBLIC_WKD_ORIGINS: WkdOrigins = {
  advanced: (domain) => `https://openpgpkey.${domain}`,
  direct: (domain) => `https://${domain}`,
};

export interface WkdUrls { advanced: URL; direct: URL }

/** The advanced and direct URLs for an address, or undefined when it is not one (no @, a domain with a path in it, an IP address). */
export function wkdUrls(email: string, origins: WkdOrigins = PUBLIC_WKD_ORIGINS): WkdUrls | undefined {
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return undefined;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1).toLowerCase();
  // A host name with a dot, not an address: a user id naming `x@127.0.0.1` or `x@localhost` must not
  // send look-ups to this machine or its network.
  if (!/^[a-z0-9.-]+$/.test(domain) || domain.startsWith('.') || domain.includes('..') || !domain.includes('.') || /^[0-9.]+$/.test(domain)) return undefined;
  const hash = wkdHash(local);
  const query = `?l=${encodeURIComponent(local)}`;
  try {
    return {
      advanced: new URL(`${origins.advanced(domain)}/.well-known/openpgpkey/${domain}/hu/${hash}${query}`),
      direct: new URL(`${origins.direct(domain)}/.well-known/openpgpkey/hu/${hash}${query}`),
    };
  } catch {
    return undefined;
  }
}
