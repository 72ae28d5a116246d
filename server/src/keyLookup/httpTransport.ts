// The only module of the key look-ups that touches the network: one GET, bounded in time (a deadline
// for the whole exchange, connection to last byte) and in size (a byte cap checked while the body
// streams, so a 50 MB answer costs at most the cap). No redirect is followed, no cookie or proxy used.
import * as http from 'node:http';
import * as https from 'node:https';
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

/** A GET of one URL; the engine is given one of these, so everything above it is plain functions. */
export type Transport = (url: URL, limits: HttpLimits) => Promise<HttpResult>;

/** GET over node:http / node:https. Never rejects: every failure is a value with its code. */
export const httpGet: Transport = (url, limits) => new Promise<HttpResult>((resolve) => {
  let bytesRead = 0;
  let settled = false;
  const where = escapeUntrusted(url.href, 400);
  const finish = (result: HttpResult) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    request.destroy();
    resolve(result);
  };
  const get = url.protocol === 'https:' ? https.get : http.get;
  const request = get(url, { agent: false, headers: { accept: 'application/pgp-keys, application/octet-stream, */*' } }, (response) => {
    const status = response.statusCode ?? 0;
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > limits.maxBytes) {
      finish({ ok: false, code: 'lookup-too-large', message: `${where} announced ${declared} bytes, over the ${limits.maxBytes}-byte limit: not read`, bytesRead });
      return;
    }
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => {
      bytesRead += chunk.length;
      if (bytesRead > limits.maxBytes) {
        finish({ ok: false, code: 'lookup-too-large', message: `${where} sent more than the ${limits.maxBytes}-byte limit: cut off after ${bytesRead} bytes`, bytesRead });
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => finish({ ok: true, status, bytes: Buffer.concat(chunks), bytesRead }));
    response.on('error', (e) => finish({ ok: false, code: 'lookup-unreachable', message: `${where}: ${escapeUntrusted(e.message)}`, bytesRead }));
  });
  request.on('error', (e) => finish({ ok: false, code: 'lookup-unreachable', message: `${where}: ${escapeUntrusted(e.message)}`, bytesRead }));
  const timer = setTimeout(() => finish({ ok: false, code: 'lookup-timeout', message: `${where} gave no complete answer within ${limits.timeoutMs} ms`, bytesRead }), limits.timeoutMs);
});
