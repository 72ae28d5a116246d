// A hostile registry: a tiny HTTP server of this test's own that answers the distribution API with
// lies (endless manifests and blobs, wrong digests, silence, redirects) and the Bearer token flow. The
// engine runs in this process, so what it read and inflated is counted, never timed.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { loadKeyringFile } from '../../server/src/provenance/keyring';
import type { LoadedKey } from '../../server/src/provenance/keyTypes';
import { readChartArchiveBytes } from '../../server/src/provenance/archive';
import { resetWork, workDone } from '../../server/src/provenance/work';
import { helmArtifact } from '../../server/src/oci/helmArtifact';
import { MAX_MANIFEST_BYTES } from '../../server/src/oci/limits';
import { parseOciReference } from '../../server/src/oci/reference';
import { RegistryClient } from '../../server/src/oci/registryClient';
import { makeTransport } from '../../server/src/oci/transport';
import { verifyOciChart } from '../../server/src/oci/verifyOciChart';
import { ByteBudget } from '../../server/src/oci/byteBudget';
import { signedCases, signedKeyrings } from '../support/tools';
import { DEFAULT_BUDGETS } from './budgets';
import { bundleJsonOf, TestSigstore } from '../support/sigstorePki';
import { verifyCosignSignatures } from '../../server/src/oci/cosignSignatures';
import { parseTrustedRoot } from '../../server/src/sigstore/trustedRoot';
import { exactMatcher } from '../../server/src/sigstore/policy';

const chartFile = path.join(signedCases, 'valid-ed25519', 'devapp-1.2.3.tgz');
const chart = fs.readFileSync(chartFile);
const prov = fs.readFileSync(`${chartFile}.prov`);
const other = fs.readFileSync(path.join(signedCases, 'valid-rsa2048', 'devapp-1.2.3.tgz'));
const meta = (() => { const r = readChartArchiveBytes(chart, 'x'); assert.ok(r.ok); return r.value.metadata; })();
const artifact = helmArtifact(meta, chart, prov, new Date('2026-01-01T00:00:00Z'));
const manifestDigest = `sha256:${createHash('sha256').update(artifact.manifest).digest('hex')}`;

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => boolean | void;
/** Per test: a handler that takes a request first (returns true when it answered). */
let override: Handler | undefined;
/** Bytes the server managed to hand to the socket in the current test. */
let written = 0;
let requests: { url: string; authorization?: string }[] = [];
let keys: LoadedKey[];
let server: http.Server;
let host: string;

function honest(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = req.url ?? '';
  const blobs: Record<string, Buffer> = Object.fromEntries([artifact.config, artifact.chart, artifact.prov!].map((b) => [b.descriptor.digest, b.bytes]));
  if (url === '/v2/charts/devapp/manifests/1.2.3') {
    res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': manifestDigest });
    res.end(artifact.manifest);
    return;
  }
  const blob = /^\/v2\/charts\/devapp\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url);
  if (blob && blobs[blob[1]]) { res.writeHead(200); res.end(blobs[blob[1]]); return; }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end('{"errors":[{"code":"NOT_FOUND","message":"\\u001b[31mred\\u001b[0m"}]}');
}

/** Writes chunks until the client goes away (or 1 GiB, which no passing test reaches). */
function endless(res: http.ServerResponse, chunk: Buffer): void {
  const pump = () => {
    while (written < 1024 ** 3) {
      written += chunk.length;
      if (!res.write(chunk)) { res.once('drain', pump); return; }
    }
    res.end();
  };
  res.on('close', () => undefined);
  pump();
}

