// The OCI distribution API for one registry: manifests and blobs fetched with their digests checked as
// they stream, blobs and manifests pushed, and the authentication dance (anonymous first; on a 401,
// Basic with the user's credentials or the Bearer token flow of the challenge). Decisions only: the
// bytes go through the transport it is given. Credentials never appear in a message.
import { createHash } from 'node:crypto';
import type { Peer } from '../net/boundedHttp';
import { fail, ok, type Result } from '../provenance/codes';
import { escapeUntrusted } from '../provenance/untrustedText';
import { countWork } from '../provenance/work';
import { parseChallenge, tokenFromReply } from './challenge';
import type { RegistryErrorCode } from './codes';
import type { BasicCredentials } from './credentials';
import { MANIFEST_ACCEPT, type Descriptor } from './manifest';
import { MAX_MANIFEST_BYTES, MAX_SMALL_REPLY_BYTES } from './limits';
import type { HttpRequest, HttpResponse, Transport } from './transport';
import { parseUntrustedJson } from '../provenance/untrustedJson';

export interface RegistryClientOptions {
  plainHttp: boolean;
  transport: Transport;
  credentials?: BasicCredentials;
}

export interface FetchedManifest {
  bytes: Buffer;
  /** The digest of the bytes received (what a pinned reference would name). */
  digest: string;
  contentType?: string;
}

type Access = 'pull' | 'pull,push';
type Reply = Result<HttpResponse, RegistryErrorCode>;

/** The registry's own error text (`{"errors":[{"code","message"}]}`), escaped, for a message. */
function registrySays(body: Buffer): string {
  try {
    const errors = (parseUntrustedJson(body.toString('utf8')) as { errors?: { code?: unknown; message?: unknown }[] }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      return `: ${errors.slice(0, 3).map((e) => escapeUntrusted(`${String(e.code ?? '')} ${String(e.message ?? '')}`.trim(), 200)).join('; ')}`;
    }
  } catch { /* not the API's error JSON */ }
  return '';
}

export class RegistryClient {
  private readonly base: string;
  private readonly tokens = new Map<string, string>();
  private basicAccepted = false;

  constructor(readonly registry: string, private readonly options: RegistryClientOptions) {
    this.base = `${options.plainHttp ? 'http' : 'https'}://${registry}`;
  }

  private authorization(scope: string): Record<string, string> {
    const token = this.tokens.get(scope);
    if (token) return { authorization: `Bearer ${token}` };
    if (this.basicAccepted && this.options.credentials) return { authorization: this.basicHeader(this.options.credentials) };
    return {};
  }

  private basicHeader(c: BasicCredentials): string {
    return `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`;
  }

  /** A request with whatever authorization the registry asks for; 401/403 at the end is registry-auth-failed. */
  private async send(repository: string, access: Access, request: HttpRequest): Promise<Reply> {
    const scope = `repository:${repository}:${access}`;
    const attempt = () => this.options.transport({ ...request, headers: { ...request.headers, ...this.authorization(scope) } });
    let reply = await attempt();
    if (reply.ok && reply.value.status === 401) {
      const challenge = parseChallenge(reply.value.headers['www-authenticate']);
      const credentials = this.options.credentials;
      if (challenge?.scheme === 'basic' && credentials && !this.basicAccepted) {
        this.basicAccepted = true;
        reply = await attempt();
      } else if (challenge?.scheme === 'bearer') {
        const token = await this.fetchToken(challenge.realm, challenge.service, scope, reply.value.peer);
        if (!token.ok) return token;
        this.tokens.set(scope, token.value);
        reply = await attempt();
      }
    }
    if (reply.ok && (reply.value.status === 401 || reply.value.status === 403)) {
      const how = this.options.credentials ? 'with the credentials found for it (Helm\'s registry/config.json or Docker\'s config.json)' : 'anonymously (no credentials found: helm registry login, or docker login)';
      return fail('registry-auth-failed', `${escapeUntrusted(this.registry)} refused ${request.what} ${how}: HTTP ${reply.value.status}${registrySays(reply.value.body)}.`);
    }
    return reply;
  }

