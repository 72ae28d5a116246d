// URLs a registry or chart repository hands us (README-style case). An index.yaml entry's `urls[0]`, a
// `Location:` header and a Bearer challenge's `realm` are the server's text; node:http threw
// synchronously ("Protocol "file:" not supported") on a file:, ftp: or data: URL, so the verification
// ended in an exception instead of a code. The transport now takes http(s) only, and a redirect loop
// stops after MAX_REDIRECTS. A tiny server of this test's own on 127.0.0.1:0 plays the repository.
// Expected: `reference-invalid` (a URL to refuse), `registry-error` (a redirect to refuse or a loop).
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
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
