// Keyserver URLs: the VKS API that keys.openpgp.org serves and the HKP lookup that SKS, Hockeypuck and
// keyserver.ubuntu.com serve. A keyserver is given as https://, http://, hkps:// or hkp:// (port 11371).

/** The keyserver's base URL with hkp(s) turned into http(s); undefined for any other scheme. */
export function keyserverBase(given: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(given.includes('://') ? given : `hkps://${given}`);
  } catch {
    return undefined;
  }
  const scheme = { 'https:': 'https:', 'http:': 'http:', 'hkps:': 'https:', 'hkp:': 'http:' }[url.protocol];
  if (!scheme) return undefined;
  const port = url.port || (url.protocol === 'hkp:' ? '11371' : '');
  return new URL(`${scheme}//${url.hostname}${port ? `:${port}` : ''}${url.pathname}`);
}

function under(base: URL, pathAndQuery: string): URL {
  return new URL(`${base.origin}${base.pathname.replace(/\/+$/, '')}${pathAndQuery}`);
}

interface By { fingerprint?: string; keyId?: string; email?: string }

/** VKS: `/vks/v1/by-fingerprint/<FPR>` (uppercase hex), `/vks/v1/by-keyid/<KEYID>` or `/vks/v1/by-email/<address>`. */
export function vksUrl(base: URL, by: By): URL {
  if (by.fingerprint) return under(base, `/vks/v1/by-fingerprint/${by.fingerprint}`);
  if (by.keyId) return under(base, `/vks/v1/by-keyid/${by.keyId}`);
  return under(base, `/vks/v1/by-email/${encodeURIComponent(by.email ?? '')}`);
}

/** HKP: `/pks/lookup?op=get&options=mr&search=0x<FPR>` (or the key id, or the address). */
export function hkpUrl(base: URL, by: By): URL {
  const hex = by.fingerprint ?? by.keyId;
  const search = hex ? `0x${hex}` : encodeURIComponent(by.email ?? '');
  return under(base, `/pks/lookup?op=get&options=mr&search=${search}`);
}
