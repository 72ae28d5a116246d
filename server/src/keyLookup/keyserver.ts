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

/** VKS: `/vks/v1/by-fingerprint/<FPR>` (uppercase hex) or `/vks/v1/by-email/<address>`. */
export function vksUrl(base: URL, by: { fingerprint?: string; email?: string }): URL {
  return by.fingerprint
    ? under(base, `/vks/v1/by-fingerprint/${by.fingerprint}`)
    : under(base, `/vks/v1/by-email/${encodeURIComponent(by.email ?? '')}`);
}

/** HKP: `/pks/lookup?op=get&options=mr&search=0x<FPR>` (or the address). */
export function hkpUrl(base: URL, by: { fingerprint?: string; email?: string }): URL {
  const search = by.fingerprint ? `0x${by.fingerprint}` : encodeURIComponent(by.email ?? '');
  return under(base, `/pks/lookup?op=get&options=mr&search=${search}`);
}