  /** The token flow: GET realm?service=…&scope=…, with the user's basic credentials when there are any; the realm is the registry's text, so it leads only where `from` (who sent it) may. */
  private async fetchToken(realm: string, service: string | undefined, scope: string, from: Peer): Promise<Result<string, RegistryErrorCode>> {
    let url: URL;
    try { url = new URL(realm); } catch { return fail('registry-error', `${escapeUntrusted(this.registry)} names an invalid token service "${escapeUntrusted(realm, 200)}".`); }
    if (url.protocol !== 'https:' && !(this.options.plainHttp && url.protocol === 'http:')) {
      return fail('registry-error', `${escapeUntrusted(this.registry)} sends its token requests to ${escapeUntrusted(url.protocol, 20)}; refused (credentials would travel unencrypted).`);
    }
    if (service) url.searchParams.set('service', service);
    url.searchParams.set('scope', scope);
    const c = this.options.credentials;
    const reply = await this.options.transport({ method: 'GET', url: url.toString(), headers: c ? { authorization: this.basicHeader(c) } : {}, maxBytes: MAX_SMALL_REPLY_BYTES, tooLarge: 'registry-error', what: 'a token', from });
    if (!reply.ok) return reply;
    if (reply.value.status === 401 || reply.value.status === 403) {
      return fail('registry-auth-failed', `The token service of ${escapeUntrusted(this.registry)} refused ${c ? 'the credentials found for it' : 'an anonymous token (no credentials found)'}: HTTP ${reply.value.status}.`);
    }
    if (reply.value.status !== 200) return fail('registry-error', `The token service of ${escapeUntrusted(this.registry)} answered HTTP ${reply.value.status}.`);
    const token = tokenFromReply(reply.value.body);
    return token ? ok(token) : fail('registry-error', `The token service of ${escapeUntrusted(this.registry)} sent no usable token.`);
  }

  private statusFailure(reply: HttpResponse, what: string) {
    return reply.status === 404
      ? fail<RegistryErrorCode>('registry-not-found', `${escapeUntrusted(this.registry)} has no ${what} (HTTP 404)${registrySays(reply.body)}.`)
      : fail<RegistryErrorCode>('registry-error', `${escapeUntrusted(this.registry)} answered HTTP ${reply.status} for ${what}${registrySays(reply.body)}.`);
  }

