// The connection options every registry command shares (--plain-http, --ca-file, --registry-config,
// --timeout) turned into a transport and a registry client with the user's credentials.
import { escapeUntrusted } from '../provenance/untrustedText';
import { UsageError } from './args';
import type { Io } from './io';

export const connectionOptions = {
  'plain-http': { type: 'boolean' },
  'ca-file': { type: 'string' },
  'registry-config': { type: 'string', multiple: true },
  timeout: { type: 'string' },
} as const;

export interface ConnectionValues { 'plain-http'?: boolean; 'ca-file'?: string; 'registry-config'?: string[]; timeout?: string }

export function positiveNumber(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text) || Number(text) <= 0 || !Number.isSafeInteger(Number(text))) throw new UsageError(`--${flag} takes a positive whole number, not "${escapeUntrusted(text, 40)}"`);
  return Number(text);
}

/** Plain HTTP only to this machine: anywhere else credentials and charts would cross the network unencrypted. */
export async function refuseRemotePlainHttp(registry: string): Promise<void> {
  const { isLoopbackRegistry } = await import('../oci/reference');
  if (!isLoopbackRegistry(registry)) {
    throw new UsageError(`plain HTTP is only for a registry or repository on this machine (localhost, 127.0.0.1, ::1), not ${escapeUntrusted(registry, 200)}: credentials and charts would cross the network unencrypted`);
  }
}

/** A repository URL: https, or http:// on this machine (as --plain-http allows for registries). */
export function repoUrl(text: string, plainHttp: boolean): string {
  let url: URL;
  try { url = new URL(text); } catch { throw new UsageError(`--repo ${escapeUntrusted(text, 300)} is not a URL`); }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`--repo takes an https:// URL, not ${escapeUntrusted(url.protocol, 20)}`);
  if (url.username || url.password) throw new UsageError('--repo: put no credentials in the URL (they would be shown and logged)');
  if (url.protocol === 'http:' && !plainHttp) throw new UsageError('--repo with http:// needs --plain-http (allowed for a repository on this machine only)');
  return url.toString();
}

/** The HTTP transport: TLS with the system CAs plus --ca-file, the idle timeout from --timeout. */
export async function transportFor(values: ConnectionValues) {
  let ca: Buffer | undefined;
  if (values['ca-file']) {
    const { readBoundedFile } = await import('../provenance/boundedRead');
    const read = readBoundedFile(values['ca-file'], 1024 * 1024);
    if (!read.ok) throw new UsageError(`--ca-file ${escapeUntrusted(read.message, 2000)}`);
    ca = read.bytes;
  }
  const timeout = positiveNumber(values.timeout, 'timeout');
  const { makeTransport } = await import('../oci/transport');
  return makeTransport({ ...(ca ? { ca } : {}), ...(timeout ? { idleTimeoutMs: timeout * 1000 } : {}) });
}

/** A client for the registry: TLS or --plain-http on this machine, and the user's credentials. */
export async function clientFor(registry: string, values: ConnectionValues, io: Io) {
  const plainHttp = values['plain-http'] ?? false;
  if (plainHttp) await refuseRemotePlainHttp(registry);
  const transport = await transportFor(values);
  const { credentialsFor } = await import('../oci/credentialStore');
  const { RegistryClient } = await import('../oci/registryClient');
  const credentials = await credentialsFor(registry, values['registry-config'] ? { files: values['registry-config'] } : {});
  if (!credentials.ok) {
    io.err(`Error: ${escapeUntrusted(credentials.error.message, 2000)} [${credentials.error.code}]`);
    return undefined;
  }
  return new RegistryClient(registry, { plainHttp, transport, ...(credentials.value ? { credentials: credentials.value } : {}) });
}

