// The OpenPGP commands of helm-prov as data: their arguments, options and help. The argument parser
// and the help text are both made from these specs, so `--help` (and README's copy of it, compared in a
// test) cannot drift from what the parser accepts.
import type { ParseArgsConfig } from 'node:util';
import { KEY_COMMAND_SPECS } from './keyCommandSpecs';
import { DOCTOR_USAGE, OCI_USAGE, POLICY_USAGE, SIGSTORE_USAGE } from './familyUsage';

interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** The value's placeholder in the help text, for a string option. */
  arg?: string;
  /** Shown without brackets: the command refuses to run without it. */
  required?: boolean;
  help: string;
}

export interface CommandSpec {
  /** The positional arguments as the synopsis shows them. */
  args: string;
  /** One or two lines for the command list. */
  summary: string;
  options: Record<string, OptionSpec>;
}

const keyring = (help: string): OptionSpec => ({ type: 'string', multiple: true, arg: 'F', help });
const trust: OptionSpec = { type: 'string', multiple: true, arg: 'FPR', help: 'accept only signatures by this key (fingerprint); repeatable' };
const json: OptionSpec = { type: 'boolean', help: 'one JSON object per result' };

/** `verify`'s cosign siblings (<archive>.sigstore.json, .sig + .cert): the identity they must carry, as verify-blob names it. */
const cosignSiblingOptions = {
  'certificate-identity': { type: 'string', arg: 'S', help: 'cosign sibling: the certificate identity (SAN) it must carry, exactly' },
  'certificate-identity-regexp': { type: 'string', arg: 'R', help: 'cosign sibling: ... or a regexp matching the whole identity' },
  'certificate-oidc-issuer': { type: 'string', arg: 'S', help: 'cosign sibling: the OIDC issuer it must carry, exactly' },
  'certificate-oidc-issuer-regexp': { type: 'string', arg: 'R', help: 'cosign sibling: ... or a regexp matching the whole issuer' },
  'trusted-root': { type: 'string', arg: 'F', help: 'cosign sibling: the Sigstore trusted_root.json (default: refreshed, else shipped)' },
  staging: { type: 'boolean', help: 'cosign sibling: trust Sigstore\'s staging instance' },
} satisfies Record<string, OptionSpec>;

const signingOptions = {
  key: { type: 'string', arg: '<fpr|uid>', required: true, help: 'the signing key: fingerprint, 16-hex key id, or a unique part of its user id' },
  keyring: keyring('secret keyring for openpgp.js (default: secring.gpg in the GnuPG home); repeatable'),
  'passphrase-file': { type: 'string', arg: 'F|-', help: 'read the passphrase from F (a pipe works) or standard input; else $HELM_PROV_PASSPHRASE, else asked on a terminal' },
  gpg: { type: 'boolean', help: 'sign through gpg (gpg-agent, smartcard), even when a secret keyring holds the key' },
  openpgp: { type: 'boolean', help: 'sign with openpgp.js from a secret keyring only, never through gpg' },
  'gpg-home': { type: 'string', arg: 'DIR', help: 'the GnuPG home gpg uses (default: $GNUPGHOME, else ~/.gnupg)' },
  destination: { type: 'string', short: 'd', arg: 'DIR', help: 'where the archive is found or written (default: .)' },
} satisfies Record<string, OptionSpec>;