before(async () => {
  const ring = await loadKeyringFile(path.join(signedKeyrings, 'pubring.gpg'));
  assert.ok(ring.ok);
  keys = ring.value.keys;
  server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? '', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    res.on('error', () => undefined);
    if (override?.(req, res)) return;
    honest(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => { server.closeAllConnections(); server.close(); });
beforeEach(() => { override = undefined; written = 0; requests = []; resetWork(); });

async function verify(options: { idleTimeoutMs?: number; credentials?: { username: string; password: string }; reference?: string } = {}) {
  const ref = parseOciReference(options.reference ?? `oci://${host}/charts/devapp:1.2.3`, true);
  assert.ok(ref.ok);
  const client = new RegistryClient(host, { plainHttp: true, transport: makeTransport({ idleTimeoutMs: options.idleTimeoutMs ?? 5000 }), ...(options.credentials ? { credentials: options.credentials } : {}) });
  const outcome = await verifyOciChart(ref.value, client, { keys, maxLayerBytes: 1024 * 1024 });
  // Whatever the registry sent, the work stays within what verifying one chart may cost.
  for (const [kind, amount] of Object.entries(workDone())) {
    assert.ok(amount <= DEFAULT_BUDGETS[kind as keyof typeof DEFAULT_BUDGETS], `${kind}: ${amount} over its budget`);
  }
  return outcome;
}

describe('hostile registry', () => {
  test('stands for an honest registry: the chart verifies', async () => {
    const o = await verify();
    assert.equal(o.code, 'verified', o.message);
    assert.equal(o.manifestDigest, manifestDigest);
  });

  test('an endless manifest stops at the manifest limit: manifest-too-large, read bytes bounded', async () => {
    override = (req, res) => {
      if (!req.url?.includes('/manifests/')) return false;
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
      endless(res, Buffer.alloc(64 * 1024, 0x20));
      return true;
    };
    const o = await verify();
    assert.equal(o.code, 'manifest-too-large');
    // The server could push at most the limit plus what socket buffers hold before we hung up.
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(written < MAX_MANIFEST_BYTES + 32 * 1024 * 1024, `${written} bytes were sent`);
  });

  test('a manifest announced as 2 GiB is refused from its Content-Length, before its body', async () => {
    override = (req, res) => {
      if (!req.url?.includes('/manifests/')) return false;
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-length': String(2 * 1024 ** 3) });
      res.write('{');
      return true;
    };
    assert.equal((await verify()).code, 'manifest-too-large');
  });

  test('an endless chart blob stops at the size its descriptor names: blob-too-large, nothing inflated', async () => {
    override = (req, res) => {
      if (req.url !== `/v2/charts/devapp/blobs/${artifact.chart.descriptor.digest}`) return false;
      res.writeHead(200);
      endless(res, chart);
      return true;
    };
    const o = await verify();
    assert.equal(o.code, 'blob-too-large');
    assert.equal(workDone()['bytes-inflated'], undefined);
    assert.equal(o.openpgp, undefined);
  });

  test('a chart blob with other bytes (a real chart, same size class) is blob-digest-mismatch before any parsing', async () => {
    override = (req, res) => {
      if (req.url !== `/v2/charts/devapp/blobs/${artifact.chart.descriptor.digest}`) return false;
      res.writeHead(200);
      res.end(other.subarray(0, Math.min(other.length, chart.length)));
      return true;
    };
    const o = await verify();
    assert.equal(o.code, 'blob-digest-mismatch');
    assert.equal(workDone()['bytes-inflated'], undefined, 'the archive was not inflated');
    assert.match(o.message, /does not have the digest it was asked for/);
  });

  test("a registry whose Docker-Content-Digest is not the manifest's digest is blob-digest-mismatch", async () => {
    override = (req, res) => {
      if (!req.url?.includes('/manifests/')) return false;
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': `sha256:${'1'.repeat(64)}` });
      res.end(artifact.manifest);
      return true;
    };
    assert.equal((await verify()).code, 'blob-digest-mismatch');
  });

  test('a pinned digest the manifest bytes do not have is blob-digest-mismatch', async () => {
    const wrong = `sha256:${'2'.repeat(64)}`;
    override = (req, res) => {
      if (req.url !== `/v2/charts/devapp/manifests/${wrong}`) return false;
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
      res.end(artifact.manifest);
      return true;
    };
    assert.equal((await verify({ reference: `oci://${host}/charts/devapp@${wrong}` })).code, 'blob-digest-mismatch');
  });

  test('a registry that accepts the connection and says nothing is registry-timeout (idle timeout)', async () => {
    override = (req) => req.url?.includes('/manifests/') === true; // never answers
    const o = await verify({ idleTimeoutMs: 200 });
    assert.equal(o.code, 'registry-timeout');
  });

  test('an image index, a container image and 65 layers are manifest-invalid', async () => {
    const variants = [
      JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] }),
      artifact.manifest.toString('utf8').replace('application/vnd.cncf.helm.config.v1+json', 'application/vnd.oci.image.config.v1+json'),
      JSON.stringify({ schemaVersion: 2, config: artifact.config.descriptor, layers: Array(65).fill(artifact.chart.descriptor) }),
    ];
    for (const body of variants) {
      override = (req, res) => {
        if (!req.url?.includes('/manifests/')) return false;
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
        res.end(body);
        return true;
      };
      assert.equal((await verify()).code, 'manifest-invalid', body.slice(0, 80));
    }
  });

  test('the legacy application/tar+gzip chart layer verifies with a legacy-media-type warning', async () => {
    const legacy = Buffer.from(artifact.manifest.toString('utf8').replace('application/vnd.cncf.helm.chart.content.v1.tar+gzip', 'application/tar+gzip'));
    override = (req, res) => {
      if (!req.url?.includes('/manifests/')) return false;
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
      res.end(legacy);
      return true;
    };
    const o = await verify();
    assert.equal(o.code, 'verified', o.message);
    assert.deepEqual(o.warnings.map((w) => w.code), ['legacy-media-type']);
  });

  test("a 404's error text is escaped: no terminal escape reaches the message", async () => {
    const o = await verify({ reference: `oci://${host}/charts/devapp:9.9.9` });
    assert.equal(o.code, 'registry-not-found');
    assert.ok(!o.message.includes('\u001b'), o.message);
  });
});

