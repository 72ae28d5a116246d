// The one HTTP client (server/src/net/boundedHttp.ts) against hostile servers of this test's own: raw
// sockets on 127.0.0.1, so every lie is exact (endless or huge bodies, a Content-Length that lies either
// way, silence, a drip, redirect loops, other hosts, HTTPS to HTTP, a gzip bomb). Outcomes are asserted
// by their code and the bytes read; deadlines are small and only the code says they fired.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as dns from 'node:dns';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { mayLead, makeHttpClient, zoneOf, type NetPolicy, type NetRequest, type Zone } from '../../server/src/net/boundedHttp';
import { loopbackCertificate } from '../support/registry';
import { repoRoot, tempDir } from '../support/tools';

type Script = (socket: net.Socket, head: string) => void;

/** A server that reads one request head per connection and hands the socket to the current script. */
class RawServer {
  script: Script = (s) => s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok');
  heads: string[] = [];
  /** Body bytes the scripts handed to sockets. */
  written = 0;
  private readonly server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    let head = '';
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      this.heads.push(head);
      this.script(socket, head);
    };
    socket.on('data', onData);
  });

  async start(address = '127.0.0.1'): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, address, r));
    return this;
  }
  get url(): string {
    const a = this.server.address() as net.AddressInfo;
    return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  }
  close(): void { this.server.close(); }

  /** Writes `chunk` until the client hangs up (or 1 GiB, which no passing test reaches). */
  pump(socket: net.Socket, chunk: Buffer | (() => Buffer)): void {
    const next = typeof chunk === 'function' ? chunk : () => chunk;
    const go = () => {
      while (!socket.destroyed && this.written < 1024 ** 3) {
        const c = next();
        this.written += c.length;
        if (!socket.write(c)) { socket.once('drain', go); return; }
      }
    };
    go();
  }
}

const CHUNK = Buffer.alloc(64 * 1024, 0x41);
const MAX = 256 * 1024;
const policy = (p: Partial<NetPolicy> = {}): NetPolicy => ({ deadlineMs: 30_000, maxRedirects: 0, crossHostRedirects: false, allowLoopback: true, ...p });
const get = (url: string, p: Partial<NetPolicy> = {}, r: Partial<NetRequest> = {}) => makeHttpClient(policy(p))({ method: 'GET', url, maxBytes: MAX, what: 'the test file', ...r });
const failed = <T extends { ok: boolean }>(r: T) => (r.ok ? 'ok' : (r as unknown as { error: { code: string } }).error.code);
const read = (r: { ok: true; value: { bytesRead: number } } | { ok: false; error: { bytesRead: number } }) => (r.ok ? r.value.bytesRead : r.error.bytesRead);

let a: RawServer;
let b: RawServer;
before(async () => { a = await new RawServer().start(); b = await new RawServer().start(); });
after(() => { a.close(); b.close(); });
beforeEach(() => { for (const s of [a, b]) { s.heads = []; s.written = 0; s.script = new RawServer().script; } });