  /** A manifest by tag or digest (both URL-safe by reference.ts's grammar); a pinned digest and the registry's Docker-Content-Digest must both match the bytes. */
  async manifest(repository: string, reference: string, pinned?: string): Promise<Result<FetchedManifest, RegistryErrorCode>> {
    const what = `the manifest ${escapeUntrusted(`${repository}:${reference}`, 300)}`;
    const reply = await this.send(repository, 'pull', {
      method: 'GET', url: `${this.base}/v2/${repository}/manifests/${reference}`,
      headers: { accept: MANIFEST_ACCEPT }, maxBytes: MAX_MANIFEST_BYTES, tooLarge: 'manifest-too-large', what,
      ...(pinned ? { expectDigest: pinned } : {}),
    });
    if (!reply.ok) return reply;
    if (reply.value.status !== 200) return this.statusFailure(reply.value, what);
    const bytes = reply.value.body;
    if (!pinned) countWork('bytes-hashed', bytes.length);
    const digest = pinned ?? `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const claimed = reply.value.headers['docker-content-digest'];
    if (typeof claimed === 'string' && claimed.startsWith('sha256:') && claimed !== digest) {
      return fail('blob-digest-mismatch', `${what}: the registry says its digest is ${escapeUntrusted(claimed, 140)}, but the bytes it sent have ${digest}. Nothing of it was used.`);
    }
    const contentType = reply.value.headers['content-type'];
    return ok({ bytes, digest, ...(typeof contentType === 'string' ? { contentType } : {}) });
  }

  /**
   * The OCI 1.1 referrers index of a manifest: the referrers API, else (404, as registries without it
   * answer) the referrers tag scheme's `sha256-<hex>` tag. Undefined when there is none.
   */
  async referrers(repository: string, digest: string): Promise<Result<Buffer | undefined, RegistryErrorCode>> {
    const accept = { accept: 'application/vnd.oci.image.index.v1+json' };
    const what = `the referrers of ${escapeUntrusted(`${repository}@${digest}`, 300)}`;
    for (const url of [`${this.base}/v2/${repository}/referrers/${digest}`, `${this.base}/v2/${repository}/manifests/${digest.replace(':', '-')}`]) {
      const reply = await this.send(repository, 'pull', { method: 'GET', url, headers: accept, maxBytes: MAX_MANIFEST_BYTES, tooLarge: 'manifest-too-large', what });
      if (!reply.ok) return reply;
      if (reply.value.status === 200) return ok(reply.value.body);
      if (reply.value.status !== 404) return this.statusFailure(reply.value, what);
    }
    return ok(undefined);
  }

  /** A blob, refused when larger than `limit` or than its descriptor says, or when its digest differs. */
  async blob(repository: string, d: Descriptor, limit: number, what: string): Promise<Result<Buffer, RegistryErrorCode>> {
    if (d.size > limit) return fail('blob-too-large', `${what} is ${d.size} bytes by the manifest, over the ${limit}-byte limit.`);
    const reply = await this.send(repository, 'pull', {
      method: 'GET', url: `${this.base}/v2/${repository}/blobs/${d.digest}`, maxBytes: d.size, tooLarge: 'blob-too-large', expectDigest: d.digest, what,
    });
    if (!reply.ok) return reply;
    if (reply.value.status !== 200) return this.statusFailure(reply.value, what);
    if (reply.value.body.length !== d.size) {
      return fail('blob-digest-mismatch', `${what} is ${reply.value.body.length} bytes, not the ${d.size} its descriptor says.`);
    }
    return ok(reply.value.body);
  }

  /** Uploads a blob unless the registry has it already (a HEAD first, as Helm does); monolithic POST + PUT. */
  async pushBlob(repository: string, bytes: Buffer, digest: string, what: string): Promise<Result<void, RegistryErrorCode>> {
    const head = await this.send(repository, 'pull,push', { method: 'HEAD', url: `${this.base}/v2/${repository}/blobs/${digest}`, maxBytes: 0, what });
    if (!head.ok) return head;
    if (head.value.status === 200) return ok(undefined);
    const start = await this.send(repository, 'pull,push', { method: 'POST', url: `${this.base}/v2/${repository}/blobs/uploads/`, maxBytes: MAX_SMALL_REPLY_BYTES, what: `an upload of ${what}` });
    if (!start.ok) return start;
    if (start.value.status !== 202 || typeof start.value.headers.location !== 'string') return this.statusFailure(start.value, `an upload session for ${what}`);
    let location: URL;
    try { location = new URL(start.value.headers.location, start.value.url); } catch { return fail('registry-error', `${escapeUntrusted(this.registry)} gave an invalid upload location.`); }
    if (location.origin !== new URL(this.base).origin) return fail('registry-error', `${escapeUntrusted(this.registry)} sent the upload of ${what} to another host (${escapeUntrusted(location.host, 200)}); refused.`);
    location.searchParams.set('digest', digest);
    const put = await this.send(repository, 'pull,push', {
      method: 'PUT', url: location.toString(), headers: { 'content-type': 'application/octet-stream' }, body: bytes, maxBytes: MAX_SMALL_REPLY_BYTES, what,
      from: start.value.peer, // the same host, but its name is resolved again: it may not now lead inward
    });
    if (!put.ok) return put;
    return put.value.status === 201 ? ok(undefined) : this.statusFailure(put.value, `the upload of ${what}`);
  }

  /** Puts a manifest under a tag; the registry's digest for it must be the digest of the bytes sent. */
  async pushManifest(repository: string, tag: string, bytes: Buffer, mediaType: string): Promise<Result<string, RegistryErrorCode>> {
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const what = `the manifest ${escapeUntrusted(`${repository}:${tag}`, 300)}`;
    const put = await this.send(repository, 'pull,push', {
      method: 'PUT', url: `${this.base}/v2/${repository}/manifests/${tag}`, headers: { 'content-type': mediaType }, body: bytes, maxBytes: MAX_SMALL_REPLY_BYTES, what,
    });
    if (!put.ok) return put;
    if (put.value.status !== 201) return this.statusFailure(put.value, what);
    const stored = put.value.headers['docker-content-digest'];
    if (typeof stored === 'string' && stored !== digest) return fail('blob-digest-mismatch', `${what}: the registry stored it as ${escapeUntrusted(stored, 140)}, not ${digest}.`);
    return ok(digest);
  }
}
