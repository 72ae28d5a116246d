// `helm-prov policy lint|explain` (containers-policy.json and registries.d) and
// `helm-prov verify-image-signature` (simple-signing GPG image signatures against a policy).
// Thin: reading the named files (bounded) and printing; the checks are in server/src/policy/.
// Exit codes: lint 1 on any error, 0 with warnings only; verify 0 accepted, 1 rejected; 2 usage.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCommandArgs, UsageError, withUsage } from './args';
import { POLICY_USAGE } from './familyUsage';
import { formatProblem } from './format';
import { readBoundedFile } from '../provenance/boundedRead';
import { strictUtf8 } from '../provenance/utf8';
import { escapeUntrusted, jsonLine } from '../provenance/untrustedText';
import type { PolicyProblem } from '../policy/policyModel';
import type { RegistriesConfig } from '../policy/registriesD';

export interface PolicyIo { out: (s: string) => void; err: (s: string) => void }

const MAX_SIGNATURES = 64;

function readText(file: string, what: string, limit: number): string {
  const read = readBoundedFile(file, limit);
  if (!read.ok) throw new UsageError(`${what} ${escapeUntrusted(read.message, 2000)}`);
  const text = strictUtf8(read.bytes);
  if (text === undefined) throw new UsageError(`${what} ${escapeUntrusted(file, 2000)} is not UTF-8 text`);
  return text;
}

async function registriesFrom(dir: string | undefined): Promise<RegistriesConfig | undefined> {
  if (dir === undefined) return undefined;
  const { loadRegistriesDir } = await import('../policy/registriesD');
  const config = loadRegistriesDir(dir);
  if (typeof config === 'string') throw new UsageError(`--registries-d ${config}`);
  return config;
}

function problemJson(file: string, p: PolicyProblem): Record<string, unknown> {
  return { file, code: p.code, severity: p.severity, message: p.message, range: p.range ?? null, fix: p.fix ? { title: p.fix.title, newText: p.fix.newText } : null };
}

async function lint(args: string[], io: PolicyIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { 'registries-d': { type: 'string' }, json: { type: 'boolean' } } as const);
  if (positionals.length !== 1) throw new UsageError('policy lint takes one policy.json');
  const { MAX_POLICY_BYTES } = await import('../policy/sourceText');
  const { lintPolicy } = await import('../policy/policyLint');
  const file = positionals[0];
  const text = readText(file, 'policy', MAX_POLICY_BYTES);
  const registries = await registriesFrom(values['registries-d']);
  const { problems } = await lintPolicy(text, { file, registries });
  const all: [string, PolicyProblem][] = [...problems.map((p): [string, PolicyProblem] => [file, p])];
  for (const [regFile, found] of registries?.problems ?? []) all.push(...found.map((p): [string, PolicyProblem] => [regFile, p]));
  for (const [f, p] of all) {
    if (values.json) io.out(jsonLine(problemJson(f, p)));
    else io.out(`${formatProblem(f, p)}${p.fix ? ` (fix: ${escapeUntrusted(p.fix.title)})` : ''}`);
  }
  const errors = all.filter(([, p]) => p.severity === 'error').length;
  if (!values.json) {
    const { refusedOnLoad } = await import('../policy/policyModel');
    const refused = refusedOnLoad(problems);
    io.out(`${escapeUntrusted(file, 2000)}: ${errors} error(s), ${all.length - errors} warning(s)${refused ? '; the runtime refuses to load this policy' : ''}`);
  }
  return errors ? 1 : 0;
}

