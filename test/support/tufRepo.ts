// Real TUF repositories for tests, signed and serialised by @tufjs/models (the metadata classes tuf-js
// itself verifies with), written to a folder and served on loopback by node:http. How: make keys
// with `tufKey('ed25519' | 'ecdsa')`, add root versions with `addRoot` (choose who signs each: a
// rotation must carry a threshold of the previous root's keys and of its own), `publish` a
// trusted_root.json target, then `serve()` gives the mirror URL.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { Key, Metadata, MetaFile, Root, Signature, Snapshot, TargetFile, Targets, Timestamp } from '@tufjs/models';

export interface TufKey { key: Key; privateKey: KeyObject }

export function tufKey(type: 'ed25519' | 'ecdsa'): TufKey {
  if (type === 'ed25519') {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
    const keyVal = { public: raw };
    return { key: new Key({ keyID: keyId('ed25519', 'ed25519', keyVal), keyType: 'ed25519', scheme: 'ed25519', keyVal }), privateKey };
  }
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyVal = { public: publicKey.export({ format: 'pem', type: 'spki' }).toString() };
  return { key: new Key({ keyID: keyId('ecdsa', 'ecdsa-sha2-nistp256', keyVal), keyType: 'ecdsa', scheme: 'ecdsa-sha2-nistp256', keyVal }), privateKey };
}

function keyId(keytype: string, scheme: string, keyval: Record<string, string>): string {
  return createHash('sha256').update(JSON.stringify({ keytype, keyval, scheme })).digest('hex');
}

function signer(k: TufKey) {
  return (data: Buffer) => new Signature({
    keyID: k.key.keyID,
    sig: sign(k.key.keyType === 'ed25519' ? null : 'sha256', data, k.privateKey).toString('hex'),
  });
}

const json = (m: Metadata<Root | Timestamp | Snapshot | Targets>) => JSON.stringify(m.toJSON(), null, 1);

export class TufRepo {
  /** The online roles' key, the same in every root: rotations here are of the root keys. */
  readonly online = tufKey('ed25519');
  private version = 0;
  private published = 0;

  constructor(readonly dir: string) {
    fs.mkdirSync(path.join(dir, 'targets'), { recursive: true });
  }

  /** Writes `<version>.root.json` naming `keys` (threshold `threshold`) as root keys, signed by `signedBy`. Returns its bytes. */
  addRoot(options: { keys: TufKey[]; threshold: number; signedBy: TufKey[]; expires: Date }): Buffer {
    this.version++;
    const root = new Root({ version: this.version, specVersion: '1.0.31', expires: options.expires.toISOString(), consistentSnapshot: true });
    for (const k of options.keys) root.addKey(k.key, 'root');
    (root.roles.root as { threshold: number }).threshold = options.threshold;
    for (const role of ['timestamp', 'snapshot', 'targets']) root.addKey(this.online.key, role);
    const metadata = new Metadata(root);
    for (const k of options.signedBy) metadata.sign(signer(k));
    const bytes = Buffer.from(json(metadata));
    fs.writeFileSync(path.join(this.dir, `${this.version}.root.json`), bytes);
    return bytes;
  }

  /** Publishes `trusted_root.json` with fresh targets, snapshot and timestamp (valid a year). */
  publish(trustedRoot: Buffer): void {
    const v = ++this.published;
    const expires = new Date(Date.now() + 365 * 86_400_000).toISOString();
    const hash = createHash('sha256').update(trustedRoot).digest('hex');
    fs.writeFileSync(path.join(this.dir, 'targets', `${hash}.trusted_root.json`), trustedRoot);
    const targets = new Targets({ version: v, specVersion: '1.0.31', expires });
    targets.addTarget(new TargetFile({ path: 'trusted_root.json', length: trustedRoot.length, hashes: { sha256: hash } }));
    const targetsMd = new Metadata(targets);
    targetsMd.sign(signer(this.online));
    fs.writeFileSync(path.join(this.dir, `${v}.targets.json`), json(targetsMd));
    const snapshotMd = new Metadata(new Snapshot({ version: v, specVersion: '1.0.31', expires, meta: { 'targets.json': new MetaFile({ version: v }) } }));
    snapshotMd.sign(signer(this.online));
    fs.writeFileSync(path.join(this.dir, `${v}.snapshot.json`), json(snapshotMd));
    const timestampMd = new Metadata(new Timestamp({ version: v, specVersion: '1.0.31', expires, snapshotMeta: new MetaFile({ version: v }) }));
    timestampMd.sign(signer(this.online));
    fs.writeFileSync(path.join(this.dir, 'timestamp.json'), json(timestampMd));
  }
}

/** Serves a folder on 127.0.0.1 (an ephemeral port); `respond` can replace a file's answer. */
export async function serve(dir: string, respond?: (url: string, res: http.ServerResponse) => boolean): Promise<{ url: string; close: () => Promise<void>; requests: string[] }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    requests.push(url);
    if (respond?.(url, res)) return;
    const file = path.join(dir, decodeURIComponent(url.split('?')[0]));
    if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
