// How registries and chart repositories use the network: the product's one bounded HTTP client
// (net/boundedHttp.ts) with the registry limits (oci/limits.ts), redirects followed to other hosts (blob
// downloads go to a storage back end, which never sees the credentials), a registry anywhere the user
// names it (this machine included) but a URL a server sent only as far as mayLead allows, and
// failures turned into registry codes with a hint of what to change.
import { fail, ok, type Result } from '../provenance/codes';
import { makeHttpClient, type NetCode, type NetRequest, type NetResponse } from '../net/boundedHttp';
import type { RegistryErrorCode } from './codes';
import { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_REQUEST_DEADLINE_MS, MAX_REDIRECTS, MAX_SMALL_REPLY_BYTES } from './limits';

export interface HttpRequest extends NetRequest {
  /** The code of a 2xx body over maxBytes (default blob-too-large); error bodies are cut at 64 KiB. */
  tooLarge?: RegistryErrorCode;
}

export type HttpResponse = NetResponse;

export interface TransportOptions {
  /** Extra PEM certificates trusted besides the system's (`--ca-file`). */
  ca?: Buffer;
  idleTimeoutMs?: number;
  deadlineMs?: number;
}

export type Transport = (request: HttpRequest) => Promise<Result<HttpResponse, RegistryErrorCode>>;

const CODES: Record<Exclude<NetCode, 'too-large'>, RegistryErrorCode> = {
  'url-refused': 'reference-invalid', 'address-refused': 'registry-error', deadline: 'registry-timeout', idle: 'registry-timeout',
  unreachable: 'registry-unreachable', 'tls-failed': 'registry-tls-failed', 'redirect-refused': 'registry-error',
  'too-many-redirects': 'registry-error', 'digest-mismatch': 'blob-digest-mismatch',
};

export function makeTransport(options: TransportOptions = {}): Transport {
  const send = makeHttpClient({
    deadlineMs: options.deadlineMs ?? DEFAULT_REQUEST_DEADLINE_MS, idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    maxRedirects: MAX_REDIRECTS, crossHostRedirects: true, allowLoopback: true, ...(options.ca ? { ca: options.ca } : {}),
  });
  return async (request) => {
    const answer = await send({ ...request, errorBodyBytes: MAX_SMALL_REPLY_BYTES });
    if (answer.ok) return ok(answer.value);
    const e = answer.error;
    if (e.code === 'too-large') return fail(request.tooLarge ?? 'blob-too-large', e.message);
    const hint = e.code === 'tls-failed'
      ? (e.plainHttp ? ' The registry speaks plain HTTP: give --plain-http for a registry on this machine.' : ' Give the registry\'s CA certificate with --ca-file.')
      : e.code === 'unreachable' && e.errno === 'ECONNRESET' && e.url.startsWith('http:') ? ' Does it speak HTTPS only? Drop --plain-http.'
      : e.code === 'address-refused' ? ' If that host is yours, name it yourself as the repository or registry.'
      : e.code === 'digest-mismatch' ? ' The registry (or something between) sent other content; nothing of it was used.' : '';
    return fail(CODES[e.code], `${e.message}${hint}`);
  };
}