async function explain(args: string[], io: PolicyIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { 'registries-d': { type: 'string' } } as const);
  if (positionals.length !== 2) throw new UsageError('policy explain takes a policy.json and an image reference');
  const [file, imageText] = positionals;
  const { MAX_POLICY_BYTES } = await import('../policy/sourceText');
  const { parsePolicy } = await import('../policy/policyParse');
  const { refusedOnLoad } = await import('../policy/policyModel');
  const { parseImageRef, requirementsFor, requirementInWords } = await import('../policy/explain');
  const { signatureLocation, emptyRegistries } = await import('../policy/registriesD');
  const image = parseImageRef(imageText);
  if (typeof image === 'string') throw new UsageError(image);
  const policy = parsePolicy(readText(file, 'policy', MAX_POLICY_BYTES));
  const registries = await registriesFrom(values['registries-d']);
  const { policyIdentity, referenceString } = await import('../policy/dockerReference');
  io.out(`image: docker://${escapeUntrusted(referenceString(image.ref))} (policy identity ${escapeUntrusted(policyIdentity(image.ref))})`);
  if (refusedOnLoad(policy.problems)) {
    io.out(`the runtime refuses to load ${escapeUntrusted(file, 2000)}, so every image is rejected; run: helm-prov policy lint ${escapeUntrusted(file, 2000)}`);
    return 1;
  }
  const choice = requirementsFor(policy, image);
  io.out(choice.scope === undefined
    ? `scope: default (no "docker" scope matches; tried ${choice.tried.map((t) => JSON.stringify(t)).join(', ')})`
    : `scope: transports.docker[${JSON.stringify(choice.scope)}] (most specific of ${choice.tried.map((t) => JSON.stringify(t)).join(', ')})`);
  io.out(`requirements (all must hold):`);
  const { loadOpenPgpKeys, keyLines } = await import('../policy/policyKeys');
  for (const [i, r] of choice.requirements.entries()) {
    io.out(`  ${i + 1}. ${r.type}: ${requirementInWords(r)}`);
    if (r.type !== 'signedBy' || !r.keys) continue;
    // Relative key paths as the runtime opens them: from its working directory.
    const { keys, findings } = await loadOpenPgpKeys(r.keys, process.cwd(), new Date());
    for (const line of keyLines(keys, new Date())) io.out(`     key: ${line}`);
    for (const f of findings) io.out(`     ${f.severity} ${f.code}: ${escapeUntrusted(f.message, 2000)}`);
  }
  const location = signatureLocation(registries ?? emptyRegistries(), image.ref);
  io.out(`simple signatures are read from: ${escapeUntrusted(location.url)}@<algorithm>=<hex>/signature-<n> (${escapeUntrusted(location.from)}${registries ? '' : '; no --registries-d given'})`);
  io.out(`sigstore attachments: ${location.useSigstoreAttachments ? 'read' : 'not read'}${location.attachmentsFrom ? ` (${escapeUntrusted(location.attachmentsFrom)})` : ' (use-sigstore-attachments is not set)'}`);
  const accepts = choice.requirements.every((r) => r.type === 'insecureAcceptAnything');
  const rejects = choice.requirements.some((r) => r.type === 'reject' || r.type === 'signedBaseLayer');
  io.out(`decision: ${rejects ? 'rejected whatever the signatures' : accepts ? 'accepted without signatures' : 'depends on the signatures (verify-image-signature checks them)'}`);
  return 0;
}

/** Signature files: the named ones, or `signature-1`, `-2`, … in the lookaside folder until one is missing (as the runtime reads them). */
function collectSignatures(files: string[] | undefined, lookaside: string | undefined, repoPath: string, digest: string): { name: string; bytes: Uint8Array }[] {
  const limit = 1024 * 1024;
  if (files?.length) {
    return files.map((f) => {
      const read = readBoundedFile(f, limit);
      if (!read.ok) throw new UsageError(`--signature ${escapeUntrusted(read.message, 2000)}`);
      return { name: f, bytes: read.bytes };
    });
  }
  const [algorithm, hex] = digest.split(':');
  const dir = path.join(lookaside!, `${repoPath}@${algorithm}=${hex}`);
  const found: { name: string; bytes: Uint8Array }[] = [];
  for (let i = 1; i <= MAX_SIGNATURES; i++) {
    const file = path.join(dir, `signature-${i}`);
    if (!fs.existsSync(file)) break;
    const read = readBoundedFile(file, limit);
    if (!read.ok) throw new UsageError(`--lookaside-dir ${escapeUntrusted(read.message, 2000)}`);
    found.push({ name: file, bytes: read.bytes });
  }
  return found;
}

