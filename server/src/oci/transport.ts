// The one module of server/src/oci/ that touches the network: one HTTP(S) request with its body read
// under a byte limit and a digest checked while it streams, redirects followed (credentials dropped on
// another host), an idle timeout and a deadline. Everything else in oci/ decides on its results.
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import * as tls from 'node:tls';
import { fail, ok, type Result } from '../provenance/codes';
import { escapeUntrusted } from '../provenance/untrustedText';
import { countWork } from '../provenance/work';
import type { RegistryErrorCode } from './codes';
import { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_REQUEST_DEADLINE_MS, MAX_REDIRECTS, MAX_SMALL_REPLY_BYTES } from './limits';
import { mib } from '../provenance/archiveLimits';

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** A 2xx body larger than this is refused (`tooLarge` names the code); error bodies are cut at 64 KiB. */
  maxBytes: number;
  tooLarge?: RegistryErrorCode;
  /** `sha256:<hex>` (or sha512): the 2xx body must hash to it, checked as it streams. */
  expectDigest?: string;
  /** What is fetched, for messages (`the manifest of charts/x:1.0`). */
  what: string;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered (after redirects). */
  url: string;
}

export interface TransportOptions {
  /** Extra PEM certificates trusted besides the system's (`--ca-file`). */
  ca?: Buffer;
  idleTimeoutMs?: number;
  deadlineMs?: number;
}

export type Transport = (request: HttpRequest) => Promise<Result<HttpResponse, RegistryErrorCode>>;

/** Node's connection errors named for a person: which ones mean TLS, which a timeout. */
function connectionFailure(e: NodeJS.ErrnoException, url: URL, what: string) {
  const where = `${url.protocol}//${url.host}`;
  const code = e.code ?? '';
  if (/^(CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_TLS|ERR_SSL)/.test(code) || /SSL routines|wrong version number/.test(e.message)) {
    const hint = /wrong version number|packet length too long/.test(e.message) ? ' (the registry speaks plain HTTP: give --plain-http for a registry on this machine)' : ' (give the registry\'s CA certificate with --ca-file)';
    return fail<RegistryErrorCode>('registry-tls-failed', `TLS with ${escapeUntrusted(where)} failed while fetching ${what}: ${escapeUntrusted(e.message, 300)}${hint}.`);
  }
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') return fail<RegistryErrorCode>('registry-timeout', `${escapeUntrusted(where)} did not answer in time while sending ${what}.`);
  const hint = code === 'ECONNRESET' && url.protocol === 'http:' ? ' (does it speak HTTPS only? drop --plain-http)' : '';
  return fail<RegistryErrorCode>('registry-unreachable', `Cannot reach ${escapeUntrusted(where)} for ${what}: ${escapeUntrusted(code || e.message, 200)}${hint}.`);
}

const HTTP_SCHEMES = new Set(['http:', 'https:']);

export function makeTransport(options: TransportOptions = {}): Transport {
  const ca = options.ca ? [...tls.rootCertificates, options.ca.toString('latin1')] : undefined;
  const idle = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const deadline = options.deadlineMs ?? DEFAULT_REQUEST_DEADLINE_MS;

  const once = (request: HttpRequest, url: URL, headers: Record<string, string>): Promise<Result<HttpResponse, RegistryErrorCode>> => new Promise((resolve) => {
    let settled = false;
    const settle = (r: Result<HttpResponse, RegistryErrorCode>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.request(url, {
      method: request.method,
      headers: { 'user-agent': 'helm-prov', ...headers, ...(request.body ? { 'content-length': String(request.body.length) } : {}) },
      ...(url.protocol === 'https:' && ca ? { ca } : {}),
      agent: false,
    }, (res) => {
      const success = (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300;
      const limit = success ? request.maxBytes : MAX_SMALL_REPLY_BYTES;
      const declared = Number(res.headers['content-length']);
      if (request.method !== 'HEAD' && success && Number.isFinite(declared) && declared > limit) {
        settle(fail(request.tooLarge ?? 'blob-too-large', `${request.what} is ${mib(declared)} by the registry's Content-Length, over the ${mib(limit)} limit.`));
        return;
      }
      const algorithm = request.expectDigest?.slice(0, request.expectDigest.indexOf(':'));
      const hash = success && algorithm ? createHash(algorithm) : undefined;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          if (success) settle(fail(request.tooLarge ?? 'blob-too-large', `${request.what} grew past the ${mib(limit)} limit while it was read.`));
          else { chunks.push(chunk.subarray(0, chunk.length - (size - limit))); finish(); }
          return;
        }
        if (hash) { hash.update(chunk); countWork('bytes-hashed', chunk.length); }
        chunks.push(chunk);
      });
      const finish = () => {
        const body = Buffer.concat(chunks);
        if (hash) {
          const actual = `${algorithm}:${hash.digest('hex')}`;
          if (actual !== request.expectDigest) {
            settle(fail('blob-digest-mismatch', `${request.what} does not have the digest it was asked for: expected ${request.expectDigest}, received ${size} bytes with ${actual}. The registry (or something between) sent other content; nothing of it was used.`));
            return;
          }
        }
        settle(ok({ status: res.statusCode ?? 0, headers: res.headers, body, url: url.toString() }));
      };
      res.on('end', finish);
      res.on('error', (e) => settle(connectionFailure(e, url, request.what)));
      res.on('aborted', () => settle(fail('registry-unreachable', `${escapeUntrusted(url.host)} closed the connection in the middle of ${request.what}.`)));
    });
    const timer = setTimeout(() => settle(fail('registry-timeout', `${request.what} took longer than ${Math.round(deadline / 1000)} s from ${escapeUntrusted(url.host)}; given up.`)), deadline);
    req.setTimeout(idle, () => settle(fail('registry-timeout', `${escapeUntrusted(url.host)} sent nothing for ${Math.round(idle / 1000)} s during ${request.what}; given up.`)));
    req.on('error', (e) => settle(connectionFailure(e, url, request.what)));
    req.end(request.body);
  });

  return async (request) => {
    let url: URL;
    try { url = new URL(request.url); } catch { return fail('reference-invalid', `${escapeUntrusted(request.url, 300)} is not a URL.`); }
    // node:http throws on any other scheme; an index.yaml's URL or a token realm may name file: or ftp:.
    if (!HTTP_SCHEMES.has(url.protocol)) return fail('reference-invalid', `${request.what}: ${escapeUntrusted(request.url, 300)} is not an http(s) URL; refused.`);
    let headers = { ...request.headers };
    for (let hop = 0; ; hop++) {
      const answer = await once(request, url, headers);
      if (!answer.ok) return answer;
      const { status, headers: got } = answer.value;
      if (![301, 302, 303, 307, 308].includes(status) || request.method === 'PUT' || request.method === 'POST') return answer;
      if (hop >= MAX_REDIRECTS) return fail('registry-error', `${request.what}: more than ${MAX_REDIRECTS} redirects.`);
      let next: URL;
      try { next = new URL(String(got.location ?? ''), url); } catch { return fail('registry-error', `${request.what}: a redirect to an invalid location.`); }
      if (!HTTP_SCHEMES.has(next.protocol)) return fail('registry-error', `${request.what}: the registry redirected to a ${escapeUntrusted(next.protocol, 20)} URL; refused.`);
      if (url.protocol === 'https:' && next.protocol !== 'https:') return fail('registry-error', `${request.what}: the registry redirected from HTTPS to ${escapeUntrusted(next.protocol, 20)}; refused.`);
      // Credentials are for the registry: a storage back end on another host never sees them.
      if (next.host !== url.host) headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
      url = next;
    }
  };
}