describe('memory across several pulls at once', () => {
  test('chart layers held at once stay within the run\'s byte budget (one layer here: the pulls take turns)', async () => {
    let inFlight = 0;
    let most = 0;
    override = (req, res) => {
      if (req.url !== `/v2/charts/devapp/blobs/${artifact.chart.descriptor.digest}`) return false;
      inFlight++;
      most = Math.max(most, inFlight);
      setTimeout(() => { inFlight--; res.writeHead(200); res.end(chart); }, 20);
      return true;
    };
    const ref = parseOciReference(`oci://${host}/charts/devapp:1.2.3`, true);
    assert.ok(ref.ok);
    const client = new RegistryClient(host, { plainHttp: true, transport: makeTransport() });
    const budget = new ByteBudget(chart.length);
    const outcomes = await Promise.all(Array.from({ length: 4 }, async () => {
      const o = await verifyOciChart(ref.value, client, { keys, maxLayerBytes: 1024 * 1024, budget });
      o.pulled?.release();
      return o.code;
    }));
    assert.deepEqual(outcomes, ['verified', 'verified', 'verified', 'verified']);
    assert.equal(most, 1, 'a second chart layer was fetched while the budget was spent');
    assert.equal(budget.inUse, 0);
  });
});

describe('Bearer token flow and redirects', () => {
  const token = 'tok-123';
  const credentials = { username: 'robot', password: 'pw' };
  const basic = `Basic ${Buffer.from('robot:pw').toString('base64')}`;

  test('stands for a registry with a token service: 401 Bearer challenge → token with the basic credentials → Bearer requests', async () => {
    override = (req, res) => {
      if (req.url?.startsWith('/token')) {
        const q = new URL(req.url, 'http://x').searchParams;
        if (req.headers.authorization !== basic || q.get('scope') !== 'repository:charts/devapp:pull' || q.get('service') !== 'test-registry') { res.writeHead(401); res.end(); return true; }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ token }));
        return true;
      }
      if (req.headers.authorization !== `Bearer ${token}`) {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${host}/token",service="test-registry",scope="repository:charts/devapp:pull"` });
        res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
        return true;
      }
      return false;
    };
    const o = await verify({ credentials });
    assert.equal(o.code, 'verified', o.message);
    assert.equal(requests.filter((r) => r.url.startsWith('/token')).length, 1, 'one token for all requests of one scope');
    const anonymous = await verify();
    assert.equal(anonymous.code, 'registry-auth-failed');
    assert.match(anonymous.message, /anonymous token/);
  });

  test("a blob redirected to another host does not carry the registry's credentials there", async () => {
    const storage = http.createServer((req, res) => {
      storageSaw.push(req.headers.authorization);
      res.writeHead(200);
      res.end(chart);
    });
    const storageSaw: (string | undefined)[] = [];
    await new Promise<void>((r) => storage.listen(0, '127.0.0.1', r));
    try {
      const storageHost = `127.0.0.1:${(storage.address() as AddressInfo).port}`;
      override = (req, res) => {
        if (req.headers.authorization !== basic) {
          res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' });
          res.end();
          return true;
        }
        if (req.url === `/v2/charts/devapp/blobs/${artifact.chart.descriptor.digest}`) {
          res.writeHead(307, { location: `http://${storageHost}/bucket/chart` });
          res.end();
          return true;
        }
        return false;
      };
      const o = await verify({ credentials });
      assert.equal(o.code, 'verified', o.message);
      assert.deepEqual(storageSaw, [undefined]);
    } finally {
      storage.closeAllConnections();
      storage.close();
    }
  });
});

