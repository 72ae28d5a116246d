// A keyserver and WKD host on loopback for the look-up tests. No real keyserver software (Hockeypuck,
// Hagrid) is packaged here, so this is a protocol-level stand-in: it speaks the documented wire
// protocols and no more — VKS (`/vks/v1/by-fingerprint/<FPR>`, `by-keyid`, `by-email`), HKP
// (`/pks/lookup?op=get&options=mr&search=0x<FPR>`) and WKD (advanced `/.well-known/openpgpkey/<domain>/hu/<hash>`
// and direct `/.well-known/openpgpkey/hu/<hash>`, with `?l=`) — and answers what a test tells it to,
// hostile answers included: any bytes, an endless stream, or nothing at all.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as openpgp from 'openpgp';

export type Answer =
  | { kind: 'bytes'; bytes: Uint8Array | string; contentType?: string }
  /** `total` bytes of armor-looking junk, written as the socket drains (never all in memory). */
  | { kind: 'endless'; total: number }
  /** Accepts the request and never answers. */
  | { kind: 'silent' };

export type Protocol = 'vks' | 'hkp' | 'wkd';

export class KeyServer {
  /** Answers by lookup key: an uppercase fingerprint, a lowercased address, or a WKD hash. */
  readonly answers = new Map<string, Answer>();
  /** Every request's path and query, in order. */
  readonly requests: string[] = [];
  /** Bytes the endless answers managed to write before the client hung up. */
  endlessBytesWritten = 0;
  private server?: http.Server;
  private readonly sockets = new Set<import('node:net').Socket>();

  constructor(private readonly speaks: readonly Protocol[] = ['vks', 'hkp', 'wkd']) {}

  get url(): string {
    const address = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  /** Serves `armored` under the fingerprint of each of its parts and under each of its addresses. */
  async serveKey(armored: string): Promise<void> {
    const key = await openpgp.readKey({ armoredKey: armored });
    for (const part of [key, ...key.subkeys]) {
      this.answers.set(part.getFingerprint().toUpperCase(), { kind: 'bytes', bytes: armored });
      this.answers.set(part.getKeyID().toHex().toUpperCase(), { kind: 'bytes', bytes: armored });
    }
    for (const user of key.users) {
      const email = user.userID?.email;
      if (email) this.answers.set(email.toLowerCase(), { kind: 'bytes', bytes: armored });
    }
  }

  async start(): Promise<this> {
    this.server = http.createServer((request, response) => this.handle(request, response));
    this.server.on('connection', (socket) => { this.sockets.add(socket); socket.on('close', () => this.sockets.delete(socket)); });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private lookupKey(url: URL): string | undefined {
    const path = url.pathname;
    let m: RegExpExecArray | null;
    if (this.speaks.includes('vks') && (m = /^\/vks\/v1\/by-fingerprint\/([0-9A-F]{40}|[0-9A-F]{64})$/.exec(path))) return m[1];
    if (this.speaks.includes('vks') && (m = /^\/vks\/v1\/by-keyid\/([0-9A-F]{16})$/.exec(path))) return m[1];
    if (this.speaks.includes('vks') && (m = /^\/vks\/v1\/by-email\/([^/]+)$/.exec(path))) return decodeURIComponent(m[1]).toLowerCase();
    if (this.speaks.includes('hkp') && path === '/pks/lookup' && url.searchParams.get('op') === 'get' && url.searchParams.get('options') === 'mr') {
      const search = url.searchParams.get('search') ?? '';
      return /^0x([0-9A-Fa-f]{16}|[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})$/.test(search) ? search.slice(2).toUpperCase() : search.toLowerCase();
    }
    if (this.speaks.includes('wkd') && (m = /^\/\.well-known\/openpgpkey\/(?:[a-z0-9.-]+\/)?hu\/([a-z0-9]{32})$/.exec(path)) && url.searchParams.has('l')) return m[1];
    return undefined;
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://loopback');
    this.requests.push(`${url.pathname}${url.search}`);
    const key = this.lookupKey(url);
    const answer = key === undefined ? undefined : this.answers.get(key);
    if (!answer) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('No key found');
      return;
    }
    if (answer.kind === 'silent') return;
    if (answer.kind === 'bytes') {
      response.writeHead(200, { 'content-type': answer.contentType ?? 'application/pgp-keys' }).end(answer.bytes);
      return;
    }
    // No content-length: the client learns the size only by reading, as from a hostile server.
    response.writeHead(200, { 'content-type': 'application/pgp-keys' });
    const chunk = Buffer.alloc(64 * 1024, 'A');
    let left = answer.total;
    const pump = () => {
      while (left > 0 && !response.destroyed) {
        const n = Math.min(left, chunk.length);
        left -= n;
        this.endlessBytesWritten += n;
        if (!response.write(chunk.subarray(0, n))) { response.once('drain', pump); return; }
      }
      if (left <= 0) response.end();
    };
    response.on('close', () => { left = 0; });
    pump();
  }
}
