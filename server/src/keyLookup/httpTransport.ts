// How the key look-ups use the network: one GET through the product's one bounded HTTP client
// (net/boundedHttp.ts) with a deadline for the whole exchange and a byte cap, no redirect followed
// (a 3xx is an answer: lookup-http-error), and this machine or link-local only where the user named it.
import type { NetCode } from '../net/boundedHttp';
import { escapeUntrusted } from '../provenance/untrustedText';

export interface HttpLimits {
  /** The whole exchange, from connecting to the last byte. */
  timeoutMs: number;
  /** Largest body read; the connection is cut as soon as more arrives. */
  maxBytes: number;
}

/** Real keys are a few KB (keys.openpgp.org strips third-party signatures); 4 MiB leaves room for HKP servers that keep them. */
export const DEFAULT_HTTP_LIMITS: HttpLimits = { timeoutMs: 10_000, maxBytes: 4 * 1024 * 1024 };

export type HttpFailure = 'lookup-timeout' | 'lookup-too-large' | 'lookup-unreachable';

export type HttpResult =
  | { ok: true; status: number; bytes: Buffer; bytesRead: number }
  | { ok: false; code: HttpFailure; message: string; bytesRead: number };

/**
 * A GET of one URL; the engine is given one of these, so everything above it is plain functions.
 * `allowLoopback`: a keyserver the user named may be anywhere; a WKD host, which comes from a signer's
 * address (repository text), may not be this machine nor link-local (the private network may: a
 * company's own WKD server) unless a test says so; boundedHttp.ts's mayLead draws the line.
 */
export type Transport = (url: URL, limits: HttpLimits, allowLoopback: boolean) => Promise<HttpResult>;

const CODES: Record<NetCode, HttpFailure> = {
  'too-large': 'lookup-too-large', deadline: 'lookup-timeout', idle: 'lookup-timeout',
  'url-refused': 'lookup-unreachable', 'address-refused': 'lookup-unreachable', unreachable: 'lookup-unreachable',
  'tls-failed': 'lookup-unreachable', 'redirect-refused': 'lookup-unreachable', 'too-many-redirects': 'lookup-unreachable', 'digest-mismatch': 'lookup-unreachable',
};

/** Never rejects: every failure is a value with its code. */
export const httpGet: Transport = async (url, limits, allowLoopback) => {
  // Loaded at the first look-up: the client brings node:http, https, tls and dns, which a server start never needs.
  const { makeHttpClient } = await import('../net/boundedHttp');
  const get = makeHttpClient({ deadlineMs: limits.timeoutMs, maxRedirects: 0, crossHostRedirects: false, allowLoopback });
  const answer = await get({ method: 'GET', url: url.href, headers: { accept: 'application/pgp-keys, application/octet-stream, */*' }, maxBytes: limits.maxBytes, what: `the key at ${escapeUntrusted(url.href, 400)}` });
  if (!answer.ok) return { ok: false, code: CODES[answer.error.code], message: answer.error.message, bytesRead: answer.error.bytesRead };
  return { ok: true, status: answer.value.status, bytes: answer.value.body, bytesRead: answer.value.bytesRead };
};
