// A simple-signing image signature checked as containers/image's signature/simple.go does
// (verifyAndExtractSignature): the OpenPGP signature must be by one of the requirement's keys (judged by
// the engine's strict signatureCheck.ts: no gpg, no GPGME), its JSON must have exactly the
// critical fields (`type` "atomic container signature", `image.docker-manifest-digest`,
// `identity.docker-reference`; any `optional`), then the digest and the identity are compared.
import * as openpgp from 'openpgp';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { isMap, isScalar, type Node } from 'yaml';
import type { LoadedKey } from '../provenance/keyTypes';
import { detachedCheck, judgeSignatures, type Signer } from '../provenance/signatureCheck';
import { escapeUntrusted } from '../provenance/untrustedText';
import { strictUtf8 } from '../provenance/utf8';
import type { ImageSignatureCode } from './codes';
import { digestProblem } from './dockerReference';
import { readSignedMessage } from './signedMessage';
import { keyText, pairsOf, parseJsonText, stringValue } from './sourceText';

export const SIGNATURE_TYPE = 'atomic container signature';

export interface SignaturePayload { manifestDigest: string; dockerReference: string; creator?: string; timestamp?: number }

/** The exact fields of one JSON object (containers/image's ParanoidUnmarshalJSONObjectExactFields); a string says why not. */
function exactFields(node: Node | undefined, names: string[], what: string): Map<string, Node> | string {
  if (!isMap(node)) return `${what} is not a JSON object`;
  const fields = new Map<string, Node>();
  for (const pair of pairsOf(node)) {
    const name = keyText(pair);
    if (!names.includes(name)) return `${what} has the unknown key "${escapeUntrusted(name)}"`;
    fields.set(name, pair.value as Node);
  }
  const missing = names.find((n) => !fields.has(n));
  return missing ? `${what} lacks "${missing}"` : fields;
}

/** The signed JSON, read as strictly as containers/image reads it; a string says why it is refused. */
export function parsePayload(bytes: Uint8Array): SignaturePayload | string {
  const text = strictUtf8(bytes);
  if (text === undefined) return 'the signed content is not UTF-8';
  const src = parseJsonText(text);
  if (src.problems.length > 0 || !src.root) return `the signed content is not valid JSON (${src.problems[0]?.message ?? 'empty'})`;
  const top = exactFields(src.root, ['critical', 'optional'], 'the signed JSON');
  if (typeof top === 'string') return top;
  const optional = top.get('optional');
  if (!isMap(optional)) return '"optional" is not a JSON object';
  const payload: Partial<SignaturePayload> = {};
  for (const pair of pairsOf(optional)) {
    const name = keyText(pair);
    if (name === 'creator') {
      const creator = stringValue(pair.value);
      if (creator === undefined) return 'optional.creator is not a string';
      payload.creator = creator;
    } else if (name === 'timestamp') {
      const v = isScalar(pair.value) ? pair.value.value : undefined;
      if (typeof v !== 'number' || !Number.isInteger(v)) return 'optional.timestamp is not an integer';
      payload.timestamp = v;
    }
  }
  const critical = exactFields(top.get('critical'), ['type', 'image', 'identity'], '"critical"');
  if (typeof critical === 'string') return critical;
  const type = stringValue(critical.get('type'));
  if (type !== SIGNATURE_TYPE) return `critical.type is ${type === undefined ? 'not a string' : `"${escapeUntrusted(type)}"`}, not "${SIGNATURE_TYPE}"`;
  const image = exactFields(critical.get('image'), ['docker-manifest-digest'], 'critical.image');
  if (typeof image === 'string') return image;
  const digest = stringValue(image.get('docker-manifest-digest'));
  if (digest === undefined) return 'critical.image.docker-manifest-digest is not a string';
  const bad = digestProblem(digest);
  if (bad) return `invalid docker-manifest-digest value "${escapeUntrusted(digest)}": ${bad}`;
  const identity = exactFields(critical.get('identity'), ['docker-reference'], 'critical.identity');
  if (typeof identity === 'string') return identity;
  const reference = stringValue(identity.get('docker-reference'));
  if (reference === undefined) return 'critical.identity.docker-reference is not a string';
  return { ...payload, manifestDigest: digest, dockerReference: reference };
}

export interface SignatureVerdict {
  code: ImageSignatureCode;
  message: string;
  signer?: Signer;
  payload?: SignaturePayload;
}

/**
 * One signature file against one requirement's keys, digest and identity rule. `accepts` decides the
 * claimed identity (the rule, bound to the image); the digest is compared exactly.
 */
export async function checkSimpleSignature(bytes: Uint8Array, keys: LoadedKey[], manifestDigest: string, accepts: (claimed: string) => boolean, now: Date): Promise<SignatureVerdict> {
  const message = readSignedMessage(bytes);
  if (typeof message === 'string') return { code: 'image-signature-invalid', message: `Not a simple-signing signature: ${message}.` };
  if (message.signatureCount !== 1) return { code: 'image-signature-invalid', message: `The message holds ${message.signatureCount} signatures; containers/image accepts exactly one.` };
  const content = message.content;
  const judged = await judgeSignatures({
    armoredOrBinary: message.signature,
    keys,
    now,
    classes: [openpgp.enums.signature.binary, openpgp.enums.signature.text],
    crypto: detachedCheck(() => Readable.toWeb(Readable.from([Buffer.from(content)])) as ReadableStream<Uint8Array>),
  });
  if (judged.code === 'unknown-signer') return { code: 'image-signature-untrusted', message: `${judged.message.replace(/ If you trust it.*$/, '')} The policy's keys do not include it.` };
  if (judged.code !== 'verified') return { code: 'image-signature-invalid', message: `${judged.message} (${judged.code})`, signer: judged.signer };
  const payload = parsePayload(content);
  if (typeof payload === 'string') return { code: 'image-signature-invalid', message: `The signature holds, but its content is refused: ${payload}.`, signer: judged.signer };
  if (payload.manifestDigest !== manifestDigest) {
    return { code: 'image-digest-mismatch', message: `Signature for digest ${escapeUntrusted(payload.manifestDigest)} does not match the image's manifest digest ${escapeUntrusted(manifestDigest)}.`, signer: judged.signer, payload };
  }
  if (!accepts(payload.dockerReference)) {
    return { code: 'image-identity-mismatch', message: `Signature for identity "${escapeUntrusted(payload.dockerReference)}" is not accepted by the requirement's signedIdentity.`, signer: judged.signer, payload };
  }
  return { code: 'image-accepted', message: judged.message, signer: judged.signer, payload };
}