export const COMMAND_SPECS = {
  verify: {
    args: '<archive|prov|dir>...',
    summary: 'verify chart archives against their .prov files (x.tgz.prov: x.tgz; dirs: every *.tgz)\n' +
      'and their cosign signatures beside them (x.tgz.sigstore.json, x.tgz.sig + x.tgz.cert)',
    options: {
      keyring: keyring('public keyring or KEYS file (default: pubring.kbx and pubring.gpg in the GnuPG home); repeatable'),
      trust,
      json,
      'fetch-keys': { type: 'boolean', help: 'look unknown signers up on the keyservers (network) and say what was found; still rejected until you import' },
      keyserver: { type: 'string', multiple: true, arg: 'URL', help: 'keyserver for --fetch-keys; repeatable (default https://keys.openpgp.org)' },
      wkd: { type: 'boolean', help: 'with --fetch-keys, also ask the Web Key Directory of the address the signature names' },
      ...cosignSiblingOptions,
    },
  },
  sign: {
    args: '<chart-dir|archive>',
    summary: 'sign an archive; for a directory, its <name>-<version>.tgz in -d (default .) when it is\n' +
      'what packaging the directory writes now, else refused; packaged first when there is none',
    options: signingOptions,
  },
  package: {
    args: '<chart-dir>',
    summary: 'package a chart directory as helm package does, reproducibly (and sign it with --sign)',
    options: {
      destination: signingOptions.destination,
      sign: { type: 'boolean', help: 'sign the archive after packaging (needs --key)' },
      ...Object.fromEntries(Object.entries(signingOptions).filter(([name]) => name !== 'destination')
        .map(([name, spec]) => [name, { ...spec, required: false }])),
    },
  },
  lint: {
    args: '<file.prov|KEYS>...',
    summary: 'report problems with codes and line:column (for a .prov: its structure only; verify\n' +
      'checks the signature and the digest)',
    options: {},
  },
  'verify-file': {
    args: '<file>',
    summary: 'verify a release artifact against a detached signature',
    options: {
      signature: { type: 'string', arg: 'F', help: 'the detached signature (default: <file>.asc)' },
      keyring: keyring('public keyring or KEYS file (default: pubring.kbx and pubring.gpg in the GnuPG home); repeatable'),
      trust,
      json,
    },
  },
  keys: {
    args: '<ring|KEYS>...',
    summary: 'list keys with fingerprints, usage flags and status, as gpg --list-keys does',
    options: {},
  },
  ...KEY_COMMAND_SPECS,
} satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMAND_SPECS;

/** The spec's options as node:util parseArgs takes them. */
export function parseOptionsOf(spec: CommandSpec): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(Object.entries(spec.options).map(([name, o]) =>
    [name, { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) }]));
}

function optionText(name: string, o: OptionSpec): string {
  const flag = `${o.short ? `-${o.short}|` : ''}--${name}${o.arg ? ` ${o.arg}` : ''}`;
  const shown = o.required ? flag : `[${flag}]`;
  return o.multiple ? `${shown}...` : shown;
}

export function synopsis(name: string, spec: CommandSpec): string {
  return [name, spec.args, ...Object.entries(spec.options).map(([n, o]) => optionText(n, o))].join(' ');
}

const INDENT = ' '.repeat(26);

/** The usage entries of the command families that live in files of their own. */
const FAMILY_USAGES = [SIGSTORE_USAGE, OCI_USAGE, POLICY_USAGE, DOCTOR_USAGE];

export const USAGE = `Usage: helm-prov <command> [options]

Commands:
${Object.entries(COMMAND_SPECS as Record<string, CommandSpec>).map(([name, spec]) =>
  `  ${synopsis(name, spec)}\n${spec.summary.split('\n').map((l) => INDENT + l).join('\n')}`).join('\n')}
${FAMILY_USAGES.join('\n')}
  help [command]            this text, or one command's (also: helm-prov <command> --help)
  version                   the version of helm-prov (also: --version)

Keyrings default to $GNUPGHOME (or ~/.gnupg) pubring.kbx and pubring.gpg.
Exit status: 0 all verified or done, 1 anything rejected or failed, 2 a usage error.`;

/** The spec of a command in COMMAND_SPECS; undefined for any other name (`constructor` included). */
export function specOf(name: string): CommandSpec | undefined {
  return Object.hasOwn(COMMAND_SPECS, name) ? (COMMAND_SPECS as Record<string, CommandSpec>)[name] : undefined;
}

/** `helm-prov <command> --help`: the synopsis, what it does and each option; undefined for an unknown command. */
export function commandHelp(name: string): string | undefined {
  const spec = specOf(name);
  // The other command families' own usage entries (a line at two spaces starts one).
  const entries = FAMILY_USAGES.join('\n').split(/\n(?=  \S)/);
  const entry = entries.filter((e) => e.trimStart().startsWith(`${name} `));
  if (!spec) return entry.length > 0 ? `Usage: helm-prov\n${entry.join('\n')}` : undefined;
  const options = Object.entries(spec.options).map(([n, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${n}${o.arg ? ` ${o.arg}` : ''}`;
    return `  ${flag.padEnd(24)}${o.help}`;
  });
  const also = entry.length > 0 ? ['', 'Also:', ...entry] : [];
  return [`Usage: helm-prov ${synopsis(name, spec)}`, '', spec.summary, ...(options.length ? ['', 'Options:', ...options] : []), ...also].join('\n');
}