describe('OCI 1.1 referrers API', () => {
  const sigstore = new TestSigstore();
  const identity = 'release@charts.example';
  const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
  const bundleType = 'application/vnd.dev.sigstore.bundle.v0.3+json';

  /** Serves the referrers API with one referring manifest whose bundle signs `signed` (default: the chart's manifest). */
  function serveReferrer(signed: Buffer = artifact.manifest) {
    const bundle = Buffer.from(JSON.stringify(bundleJsonOf(sigstore.signBlob(signed, { identity }), signed)));
    const referring = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: bundleType,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha(Buffer.from('{}')), size: 2 },
      layers: [{ mediaType: bundleType, digest: sha(bundle), size: bundle.length }],
      subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifestDigest, size: artifact.manifest.length },
    }));
    const index = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(referring), size: referring.length, artifactType: bundleType }] });
    override = (req, res) => {
      const url = req.url ?? '';
      if (url === `/v2/charts/devapp/referrers/${manifestDigest}`) { res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' }); res.end(index); return true; }
      if (url === `/v2/charts/devapp/manifests/${sha(referring)}`) { res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }); res.end(referring); return true; }
      if (url === `/v2/charts/devapp/blobs/${sha(bundle)}`) { res.writeHead(200); res.end(bundle); return true; }
      return false;
    };
  }

  async function cosign() {
    const root = parseTrustedRoot(Buffer.from(JSON.stringify(sigstore.trustedRootJson())), 'test root');
    assert.ok(root.ok);
    const client = new RegistryClient(host, { plainHttp: true, transport: makeTransport() });
    return verifyCosignSignatures(client, 'charts/devapp', manifestDigest, { trustedRoot: root.value, trust: { kind: 'identity', policy: { identity: exactMatcher(identity), issuer: exactMatcher('https://issuer.test') } } });
  }

  test('stands for a registry with the referrers API: the bundle found through it verifies', async () => {
    serveReferrer();
    const o = await cosign();
    assert.equal(o.code, 'verified', o.message);
    assert.ok(requests.some((r) => r.url === `/v2/charts/devapp/referrers/${manifestDigest}`));
    assert.ok(!requests.some((r) => r.url === `/v2/charts/devapp/manifests/${manifestDigest.replace(':', '-')}`), 'no tag-scheme fallback when the API answers');
  });

  test("a referring bundle that signs other bytes than the chart's manifest is digest-mismatch", async () => {
    serveReferrer(Buffer.from('another manifest'));
    assert.equal((await cosign()).code, 'digest-mismatch');
  });

  test('neither a .sig tag nor referrers: cosign-signature-missing', async () => {
    assert.equal((await cosign()).code, 'cosign-signature-missing');
  });
});
