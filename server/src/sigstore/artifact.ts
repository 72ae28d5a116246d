// The artifact a signature is checked against: its SHA-256, and its bytes when they fit in memory.
// `sha256:HEX` stands for an artifact known only by its digest (the conformance protocol's
// FILE_OR_DIGEST, cosign's digest input); message signatures over it are checked on the digest.
// Reading a file is the edge (readArtifactFile); everything else works on these values.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { readBoundedFile } from '../provenance/boundedRead';
import { fail, ok, type Result } from '../provenance/codes';
import { sha256File } from '../provenance/hash';
import { escapeUntrusted } from '../provenance/untrustedText';
import { countWork } from '../provenance/work';
import { MAX_ARTIFACT_BYTES, MAX_ARTIFACT_BYTES_IN_MEMORY } from './limits';

export interface Artifact {
  /** For messages: the file name as given, or the digest. */
  name: string;
  sha256: Buffer;
  /** Present for files up to MAX_ARTIFACT_BYTES_IN_MEMORY. */
  bytes?: Buffer;
}

const DIGEST_ARGUMENT = /^sha256:([0-9a-fA-F]{64})$/;

export function artifactFromBytes(bytes: Buffer, name: string): Artifact {
  countWork('bytes-hashed', bytes.length);
  return { name, sha256: createHash('sha256').update(bytes).digest(), bytes };
}

/** `sha256:HEX` as the protocol defines it: the right length, hexadecimal, and not a file on disk. */
export function digestArgument(arg: string, existsOnDisk: (p: string) => boolean): Artifact | undefined {
  const m = DIGEST_ARGUMENT.exec(arg);
  if (!m || existsOnDisk(arg)) return undefined;
  return { name: `sha256:${m[1].toLowerCase()}`, sha256: Buffer.from(m[1], 'hex') };
}

/** An artifact named on the command line: a digest argument, else a file (streamed when large). */
export async function readArtifact(arg: string): Promise<Result<Artifact>> {
  const digest = digestArgument(arg, (p) => fs.existsSync(p));
  if (digest) return ok(digest);
  let size: number;
  try {
    const stat = fs.statSync(arg);
    if (!stat.isFile()) return fail('artifact-unreadable', `${escapeUntrusted(arg, 2000)} is not a regular file.`);
    size = stat.size;
  } catch {
    return fail('artifact-unreadable', `${escapeUntrusted(arg, 2000)}: no such file (give the artifact, or its digest as sha256:<64 hex>).`);
  }
  if (size > MAX_ARTIFACT_BYTES) return fail('artifact-unreadable', `${escapeUntrusted(arg, 2000)} is ${size} bytes, over the ${MAX_ARTIFACT_BYTES}-byte limit; verify its digest instead (sha256:<hex>).`);
  if (size <= MAX_ARTIFACT_BYTES_IN_MEMORY) {
    const read = readBoundedFile(arg, MAX_ARTIFACT_BYTES_IN_MEMORY);
    if (!read.ok) return fail('artifact-unreadable', `${escapeUntrusted(read.message, 2000)}.`);
    return ok(artifactFromBytes(read.bytes, arg));
  }
  const hashed = await sha256File(arg);
  if (!hashed.ok) return fail('artifact-unreadable', hashed.error.message);
  countWork('bytes-hashed', hashed.value.size);
  return ok({ name: arg, sha256: Buffer.from(hashed.value.hex, 'hex') });
}
