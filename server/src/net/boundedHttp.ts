// The one HTTP client of the product: registries, key look-ups and the TUF refresh all go through it.
// One request, bounded in time (a deadline for the whole exchange, redirects included, and an idle
// timeout) and in size (a byte cap checked while the body streams, a lying Content-Length costs
// nothing); redirects only as the caller's policy allows, never from HTTPS to HTTP; a URL a server
// sent (a redirect, an index.yaml's chart URL) only where `mayLead` lets it go; http(s) only; no compression asked for or inflated; no proxy or
// cookie. A client keeps its connections for its next requests (a registry pull is four requests a chart; a
// TLS handshake each cost more than the rest). It never rejects: every failure is a value with its code and the bytes read.
import { createHash } from 'node:crypto';
import * as dns from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { escapeUntrusted } from '../provenance/untrustedText';
import { countWork } from '../provenance/work';
import { carriedIpv4 } from './carriedIpv4';

export type NetCode =
  | 'url-refused' // not a URL, or a scheme the policy does not allow
  | 'address-refused' // the host is where its URL may not lead (mayLead): this machine, link-local, the private network
  | 'too-large' // a 2xx body announced or sent more than maxBytes
  | 'deadline' // the whole exchange took longer than deadlineMs
  | 'idle' // nothing came for idleTimeoutMs
  | 'unreachable' // no connection, or the connection broke
  | 'tls-failed' // the TLS handshake failed (certificate, or a server that speaks plain HTTP)
  | 'redirect-refused' // a redirect the policy does not follow: invalid, another scheme, HTTPS to HTTP, another host
  | 'too-many-redirects'
  | 'digest-mismatch'; // the 2xx body does not hash to expectDigest

export interface NetPolicy {
  /** The whole request, connection to last byte, every redirect included. */
  deadlineMs: number;
  /** With no byte received for this long the request is given up (default: the deadline). */
  idleTimeoutMs?: number;
  /** Redirects followed; with 0 a 3xx is the answer. POST and PUT never follow one. */
  maxRedirects: number;
  /** Whether a redirect may lead to another host (which then never sees an authorization header). */
  crossHostRedirects: boolean;
  /** Default: http: and https:. */
  schemes?: readonly string[];
  /**
   * Whether the first URL is the user's, so it may be anywhere: this machine, link-local, the private
   * network. Without it (a WKD host comes from a signer's address) it is judged as data whose server
   * is unknown: `mayLead` from the private network. Redirects and `from` are judged by `mayLead` either way.
   */
  allowLoopback: boolean;
  /** Extra PEM certificates trusted besides the system's. */
  ca?: Buffer;
}

export interface NetRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** A 2xx body larger than this is refused (too-large). */
  maxBytes: number;
  /** Any other status's body is cut (not refused) at this many bytes: what a message can quote. */
  errorBodyBytes?: number;
  /** `sha256:<hex>` (or sha512): the 2xx body must hash to it, checked as it streams. */
  expectDigest?: string;
  /** What is fetched, for messages (`the manifest of charts/x:1.0`). */
  what: string;
  /**
   * The server whose answer named this URL (an index.yaml's chart URL, a token realm): its
   * `NetResponse.peer`. The URL then goes only where `mayLead(from.zone, …)` allows.
   */
  from?: Peer;
}

/** A server that answered: its host (for messages) and the zone of the address the connection reached. */
export interface Peer { host: string; zone: Zone }

export interface NetResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered (after redirects). */
  url: string;
  /** Body bytes taken from the network, every hop included. */
  bytesRead: number;
  /** Who sent this answer (the last hop): what a URL read from the body may reach depends on it. */
  peer: Peer;
}

export interface NetFailure {
  code: NetCode;
  message: string;
  /** The URL of the hop that failed. */
  url: string;
  bytesRead: number;
  /** tls-failed: the server seems to speak plain HTTP. */
  plainHttp?: boolean;
  /** unreachable: Node's error code (ECONNREFUSED, ECONNRESET, ENOTFOUND…). */
  errno?: string;
}

export type NetResult = { ok: true; value: NetResponse } | { ok: false; error: NetFailure };

export type HttpClient = (request: NetRequest) => Promise<NetResult>;

export const DEFAULT_ERROR_BODY_BYTES = 64 * 1024;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Idle connections kept per agent, and how long one is kept unused. */
const FREE_SOCKETS = 8;
// Short: kept for a command's burst of requests, closed before a server's own idle timeout would race a request.
const FREE_SOCKET_MS = 4_000;

