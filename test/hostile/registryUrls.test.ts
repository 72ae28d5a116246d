// URLs a registry or chart repository hands us (README-style case). An index.yaml entry's `urls[0]`, a
// `Location:` header and a Bearer challenge's `realm` are the server's text; node:http threw
// synchronously ("Protocol "file:" not supported") on a file:, ftp: or data: URL, so the verification
// ended in an exception instead of a code. The transport now takes http(s) only, and a redirect loop
// stops after MAX_REDIRECTS. A tiny server of this test's own on 127.0.0.1:0 plays the repository.
// Expected: `reference-invalid` (a URL to refuse), `registry-error` (a redirect to refuse, a loop, or a
// URL that leads inward: security.md, "Where a server's URLs may lead").
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import { MAX_REDIRECTS } from '../../server/src/oci/limits';
import { RegistryClient } from '../../server/src/oci/registryClient';
import { makeTransport } from '../../server/src/oci/transport';
import { verifyRepoChart } from '../../server/src/oci/verifyRepoChart';

let server: http.Server;
let base: string;
let requests = 0;
let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void;

before(async () => {
  server = http.createServer((req, res) => { requests++; answer(req, res); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => { server.closeAllConnections(); server.close(); });
beforeEach(() => { requests = 0; });

const transport = makeTransport({ idleTimeoutMs: 5000 });
const get = (url: string) => transport({ method: 'GET', url, maxBytes: 1024, what: 'the test file' });
const indexWith = (url: string) => `apiVersion: v1\nentries:\n  devapp:\n  - version: 1.2.3\n    digest: ${'a'.repeat(64)}\n    urls:\n    - ${url}\n`;

for (const url of ['file:///etc/passwd', 'ftp://127.0.0.1/devapp-1.2.3.tgz', 'data:,x', 'javascript:alert(1)']) {
  test(`an index.yaml naming ${url} as the archive is reference-invalid, nothing thrown`, async () => {
    answer = (_req, res) => res.end(indexWith(url));
    const outcome = await verifyRepoChart(base, 'devapp', '1.2.3', transport, { keys: [], maxLayerBytes: 1024 * 1024 });
    assert.equal(outcome.code, 'reference-invalid');
    assert.equal(outcome.verdict, 'rejected');
    assert.equal(requests, 1, 'only index.yaml was asked for');
  });
}

test('a redirect to a file: URL is registry-error, nothing thrown', async () => {
  answer = (_req, res) => { res.writeHead(302, { location: 'file:///etc/passwd' }); res.end(); };
  const r = await get(`${base}/x`);
  assert.equal(!r.ok && r.error.code, 'registry-error');
});

test('a redirect loop stops after MAX_REDIRECTS hops: registry-error', async () => {
  answer = (req, res) => { res.writeHead(307, { location: req.url }); res.end(); };
  const r = await get(`${base}/loop`);
  assert.equal(!r.ok && r.error.code, 'registry-error');
  assert.equal(requests, MAX_REDIRECTS + 1);
});

test("a Bearer challenge whose realm is a file: URL is refused with a code, nothing thrown", async () => {
  answer = (_req, res) => { res.writeHead(401, { 'www-authenticate': 'Bearer realm="file:///etc/passwd",service="x"' }); res.end(); };
  const client = new RegistryClient(new URL(base).host, { plainHttp: true, transport });
  const r = await client.manifest('charts/devapp', '1.2.3');
  assert.equal(r.ok, false);
  assert.ok(!r.ok && ['reference-invalid', 'registry-error'].includes(r.error.code), !r.ok ? r.error.code : '');
});

// Where an index.yaml's URLs may lead: "another host" is this machine's own non-loopback address (a
// real second host as far as the client can tell), or, for a public one, the index reply's peer as the
// transport reports it, restated. The target is the loopback server above: it must see no request.
describe('an index.yaml from another host cannot send us onto this machine or its neighbours', () => {
  let remote: http.Server;
  let remoteBase: string;
  let remoteRequests = 0;
  let remoteAnswer: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  before(async () => {
    const outside = Object.values(os.networkInterfaces()).flat().find((i) => i && !i.internal && i.family === 'IPv4');
    assert.ok(outside, 'this test needs an address of this machine that is not loopback');
    remote = http.createServer((req, res) => { remoteRequests++; remoteAnswer(req, res); });
    await new Promise<void>((r) => remote.listen(0, outside.address, r));
    remoteBase = `http://${outside.address}:${(remote.address() as AddressInfo).port}`;
  });
  after(() => { remote.closeAllConnections(); remote.close(); });
  beforeEach(() => { remoteRequests = 0; answer = (_req, res) => { res.writeHead(404); res.end(); }; });

  const port = () => new URL(base).port;
  for (const host of ['127.0.0.1', 'localhost', '[::ffff:127.0.0.1]', '127.1', '2130706433', '0x7f000001']) {
    test(`an archive URL on ${host}: registry-error with what to do, no request reaches this machine`, async () => {
      remoteAnswer = (_req, res) => res.end(indexWith(`http://${host}:${port()}/devapp-1.2.3.tgz`));
      const outcome = await verifyRepoChart(remoteBase, 'devapp', '1.2.3', transport, { keys: [], maxLayerBytes: 1024 * 1024 });
      assert.equal(outcome.code, 'registry-error');
      assert.match(outcome.message, /is this machine, named by what .* sent; refused .* If that host is yours, name it yourself as the repository or registry\./);
      assert.equal(remoteRequests, 1, 'only index.yaml was asked for');
      assert.equal(requests, 0, 'nothing reached this machine');
    });
  }

  test('an index a public host served names link-local or private addresses: refused, no connection made', async () => {
    answer = (_req, res) => res.end(indexWith('http://169.254.169.254/latest/meta-data/iam/x.tgz'));
    const asPublic: typeof transport = async (request) => {
      const r = await transport(request);
      return r.ok && request.url.endsWith('/index.yaml') ? { ...r, value: { ...r.value, peer: { host: 'charts.example', zone: 'public' } } } : r;
    };
    for (const url of ['http://169.254.169.254/latest/meta-data/iam/x.tgz', 'http://[fe80::1]/x.tgz', 'http://10.0.0.1/x.tgz', 'http://0xc0a80001/x.tgz', 'http://[fd00::1]/x.tgz']) {
      answer = (_req, res) => res.end(indexWith(url));
      requests = 0;
      const outcome = await verifyRepoChart(base, 'devapp', '1.2.3', asPublic, { keys: [], maxLayerBytes: 1024 * 1024 });
      assert.equal(outcome.code, 'registry-error', url);
      assert.match(outcome.message, /named by what charts\.example \(a public address\) sent; refused/, url);
      assert.equal(requests, 1, 'only index.yaml was asked for');
    }
  });

  test('a repository the user names on this machine may name an archive on it in another spelling', async () => {
    answer = (req, res) => { if (req.url === '/index.yaml') res.end(indexWith(`http://localhost:${port()}/devapp-1.2.3.tgz`)); else { res.writeHead(404); res.end(); } };
    const outcome = await verifyRepoChart(base, 'devapp', '1.2.3', transport, { keys: [], maxLayerBytes: 1024 * 1024 });
    assert.equal(outcome.code, 'registry-not-found');
    assert.equal(requests, 2, 'index.yaml and the archive');
  });

  test('a token realm from another host onto this machine is refused; the token service never asked', async () => {
    remoteAnswer = (_req, res) => { res.writeHead(401, { 'www-authenticate': `Bearer realm="http://localhost:${port()}/token",service="x"` }); res.end(); };
    const client = new RegistryClient(new URL(remoteBase).host, { plainHttp: true, transport });
    const r = await client.manifest('charts/devapp', '1.2.3');
    assert.equal(!r.ok && r.error.code, 'registry-error');
    assert.equal(remoteRequests, 1);
    assert.equal(requests, 0);
  });
});
