// A real OCI registry for the tests: Debian's docker-registry (the CNCF distribution registry 2.8) on
// a free loopback port, with its own storage folder and config file, optionally behind htpasswd basic
// auth (a bcrypt hash made with python3's crypt module: apache2-utils' htpasswd is not installed).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import { helm, signedCases, tempDir } from './tools';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

export interface RunningRegistry {
  /** `127.0.0.1:<port>` */
  host: string;
  storage: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** A bcrypt htpasswd line, the only hash the distribution registry's htpasswd auth accepts. */
export function htpasswdLine(user: string, password: string): string {
  const r = spawnSync('python3', ['-W', 'ignore', '-c', 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))', password], { encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout.startsWith('$2b$')) throw new Error(`python3 crypt could not make a bcrypt hash: ${r.stderr}`);
  return `${user}:${r.stdout.trim()}\n`;
}

/** A self-signed certificate for 127.0.0.1 (openssl, ECDSA P-256), for a registry that speaks TLS. */
export function loopbackCertificate(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl could not make a certificate: ${r.stderr}`);
  return { cert, key };
}

function answers(host: string, tls: boolean): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = (tls ? https : http).get(`${tls ? 'https' : 'http'}://${host}/v2/`, { rejectUnauthorized: false }, (res) => { res.resume(); resolve(res.statusCode); });
    req.on('error', () => resolve(undefined));
    req.setTimeout(1000, () => { req.destroy(); resolve(undefined); });
  });
}

/** Starts a registry; `auth` puts it behind basic auth with that one user, `tls` makes it speak HTTPS only. */
export async function startRegistry(auth?: { user: string; password: string }, tls?: { cert: string; key: string }): Promise<RunningRegistry> {
  const dir = tempDir('oci-registry-');
  const storage = path.join(dir, 'storage');
  fs.mkdirSync(storage);
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const lines = [
      'version: 0.1',
      'log:', '  level: error', '  accesslog:', '    disabled: true',
      'storage:', '  filesystem:', `    rootdirectory: ${storage}`, '  delete:', '    enabled: true',
      'http:', `  addr: ${host}`,
      ...(tls ? ['  tls:', `    certificate: ${tls.cert}`, `    key: ${tls.key}`] : []),
    ];
    if (auth) {
      fs.writeFileSync(path.join(dir, 'htpasswd'), htpasswdLine(auth.user, auth.password));
      lines.push('auth:', '  htpasswd:', '    realm: test-registry', `    path: ${path.join(dir, 'htpasswd')}`);
    }
    fs.writeFileSync(path.join(dir, 'config.yml'), lines.join('\n') + '\n');
    // No pipe to this process: a caller blocked in spawnSync (helm push in a loop) would leave it full and the registry stalled.
    const child: ChildProcess = spawn(REGISTRY_BINARY, ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
    let exited = false;
    child.on('exit', () => { exited = true; });
    // Polled by count, not by time: up to 100 tries 100 ms apart.
    for (let i = 0; i < 100 && !exited; i++) {
      const status = await answers(host, tls !== undefined);
      if (status === 200 || status === 401) {
        return {
          host, storage,
          stop: () => new Promise<void>((resolve) => {
            if (exited) { fs.rmSync(dir, { recursive: true, force: true }); resolve(); return; }
            child.on('exit', () => { fs.rmSync(dir, { recursive: true, force: true }); resolve(); });
            child.kill('SIGTERM');
          }),
        };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
  }
  throw new Error('docker-registry did not start');
}

/** An HTTP server on loopback that answers 404 to everything and counts what it was asked: a registry that must not be contacted. */
export async function countingServer(): Promise<{ host: string; requests: () => number; close: () => void }> {
  let requests = 0;
  const server = http.createServer((_req, res) => { requests++; res.writeHead(404); res.end(); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { host: `127.0.0.1:${(server.address() as net.AddressInfo).port}`, requests: () => requests, close: () => { server.closeAllConnections(); server.close(); } };
}

/**
 * Pushes, with the real Helm, `charts/devapp:1.2.3` signed (the valid-ed25519 case, with its `.prov`) and
 * `charts/plain:0.1.0` unsigned. Answers the folder holding `signed/` (the signed archive and `.prov`).
 */
export function pushSignedAndUnsigned(registry: RunningRegistry, work: string): string {
  const signed = path.join(work, 'signed');
  fs.mkdirSync(signed);
  for (const f of fs.readdirSync(path.join(signedCases, 'valid-ed25519'))) fs.copyFileSync(path.join(signedCases, 'valid-ed25519', f), path.join(signed, f));
  const pushed = (archive: string) => { if (helm(['push', archive, `oci://${registry.host}/charts`, '--plain-http']).status !== 0) throw new Error(`helm push ${archive} failed`); };
  pushed(path.join(signed, 'devapp-1.2.3.tgz'));
  fs.mkdirSync(path.join(work, 'plain', 'templates'), { recursive: true });
  fs.writeFileSync(path.join(work, 'plain', 'Chart.yaml'), 'apiVersion: v2\nname: plain\nversion: 0.1.0\n');
  if (helm(['package', path.join(work, 'plain'), '-d', work]).status !== 0) throw new Error('helm package plain failed');
  pushed(path.join(work, 'plain-0.1.0.tgz'));
  return signed;
}