async function verifyImageSignature(args: string[], io: PolicyIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    policy: { type: 'string' }, 'registries-d': { type: 'string' }, 'manifest-digest': { type: 'string' },
    signature: { type: 'string', multiple: true }, 'lookaside-dir': { type: 'string' }, json: { type: 'boolean' },
  } as const);
  if (positionals.length !== 1) throw new UsageError('verify-image-signature takes one image reference');
  if (!values.policy) throw new UsageError('give the policy: --policy policy.json');
  const digest = values['manifest-digest'];
  const { digestProblem } = await import('../policy/dockerReference');
  if (!digest || digestProblem(digest)) throw new UsageError(`give the image's manifest digest: --manifest-digest sha256:<64 hex>${digest ? ` ("${escapeUntrusted(digest)}" is not one)` : ''}`);
  const registries = await registriesFrom(values['registries-d']);
  const { parseImageRef } = await import('../policy/explain');
  const image = parseImageRef(positionals[0]);
  if (typeof image === 'string') throw new UsageError(image);
  let lookaside = values['lookaside-dir'];
  if (values.signature?.length && lookaside) throw new UsageError('give --signature files or --lookaside-dir, not both');
  if (!values.signature?.length && !lookaside && registries) {
    // The runtime's own lookaside, when registries.d points at a folder.
    const { signatureLocation } = await import('../policy/registriesD');
    const location = signatureLocation(registries, image.ref);
    if (location.base.startsWith('file:')) lookaside = new URL(location.base).pathname;
  }
  if (!values.signature?.length && !lookaside) throw new UsageError('give the signatures: --signature FILE... or --lookaside-dir DIR (or a registries.d with a file: lookaside)');
  const { MAX_POLICY_BYTES } = await import('../policy/sourceText');
  const { parsePolicy } = await import('../policy/policyParse');
  const { refusedOnLoad } = await import('../policy/policyModel');
  const policy = parsePolicy(readText(values.policy, '--policy', MAX_POLICY_BYTES));
  const ref = escapeUntrusted(positionals[0], 2000);
  if (refusedOnLoad(policy.problems)) {
    const first = policy.problems.find((p) => p.severity === 'error')!;
    return report(io, values.json, { image: ref, accepted: false, code: 'image-rejected-by-policy', message: `The runtime refuses to load the policy (${first.code}: ${first.message}), so every image is rejected.` });
  }
  const signatures = collectSignatures(values.signature, lookaside, image.ref.path, digest);
  const { verifyImage } = await import('../policy/imageVerify');
  const verdict = await verifyImage({ policy, image, manifestDigest: digest, signatures, base: process.cwd() });
  return report(io, values.json, {
    image: ref,
    accepted: verdict.accepted,
    code: verdict.code,
    message: verdict.message,
    scope: verdict.choice.scope ?? null,
    requirements: verdict.requirements.map((r) => ({ type: r.requirement.type, accepted: r.accepted, code: r.code, message: r.message })),
    signer: verdict.requirements.flatMap((r) => r.signatures).find((s) => s.code === 'image-accepted')?.signer?.fingerprint ?? null,
  });
}

function report(io: PolicyIo, json: boolean | undefined, r: { image: string; accepted: boolean; code: string; message: string; scope?: string | null; requirements?: { type: string; accepted: boolean; code: string; message: string }[]; signer?: string | null }): number {
  if (json) io.out(jsonLine(r));
  else {
    io.out(`${r.image}: ${r.accepted ? 'accepted' : `rejected (${r.code})`}${r.scope !== undefined ? ` by ${r.scope === null ? 'the default' : `scope ${JSON.stringify(r.scope)}`}` : ''}`);
    for (const q of r.requirements ?? []) io.out(`  ${q.type}: ${q.accepted ? 'holds' : `fails (${q.code})`}: ${escapeUntrusted(q.message, 4000)}`);
    if (!r.requirements?.length) io.out(`  ${escapeUntrusted(r.message, 4000)}`);
  }
  return r.accepted ? 0 : 1;
}

async function policyCommand(args: string[], io: PolicyIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'lint') return lint(rest, io);
  if (sub === 'explain') return explain(rest, io);
  throw new UsageError(`policy takes lint or explain${sub ? `, not "${escapeUntrusted(sub)}"` : ''}`);
}

export const POLICY_COMMANDS = {
  policy: withUsage(POLICY_USAGE, policyCommand),
  'verify-image-signature': withUsage(POLICY_USAGE, verifyImageSignature),
};
