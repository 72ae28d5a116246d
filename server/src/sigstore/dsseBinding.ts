// What ties a DSSE envelope to the artifact. @sigstore/verify checks the envelope's signature and
// log entry but not what it is about (toSignedEntity ignores the artifact for DSSE): a valid
// attestation for any other file would pass. Here an in-toto statement must name the artifact as a
// subject (one of its digests equal to the artifact's, none different); any other payload must be
// the artifact itself.
import { createHash } from 'node:crypto';
import type { Envelope } from '@sigstore/bundle';
import { fail, ok, type Result } from '../provenance/codes';
import { escapeUntrusted } from '../provenance/untrustedText';
import { countWork } from '../provenance/work';
import type { Artifact } from './artifact';
import { MAX_INTOTO_SUBJECTS } from './limits';
import { artifactDigest, type MessageHash } from './messageSignature';
import { parseUntrustedJson } from '../provenance/untrustedJson';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const COMPARABLE: MessageHash[] = ['sha256', 'sha384', 'sha512'];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The subject the artifact matched, or why the envelope is not about this artifact. */
export function checkDsseBinding(envelope: Envelope, artifact: Artifact): Result<{ subject?: string; predicateType?: string }> {
  const payload = Buffer.from(envelope.payload);
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    countWork('bytes-hashed', payload.length);
    if (createHash('sha256').update(payload).digest().equals(artifact.sha256)) return ok({});
    return fail('digest-mismatch', `The DSSE envelope's payload (type "${escapeUntrusted(envelope.payloadType)}") is not an in-toto statement and is not ${escapeUntrusted(artifact.name, 2000)}: nothing in it is about this artifact.`);
  }
  let statement: unknown;
  try {
    statement = parseUntrustedJson(payload.toString('utf8'));
  } catch {
    return fail('bundle-malformed', 'The DSSE envelope says it holds an in-toto statement, but its payload is not JSON.');
  }
  const subjects = isObject(statement) ? statement.subject : undefined;
  if (!Array.isArray(subjects) || subjects.length === 0) return fail('bundle-malformed', 'The in-toto statement in the DSSE envelope has no subjects.');
  if (subjects.length > MAX_INTOTO_SUBJECTS) return fail('bundle-malformed', `The in-toto statement names ${subjects.length} subjects, over the limit of ${MAX_INTOTO_SUBJECTS}.`);
  const predicateType = isObject(statement) && typeof statement.predicateType === 'string' ? statement.predicateType : undefined;
  const ours = new Map<MessageHash, string | undefined>();
  const digestOf = (hash: MessageHash) => {
    if (!ours.has(hash)) ours.set(hash, artifactDigest(artifact, hash)?.toString('hex'));
    return ours.get(hash);
  };
  let comparable = 0;
  for (const subject of subjects) {
    countWork('key-steps');
    if (!isObject(subject) || !isObject(subject.digest)) continue;
    let equal = 0;
    let different = 0;
    for (const hash of COMPARABLE) {
      const claimed = subject.digest[hash];
      const actual = typeof claimed === 'string' ? digestOf(hash) : undefined;
      if (actual === undefined) continue;
      if ((claimed as string).toLowerCase() === actual) equal++; else different++;
    }
    if (equal + different > 0) comparable++;
    if (equal > 0 && different === 0) return ok({ subject: typeof subject.name === 'string' ? subject.name : undefined, predicateType });
  }
  const names = subjects.slice(0, 3).map((s) => (isObject(s) && typeof s.name === 'string' ? `"${escapeUntrusted(s.name)}"` : '(unnamed)')).join(', ');
  if (comparable === 0) {
    return fail('digest-mismatch', `No subject of the in-toto statement (${names}${subjects.length > 3 ? ', …' : ''}) has a digest that can be compared with ${escapeUntrusted(artifact.name, 2000)} (SHA-256${artifact.bytes ? ', SHA-384 or SHA-512' : ''}).`);
  }
  return fail('digest-mismatch', `The attestation is not about ${escapeUntrusted(artifact.name, 2000)} (sha256:${artifact.sha256.toString('hex')}): none of its ${subjects.length} subject(s) (${names}${subjects.length > 3 ? ', …' : ''}) has that digest.`);
}