describe('bodies', () => {
  test('an endless body without Content-Length stops at the limit: too-large, at most one chunk read past it', async () => {
    a.script = (s) => { s.write('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n'); a.pump(s, CHUNK); };
    const r = await get(a.url);
    assert.equal(failed(r), 'too-large');
    assert.ok(read(r) > MAX && read(r) <= MAX + CHUNK.length, `read ${read(r)}`);
    await new Promise((done) => setTimeout(done, 50));
    assert.ok(a.written < 64 * 1024 * 1024, `the server wrote ${a.written} bytes: the connection was not cut`);
  });

  test('an endless chunked body stops at the limit the same way', async () => {
    const piece = Buffer.concat([Buffer.from(`${CHUNK.length.toString(16)}\r\n`), CHUNK, Buffer.from('\r\n')]);
    a.script = (s) => { s.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n'); a.pump(s, piece); };
    const r = await get(a.url);
    assert.equal(failed(r), 'too-large');
    assert.ok(read(r) > MAX && read(r) <= MAX + CHUNK.length, `read ${read(r)}`);
  });

  test('a Content-Length over the limit is refused before a byte of the body is read', async () => {
    a.script = (s) => { s.write('HTTP/1.1 200 OK\r\ncontent-length: 10737418240\r\n\r\n'); a.pump(s, CHUNK); };
    const r = await get(a.url);
    assert.equal(failed(r), 'too-large');
    assert.equal(read(r), 0);
    assert.match(!r.ok ? r.error.message : '', /Content-Length, over its limit of 256 KiB|Content-Length, over its limit of 262144 bytes/);
  });

  test('a Content-Length under the limit with a larger body behind it: only the announced bytes are taken', async () => {
    a.script = (s) => { s.write('HTTP/1.1 200 OK\r\ncontent-length: 16\r\n\r\n'); a.pump(s, CHUNK); };
    const r = await get(a.url);
    assert.ok(r.ok, failed(r));
    assert.equal(r.value.body.length, 16);
    assert.equal(r.value.bytesRead, 16);
  });

  test('a gzip bomb is never inflated: identity is asked for, the compressed bytes are the body', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    assert.ok(bomb.length < MAX);
    a.script = (s) => s.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: ${bomb.length}\r\n\r\n`), bomb]));
    const r = await get(a.url);
    assert.ok(r.ok, failed(r));
    assert.equal(r.value.bytesRead, bomb.length);
    assert.ok(r.value.body.equals(bomb));
    assert.match(a.heads[0], /\r\naccept-encoding: identity\r\n/i);
  });

  test("an error status's endless body is cut at errorBodyBytes and handed back, not refused", async () => {
    a.script = (s) => { s.write('HTTP/1.1 500 Oops\r\nconnection: close\r\n\r\n'); a.pump(s, CHUNK); };
    const r = await get(a.url, {}, { errorBodyBytes: 1000 });
    assert.ok(r.ok, failed(r));
    assert.equal(r.value.status, 500);
    assert.equal(r.value.body.length, 1000);
    assert.ok(r.value.bytesRead <= 1000 + CHUNK.length);
  });

  test('a body that does not hash to the digest asked for is digest-mismatch; the right one passes', async () => {
    a.script = (s) => s.end('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello');
    const right = `sha256:${createHash('sha256').update('hello').digest('hex')}`;
    assert.equal(failed(await get(a.url, {}, { expectDigest: `sha256:${'0'.repeat(64)}` })), 'digest-mismatch');
    assert.equal(failed(await get(a.url, {}, { expectDigest: right })), 'ok');
  });
});

describe('time', () => {
  test('no answer at all: deadline, nothing read', async () => {
    a.script = () => undefined;
    const r = await get(a.url, { deadlineMs: 150 });
    assert.equal(failed(r), 'deadline');
    assert.equal(read(r), 0);
  });

  test('no byte for the idle time: idle', async () => {
    a.script = (s) => s.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nabc');
    const r = await get(a.url, { idleTimeoutMs: 150 });
    assert.equal(failed(r), 'idle');
    assert.equal(read(r), 3);
  });

  test('a slow drip, one byte at a time, never idle: the deadline ends it with what was read so far', async () => {
    a.script = (s) => {
      s.write('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n');
      const t = setInterval(() => { if (s.destroyed) clearInterval(t); else { a.written++; s.write('x'); } }, 10);
    };
    const r = await get(a.url, { deadlineMs: 300, idleTimeoutMs: 10_000 });
    assert.equal(failed(r), 'deadline');
    assert.ok(read(r) <= a.written && read(r) < MAX, `read ${read(r)} of ${a.written}`);
  });
});

describe('redirects', () => {
  const redirect = (server: RawServer, to: (head: string) => string, status = 302) => {
    server.script = (s, head) => s.end(`HTTP/1.1 ${status} Moved\r\nlocation: ${to(head)}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
  };

  test('a redirect loop stops after maxRedirects: too-many-redirects, maxRedirects + 1 requests', async () => {
    redirect(a, (head) => head.split(' ')[1], 307);
    assert.equal(failed(await get(`${a.url}/loop`, { maxRedirects: 3 })), 'too-many-redirects');
    assert.equal(a.heads.length, 4);
  });

  test('with no redirects allowed the 3xx is the answer, its Location not asked', async () => {
    redirect(a, () => `${b.url}/x`);
    const r = await get(a.url);
    assert.ok(r.ok && r.value.status === 302);
    assert.equal(b.heads.length, 0);
  });

  test('a redirect to another host: refused when the policy says so; followed without the credentials when it allows', async () => {
    redirect(a, () => `${b.url}/x`);
    const refused = await get(a.url, { maxRedirects: 5 }, { headers: { authorization: 'Bearer secret' } });
    assert.equal(failed(refused), 'redirect-refused');
    assert.equal(b.heads.length, 0);
    const followed = await get(a.url, { maxRedirects: 5, crossHostRedirects: true }, { headers: { authorization: 'Bearer secret' } });
    assert.ok(followed.ok && followed.value.url === `${b.url}/x`, failed(followed));
    assert.match(a.heads[1], /authorization: Bearer secret/i);
    assert.doesNotMatch(b.heads[0], /authorization/i);
  });

  test('a redirect to file:, ftp: or an invalid location is redirect-refused, nothing thrown', async () => {
    for (const to of ['file:///etc/passwd', 'ftp://127.0.0.1/x', 'http://[']) {
      redirect(a, () => to);
      assert.equal(failed(await get(a.url, { maxRedirects: 5, crossHostRedirects: true })), 'redirect-refused', to);
    }
  });

  test('HTTPS to HTTP is refused, the HTTP host never asked; HTTPS without its CA is tls-failed; HTTPS to a plain-HTTP server says so', async () => {
    const certs = loopbackCertificate(tempDir('net-tls-'));
    const ca = fs.readFileSync(certs.cert);
    const tlsServer = https.createServer({ cert: ca, key: fs.readFileSync(certs.key) }, (_req, res) => { res.writeHead(302, { location: `${b.url}/x` }).end(); });
    await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(tlsServer.address() as net.AddressInfo).port}/`;
    try {
      assert.equal(failed(await get(url, { maxRedirects: 5, crossHostRedirects: true, ca })), 'redirect-refused');
      assert.equal(b.heads.length, 0);
      assert.equal(failed(await get(url, { maxRedirects: 5, crossHostRedirects: true })), 'tls-failed');
      // A plain-HTTP server answers a TLS hello with 400: OpenSSL calls that a wrong version number.
      const plainServer = http.createServer((_req, res) => res.end('ok'));
      await new Promise<void>((r) => plainServer.listen(0, '127.0.0.1', r));
      const plain = await get(`https://127.0.0.1:${(plainServer.address() as net.AddressInfo).port}/`);
      plainServer.close();
      assert.equal(failed(plain), 'tls-failed');
      assert.equal(!plain.ok && plain.error.plainHttp, true);
    } finally {
      tlsServer.closeAllConnections();
      tlsServer.close();
    }
  });
});