/**
 * Where an address is, seen from this machine. The one place that draws the line (docs/security.md,
 * "Where a server's URLs may lead"): a URL the user names may be anywhere; a URL a server sent (a
 * redirect, an index.yaml's chart URL, a token realm) may lead only as far inward as that server is.
 */
export type Zone = 'this-machine' | 'link-local' | 'private' | 'public';

const blockList = (v4: [string, number][], v6: [string, number][]) => {
  const list = new net.BlockList();
  for (const [a, bits] of v4) list.addSubnet(a, bits, 'ipv4');
  for (const [a, bits] of v6) list.addSubnet(a, bits, 'ipv6');
  return list;
};
// Checked in this order (the metadata services inside 100.64/10 and ULA count as link-local). An IPv6
// address that carries an IPv4 one (mapped, NAT64, 6to4, Teredo: carriedIpv4.ts) is where that one is.
const ZONES: [Zone, net.BlockList][] = [
  // The unspecified addresses connect to this machine too.
  ['this-machine', blockList([['127.0.0.0', 8], ['0.0.0.0', 8]], [['::1', 128], ['::', 128]])],
  // 169.254.169.254 is the cloud metadata service (instance credentials); AWS's IPv6 one and Alibaba's live elsewhere.
  ['link-local', blockList([['169.254.0.0', 16], ['100.100.100.200', 32]], [['fe80::', 10], ['fd00:ec2::254', 128]])],
  // RFC 1918, shared address space (RFC 6598: carrier NAT, VPNs such as Tailscale), ULA and old site-local;
  // local-use NAT64 (RFC 8215), whose translator is the network's own and whose IPv4 address cannot be located.
  ['private', blockList([['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10]], [['fc00::', 7], ['fec0::', 10], ['64:ff9b:1::', 48]])],
];
const listedZone = (address: string, family: 'ipv4' | 'ipv6'): Zone => ZONES.find(([, list]) => list.check(address, family))?.[0] ?? 'public';

/** The zone of a host: localhost names (RFC 6761) and IP literals; undefined for other names (their DNS answers decide). */
export function zoneOf(host: string): Zone | undefined {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '').replace(/%.*$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return 'this-machine';
  const family = net.isIP(h);
  if (family === 0) return undefined;
  if (family === 4) return listedZone(h, 'ipv4');
  const ipv4 = carriedIpv4(h);
  return ipv4 === undefined ? listedZone(h, 'ipv6') : listedZone(ipv4, 'ipv4');
}

/**
 * Whether a URL sent by a server in `source` may lead to `target`: outward, never inward. A public
 * server reaches only public addresses; a company's own repository or registry (private) may name its
 * storage on the private network, as Helm users there expect, where a public one cannot make us probe
 * that network; this machine only from this machine (a repository the user runs here, the tests'),
 * link-local (the metadata service) only from link-local.
 */
export function mayLead(source: Zone, target: Zone): boolean {
  return target === 'public' || target === source || (target === 'private' && source !== 'public');
}

const ZONE_NAMES: Record<Zone, string> = {
  'this-machine': 'this machine', 'link-local': 'a link-local address (where the cloud metadata service is)',
  private: 'an address on the private network', public: 'a public address',
};

const size = (n: number) => (n >= 1024 * 1024 ? `${Math.round((n / (1024 * 1024)) * 10) / 10} MiB` : `${n} bytes`);

/** A DNS look-up that fails when an answer is where the hop may not lead (no source: the user's URL, anywhere). */
function guardedLookup(source: Zone | undefined): net.LookupFunction {
  return (hostname, options, callback) => dns.lookup(hostname, options, ((err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => {
    const answers = Array.isArray(address) ? address.map((a) => a.address) : [address];
    const refused = err || !source ? undefined : answers.map((a) => zoneOf(a) ?? 'public').find((zone) => !mayLead(source, zone));
    if (refused) {
      callback(Object.assign(new Error(`${hostname} is ${ZONE_NAMES[refused]}`), { code: 'EZONE', zone: refused }), '', 4);
      return;
    }
    (callback as (e: NodeJS.ErrnoException | null, a: string | dns.LookupAddress[], f?: number) => void)(err, address, family);
  }) as never);
}

export function makeHttpClient(policy: NetPolicy): HttpClient {
  // One TLS context for the client: built per connection, the root store's parse cost more than the handshake.
  const secureContext = policy.ca ? tls.createSecureContext({ ca: [...tls.rootCertificates, policy.ca.toString('latin1')] }) : undefined;
  const schemes = new Set(policy.schemes ?? ['http:', 'https:']);
  const idle = policy.idleTimeoutMs ?? policy.deadlineMs;
  // Connections are kept for the next request only among requests judged alike: the same scheme and the
  // same source zone, so a socket a look-up guard let through for one source never carries another's request.
  const agents = new Map<string, http.Agent>();
  const agentFor = (protocol: string, zone: Zone | undefined): http.Agent => {
    const key = `${protocol}${zone ?? 'user'}`;
    let agent = agents.get(key);
    if (!agent) {
      const options = { keepAlive: true, maxFreeSockets: FREE_SOCKETS, timeout: FREE_SOCKET_MS };
      agent = protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
      agents.set(key, agent);
    }
    return agent;
  };

  return async (request) => {
    let bytesRead = 0;
    const failure = (code: NetCode, url: string, message: string, extra: Partial<NetFailure> = {}): NetResult => ({ ok: false, error: { code, message, url, bytesRead, ...extra } });
    let url: URL;
    try { url = new URL(request.url); } catch { return failure('url-refused', request.url, `${escapeUntrusted(request.url, 300)} is not a URL.`); }
    // node:http throws on any other scheme; an index.yaml's URL or a token realm may name file: or ftp:.
    if (!schemes.has(url.protocol)) return failure('url-refused', request.url, `${request.what}: ${escapeUntrusted(request.url, 300)} is not ${[...schemes].map((s) => s.slice(0, -1)).join(' or ')}; refused.`);
    const started = Date.now();
    let headers = { ...request.headers };
    // Who named the URL of the next hop, when not the user: it may lead only where mayLead allows.
    let source: { zone: Zone; by: string } | undefined = request.from
      ? { zone: request.from.zone, by: `what ${escapeUntrusted(request.from.host, 300)} (${ZONE_NAMES[request.from.zone]}) sent` }
      : policy.allowLoopback ? undefined : { zone: 'private', by: 'data, not by the user' };
    let peer: Peer = { host: url.host, zone: 'public' };
    const refused = (target: Zone, where: string): NetResult => failure('address-refused', url.href,
      `${request.what}: ${where} is ${ZONE_NAMES[target]}, named by ${source?.by}; refused (a server's URL leads only outward: docs/security.md, "Where a server's URLs may lead").`);

    // 'stale': a kept connection the server had closed meanwhile; the request is sent again on a new one.
    const once = (): Promise<NetResult | 'stale'> => new Promise((resolve) => {
      const where = escapeUntrusted(`${url.protocol}//${url.host}`, 300);
      const target = zoneOf(url.hostname);
      if (source && target && !mayLead(source.zone, target)) {
        resolve(refused(target, where));
        return;
      }
      let settled = false;
      let response: http.IncomingMessage | undefined;
      const settle = (r: NetResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // A whole answer leaves its connection to the next request; anything else is cut.
        if (!response?.complete) req.destroy();
        resolve(r);
      };
      const left = policy.deadlineMs - (Date.now() - started);
      const lib = url.protocol === 'https:' ? https : http;
      const req = lib.request(url, {
        method: request.method,
        headers: { 'user-agent': 'helm-prov', 'accept-encoding': 'identity', ...headers, ...(request.body ? { 'content-length': String(request.body.length) } : {}) },
        ...(url.protocol === 'https:' && secureContext ? { secureContext } : {}),
        agent: agentFor(url.protocol, source?.zone),
        lookup: guardedLookup(source?.zone),
      }, (res) => {
        response = res;
        // Where the hop really connected, not what its name says (a *.localhost name may resolve anywhere).
        peer = { host: url.host, zone: zoneOf(res.socket?.remoteAddress ?? '') ?? 'public' };
        const status = res.statusCode ?? 0;
        const success = status >= 200 && status < 300;
        const limit = success ? request.maxBytes : request.errorBodyBytes ?? DEFAULT_ERROR_BODY_BYTES;
        const declared = Number(res.headers['content-length']);
        if (request.method !== 'HEAD' && success && Number.isFinite(declared) && declared > limit) {
          settle(failure('too-large', url.href, `${request.what} is ${size(declared)} by ${where}'s Content-Length, over its limit of ${size(limit)}: not read.`));
          return;
        }
        const algorithm = request.expectDigest?.slice(0, request.expectDigest.indexOf(':'));
        const hash = success && algorithm ? createHash(algorithm) : undefined;
        const chunks: Buffer[] = [];
        let taken = 0;
        const finish = () => {
          const body = Buffer.concat(chunks);
          if (hash) {
            const actual = `${algorithm}:${hash.digest('hex')}`;
            if (actual !== request.expectDigest) {
              settle(failure('digest-mismatch', url.href, `${request.what} does not have the digest it was asked for: expected ${request.expectDigest}, received ${taken} bytes with ${actual}.`));
              return;
            }
          }
          settle({ ok: true, value: { status, headers: res.headers, body, url: url.toString(), bytesRead, peer } });
        };
        res.on('data', (chunk: Buffer) => {
          if (settled) return;
          taken += chunk.length;
          bytesRead += chunk.length;
          if (taken > limit) {
            if (success) settle(failure('too-large', url.href, `${request.what} grew past its limit of ${size(limit)} while it was read (from ${where}).`));
            else { chunks.push(chunk.subarray(0, chunk.length - (taken - limit))); finish(); }
            return;
          }
          if (hash) { hash.update(chunk); countWork('bytes-hashed', chunk.length); }
          chunks.push(chunk);
        });
        res.on('end', finish);
        res.on('error', (e) => settle(connectionFailure(e)));
        res.on('aborted', () => settle(failure('unreachable', url.href, `${where} closed the connection in the middle of ${request.what}.`)));
      });
      const connectionFailure = (e: NodeJS.ErrnoException): NetResult => {
        const code = e.code ?? '';
        if (code === 'EZONE') return refused((e as { zone?: Zone }).zone ?? 'public', where);
        if (/^(CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_TLS|ERR_SSL)/.test(code) || /SSL routines|wrong version number/.test(e.message)) {
          return failure('tls-failed', url.href, `TLS with ${where} failed while fetching ${request.what}: ${escapeUntrusted(e.message, 300)}.`, { plainHttp: /wrong version number|packet length too long/.test(e.message) });
        }
        if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') return failure('idle', url.href, `${where} did not answer in time while sending ${request.what}.`);
        return failure('unreachable', url.href, `Cannot reach ${where} for ${request.what}: ${escapeUntrusted(code || e.message, 200)}.`, { errno: code });
      };
      const timer = setTimeout(() => settle(failure('deadline', url.href, `${request.what} took longer than ${policy.deadlineMs / 1000} s from ${where}; given up.`)), Math.max(0, left));
      req.setTimeout(idle, () => settle(failure('idle', url.href, `${where} sent nothing for ${idle / 1000} s during ${request.what}; given up.`)));
      // Bytes after a complete answer (a Content-Length that understated) break the parser: what was announced is the answer.
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (response?.complete) return;
        const stale = req.reusedSocket && !response && !settled && (e.code === 'ECONNRESET' || e.code === 'EPIPE') && (request.method === 'GET' || request.method === 'HEAD');
        if (stale) { settled = true; clearTimeout(timer); resolve('stale'); return; }
        settle(connectionFailure(e));
      });
      req.end(request.body);
    });

    for (let hop = 0; ; hop++) {
      let answer = await once();
      if (answer === 'stale') answer = await once();
      if (answer === 'stale') return failure('unreachable', url.href, `${escapeUntrusted(url.host, 300)} closed the connection before answering ${request.what}.`, { errno: 'ECONNRESET' });
      if (!answer.ok) return answer;
      const { status, headers: got } = answer.value;
      if (!REDIRECTS.has(status) || policy.maxRedirects === 0 || request.method === 'PUT' || request.method === 'POST') return answer;
      if (hop >= policy.maxRedirects) return failure('too-many-redirects', url.href, `${request.what}: more than ${policy.maxRedirects} redirects.`);
      let next: URL;
      try { next = new URL(String(got.location ?? ''), url); } catch { return failure('redirect-refused', url.href, `${request.what}: a redirect to an invalid location.`); }
      if (!schemes.has(next.protocol)) return failure('redirect-refused', next.href, `${request.what}: ${escapeUntrusted(url.host)} redirected to a ${escapeUntrusted(next.protocol, 20)} URL; refused.`);
      if (url.protocol === 'https:' && next.protocol !== 'https:') return failure('redirect-refused', next.href, `${request.what}: ${escapeUntrusted(url.host)} redirected from HTTPS to ${escapeUntrusted(next.protocol, 20)}; refused.`);
      if (next.host !== url.host) {
        if (!policy.crossHostRedirects) return failure('redirect-refused', next.href, `${request.what}: ${escapeUntrusted(url.host)} redirected to another host (${escapeUntrusted(next.host, 200)}); refused.`);
        // Credentials are for the host they were given for: another host never sees them.
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
      }
      // A Location is the server's text: it leads only outward from where that server is.
      source = { zone: peer.zone, by: `a redirect from ${escapeUntrusted(url.host, 300)} (${ZONE_NAMES[peer.zone]})` };
      url = next;
    }
  };
}