describe('kept connections', () => {
  /** A server that answers every request on a connection (keep-alive) and counts connections. */
  async function keepAliveServer(secure?: { cert: Buffer; key: Buffer }) {
    const handler = (_req: http.IncomingMessage, res: http.ServerResponse) => res.end('ok');
    const server = secure ? https.createServer(secure, handler) : http.createServer(handler);
    let connections = 0;
    server.on(secure ? 'secureConnection' : 'connection', () => { connections++; });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    return { port, connections: () => connections, close: () => { server.closeAllConnections(); server.close(); } };
  }

  test('one client asks its next requests on the connection it opened: one TCP connection, one TLS handshake', async () => {
    const certs = loopbackCertificate(tempDir('net-keep-'));
    const cert = fs.readFileSync(certs.cert);
    for (const secure of [undefined, { cert, key: fs.readFileSync(certs.key) }]) {
      const server = await keepAliveServer(secure);
      try {
        const client = makeHttpClient(policy({ ca: secure ? cert : undefined }));
        const url = `${secure ? 'https' : 'http'}://127.0.0.1:${server.port}/`;
        for (let i = 0; i < 5; i++) {
          const r = await client({ method: 'GET', url: `${url}${i}`, maxBytes: MAX, what: 'a file' });
          assert.equal(r.ok && r.value.body.toString(), 'ok');
        }
        assert.equal(server.connections(), 1, secure ? 'https' : 'http');
        // Another client (another command's policy) never rides this one's connections.
        assert.ok((await makeHttpClient(policy({ ca: secure ? cert : undefined }))({ method: 'GET', url, maxBytes: MAX, what: 'a file' })).ok);
        assert.equal(server.connections(), 2);
      } finally {
        server.close();
      }
    }
  });

  test('a connection opened for the user\'s URL never carries a request a server named: that one is judged, and refused, on its own', async () => {
    const name = os.hostname();
    const answers = await dns.promises.lookup(name, { all: true }).catch(() => []);
    // This machine's own name, loopback in /etc/hosts (Debian: 127.0.1.1): a name whose DNS answer is this machine.
    assert.ok(answers.length > 0 && answers.every((x) => zoneOf(x.address) === 'this-machine'), `this test needs ${name} to resolve to loopback: ${JSON.stringify(answers)}`);
    const server = await keepAliveServer();
    try {
      const client = makeHttpClient(policy());
      const url = `http://${name}:${server.port}/`;
      assert.ok((await client({ method: 'GET', url, maxBytes: MAX, what: 'the user\'s file' })).ok);
      assert.equal(server.connections(), 1);
      const named = await client({ method: 'GET', url: `${url}secret`, maxBytes: MAX, what: 'a chart URL', from: { host: 'charts.example', zone: 'public' } });
      assert.equal(failed(named), 'address-refused');
      assert.equal(server.connections(), 1, 'no request went out on the kept connection');
    } finally {
      server.close();
    }
  });

  test('a kept connection the server closes as the next request arrives: asked once more on a new one; a fresh connection cut is unreachable', async () => {
    let connections = 0;
    let requests = 0;
    let answerFirst = true;
    // Answers the first request of a connection (keep-alive), then cuts the connection at the next one: what
    // a server's own idle timeout does when it meets a request on the wire.
    const server = net.createServer((socket) => {
      connections++;
      socket.on('error', () => undefined);
      let seen = 0;
      socket.on('data', () => {
        requests++;
        if (seen++ === 0 && answerFirst) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok');
        else socket.resetAndDestroy();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const client = makeHttpClient(policy());
      const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`;
      const ask = () => client({ method: 'GET', url, maxBytes: MAX, what: 'a file' });
      assert.equal(failed(await ask()), 'ok');
      assert.equal(failed(await ask()), 'ok', 'asked again on a new connection');
      assert.deepEqual({ connections, requests }, { connections: 2, requests: 3 });
      // Cut on a connection opened for it: nothing to retry, said as such.
      answerFirst = false;
      const cut = await makeHttpClient(policy())({ method: 'GET', url, maxBytes: MAX, what: 'a file' });
      assert.equal(failed(cut), 'unreachable');
      assert.deepEqual({ connections, requests }, { connections: 3, requests: 4 });
    } finally {
      server.close();
    }
  });
});

describe('schemes and this machine', () => {
  test('only the allowed schemes: file:, ftp:, data: and an http: URL under an https-only policy are url-refused, no request made', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://127.0.0.1/x', 'data:,x', 'not a url']) assert.equal(failed(await get(url)), 'url-refused', url);
    assert.equal(failed(await get(a.url, { schemes: ['https:'] })), 'url-refused');
    assert.equal(a.heads.length, 0);
  });

  test('this machine in any spelling is address-refused unless the policy allows it', async () => {
    const port = new URL(a.url).port;
    for (const host of ['127.0.0.1', 'localhost', 'LOCALHOST.', 'x.localhost', '[::1]', '[::ffff:127.0.0.1]', '0x7f000001', '2130706433', '127.1', '0.0.0.0']) {
      assert.equal(failed(await get(`http://${host}:${port}/`, { allowLoopback: false })), 'address-refused', host);
    }
    assert.equal(a.heads.length, 0);
    assert.equal(failed(await get(a.url)), 'ok');
  });

  test('a name that resolves to this machine is refused at the DNS answer', async () => {
    const name = os.hostname();
    const answers = await dns.promises.lookup(name, { all: true }).catch(() => []);
    const local = answers.length > 0 && answers.every((x) => zoneOf(x.address) === 'this-machine');
    const r = await get(`http://${name}:${new URL(a.url).port}/`, { allowLoopback: false });
    // This machine's own name: loopback in /etc/hosts on most systems (Debian: 127.0.1.1).
    if (local) {
      assert.equal(failed(r), 'address-refused', `${name}: ${JSON.stringify(answers)}`);
      assert.equal(a.heads.length, 0);
      // The same name in a URL a public server sent: refused at the DNS answer too.
      assert.equal(failed(await get(`http://${name}:${new URL(a.url).port}/`, {}, { from: { host: 'charts.example', zone: 'public' } })), 'address-refused');
      assert.equal(a.heads.length, 0);
    } else {
      assert.notEqual(failed(r), 'address-refused', `${name}: ${JSON.stringify(answers)}`);
    }
  });

  test('a redirect from another host onto this machine is refused even where this machine may be asked', async () => {
    const outside = Object.values(os.networkInterfaces()).flat().find((i) => i && !i.internal && i.family === 'IPv4');
    assert.ok(outside, 'this test needs an address of this machine that is not loopback');
    const remote = await new RawServer().start(outside.address);
    try {
      remote.script = (s) => s.end(`HTTP/1.1 302 Moved\r\nlocation: ${a.url}/secret\r\ncontent-length: 0\r\n\r\n`);
      const r = await get(remote.url, { maxRedirects: 5, crossHostRedirects: true, allowLoopback: true });
      assert.equal(failed(r), 'address-refused');
      assert.match(!r.ok ? r.error.message : '', /is this machine, named by a redirect from .* \(an address on the private network\)|is this machine, named by a redirect from .* \(a public address\)/);
      assert.equal(remote.heads.length, 1);
      assert.equal(a.heads.length, 0);
      // Nor onto the metadata service: refused before any connection (a literal address).
      remote.script = (s) => s.end('HTTP/1.1 302 Moved\r\nlocation: http://169.254.169.254/latest/meta-data/\r\ncontent-length: 0\r\n\r\n');
      assert.equal(failed(await get(remote.url, { maxRedirects: 5, crossHostRedirects: true, deadlineMs: 2000 })), 'address-refused');
    } finally {
      remote.close();
    }
  });
});

test('one HTTP client: no other module of the server or the client opens a connection of its own', () => {
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (file.endsWith('.ts') && !file.startsWith(path.join(repoRoot, 'server', 'src', 'net') + path.sep)) {
        const code = fs.readFileSync(file, 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '');
        if (/from 'node:(http|https|http2|tls|net)'|require\('(node:)?(http|https|undici)'\)|from 'undici'|\bfetch\(|new WebSocket\(/.test(code)) offenders.push(path.relative(repoRoot, file));
      }
    }
  };
  for (const dir of ['server/src', 'client/src']) walk(path.join(repoRoot, dir));
  assert.deepEqual(offenders, []);
});

describe('where a URL may lead (zoneOf, mayLead)', () => {
  const zones: [string, Zone | undefined][] = [
    ['127.0.0.1', 'this-machine'], ['127.255.255.254', 'this-machine'], ['0.0.0.0', 'this-machine'], ['::1', 'this-machine'], ['[::1]', 'this-machine'], ['::', 'this-machine'],
    ['localhost', 'this-machine'], ['LOCALHOST.', 'this-machine'], ['x.localhost', 'this-machine'],
    ['169.254.169.254', 'link-local'], ['169.254.0.1', 'link-local'], ['fe80::1', 'link-local'], ['febf::1', 'link-local'], ['fe80::1%eth0', 'link-local'],
    ['fd00:ec2::254', 'link-local'], ['100.100.100.200', 'link-local'],
    ['10.1.2.3', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['192.168.1.1', 'private'], ['100.64.0.1', 'private'], ['100.127.255.255', 'private'],
    ['fd00::2', 'private'], ['fc00::1', 'private'], ['fec0::1', 'private'],
    ['172.32.0.1', 'public'], ['100.128.0.1', 'public'], ['192.0.2.1', 'public'], ['8.8.8.8', 'public'], ['169.255.0.1', 'public'], ['2001:db8::1', 'public'], ['fe00::1', 'public'],
    // IPv4-mapped IPv6 is judged by its IPv4 address.
    ['::ffff:127.0.0.1', 'this-machine'], ['::ffff:7f00:1', 'this-machine'], ['::ffff:a9fe:a9fe', 'link-local'], ['::ffff:10.0.0.1', 'private'], ['::ffff:8.8.8.8', 'public'],
    // So is every other IPv6 address that carries an IPv4 one: a translator or relay takes it there.
    ['::ffff:0:7f00:1', 'this-machine'], ['::127.0.0.1', 'this-machine'], ['::a9fe:a9fe', 'link-local'], ['::10.0.0.1', 'private'], ['::8.8.8.8', 'public'],
    ['64:ff9b::127.0.0.1', 'this-machine'], ['64:ff9b::a9fe:a9fe', 'link-local'], ['64:ff9b::c0a8:101', 'private'], ['64:ff9b::8.8.8.8', 'public'], ['64:ff9b:0:1::7f00:1', 'public'],
    // Local-use NAT64: the address does not say where its IPv4 address sits; the translator is the network's own.
    ['64:ff9b:1::7f00:1', 'private'], ['64:ff9b:1:a9fe:a9:fe00::', 'private'], ['64:ff9b:1:808:8:808:808:808', 'private'], ['64:ff9b:1:ffff:ffff:ffff:ffff:ffff', 'private'],
    ['2002:7f00:1::1', 'this-machine'], ['2002:a9fe:a9fe:1::1', 'link-local'], ['2002:c0a8:101::', 'private'], ['2002:808:808::1', 'public'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'this-machine'], ['2001::5601:5601', 'link-local'], ['2001:0:4136:e378::f5ff:fffe', 'private'], ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', 'public'],
    ['2001:db8::7f00:1', 'public'], ['2003:7f00:1::1', 'public'],
    ['charts.example.org', undefined], ['0x7f000001', undefined],
  ];
  for (const [host, zone] of zones) test(`${host} is ${zone ?? 'a name (DNS decides)'}`, () => assert.equal(zoneOf(host), zone));

  test('every spelling the URL parser admits comes out as the address it means', () => {
    const spellings: [string, Zone][] = [
      ['2130706433', 'this-machine'], ['0x7f000001', 'this-machine'], ['0177.0.0.1', 'this-machine'], ['127.1', 'this-machine'], ['0x7f.1', 'this-machine'],
      ['[0:0:0:0:0:0:0:1]', 'this-machine'], ['[::ffff:127.0.0.1]', 'this-machine'], ['[0:0:0:0:0:ffff:7f00:1]', 'this-machine'],
      ['2852039166', 'link-local'], ['0xa9fea9fe', 'link-local'], ['0251.0376.0251.0376', 'link-local'], ['169.254.43518', 'link-local'], ['[::ffff:169.254.169.254]', 'link-local'], ['[FE80:0::1]', 'link-local'],
      ['0xa.0.0.1', 'private'], ['012.1', 'private'], ['3232235777', 'private'], ['[FD00::2]', 'private'],
    ];
    for (const [spelled, zone] of spellings) assert.equal(zoneOf(new URL(`http://${spelled}/`).hostname), zone, spelled);
  });

  test('outward always, inward never: the whole table', () => {
    const order: Zone[] = ['this-machine', 'link-local', 'private', 'public'];
    const allowed = order.flatMap((source) => order.filter((target) => mayLead(source, target)).map((target) => `${source}→${target}`));
    assert.deepEqual(allowed, [
      'this-machine→this-machine', 'this-machine→private', 'this-machine→public',
      'link-local→link-local', 'link-local→private', 'link-local→public',
      'private→private', 'private→public',
      'public→public',
    ]);
  });

  test('a URL a public server sent may not reach this machine, link-local or the private network: no connection made', async () => {
    const port = new URL(a.url).port;
    const from = { host: 'charts.example', zone: 'public' as const };
    for (const host of ['127.0.0.1', 'localhost', '[::ffff:127.0.0.1]', '2130706433', '169.254.169.254', '[fe80::1]', '10.0.0.1', '192.168.0.1', '[fd00::1]',
      '[64:ff9b::169.254.169.254]', '[::127.0.0.1]', '[2002:a9fe:a9fe::1]', '[2001::80ff:fffe]', '[64:ff9b:1::a00:1]']) {
      const r = await get(`http://${host}:${port}/`, { deadlineMs: 2000 }, { from });
      assert.equal(failed(r), 'address-refused', host);
      assert.match(!r.ok ? r.error.message : '', /named by what charts\.example \(a public address\) sent; refused/, host);
    }
    assert.equal(a.heads.length, 0);
  });

  test('a URL this machine sent may stay on it; the answer says where it came from', async () => {
    const r = await get(`http://localhost:${new URL(a.url).port}/`, {}, { from: { host: 'the index', zone: 'this-machine' } });
    assert.ok(r.ok, failed(r));
    assert.deepEqual(r.value.peer, { host: `localhost:${new URL(a.url).port}`, zone: 'this-machine' });
    assert.equal(a.heads.length, 1);
  });

  test('a host from data with no server behind it (a WKD host): never this machine or link-local', async () => {
    for (const host of ['169.254.169.254', '[fe80::1]', '127.0.0.1']) {
      assert.equal(failed(await get(`http://${host}:${new URL(a.url).port}/`, { allowLoopback: false, deadlineMs: 2000 })), 'address-refused', host);
    }
    assert.equal(a.heads.length, 0);
  });
});
