// The key look-up commands as data (`keys find`, `release-check`), merged into COMMAND_SPECS so the
// parser, `--help` and the usage text come from one table. Plain data: keyCommands.ts runs them.
import type { CommandSpec } from './commandSpecs';

/** Asked when a command looks keys up and no keyserver is named. */
export const DEFAULT_KEYSERVERS = ['https://keys.openpgp.org'];

const keyserver = { type: 'string', multiple: true, arg: 'URL', help: `a keyserver to ask (VKS, then HKP); repeatable (default for keys find: ${DEFAULT_KEYSERVERS.join(', ')})` } as const;
const wkd = { type: 'boolean', help: 'ask the Web Key Directory of the key\'s e-mail address (advanced, then direct method)' } as const;
const keysFile = { type: 'string', multiple: true, arg: 'F', help: 'a KEYS file to look in (information only); repeatable' } as const;

export const KEY_COMMAND_SPECS = {
  'keys find': {
    args: '<FPR|keyid|email>',
    summary: 'look a key up (KEYS files, WKD, keyservers) and show it: fingerprint, user ids, created,\n' +
      'expiry, where it came from; imports only with --import (network only to the places asked)',
    options: {
      keyserver,
      wkd,
      'keys-file': keysFile,
      import: { type: 'string', arg: 'KEYRING', help: 'merge the key found into this keyring file (.gpg binary, .asc armored), as gpg --import does' },
    },
  },
  'release-check': {
    args: '[artifacts...]',
    summary: 'before a release: can the key sign now and in N days, is it in KEYS, published on each\n' +
      'keyserver/WKD, and do the artifacts (.tgz/.prov, .asc, SHA256SUMS) verify against KEYS',
    options: {
      key: { type: 'string', arg: 'FPR', required: true, help: 'the release key\'s fingerprint' },
      'keys-file': { ...keysFile, help: 'the project\'s KEYS file the artifacts must verify against; repeatable' },
      keyring: { type: 'string', multiple: true, arg: 'F', help: 'where your own copy of the key is (default: pubring.kbx and pubring.gpg in the GnuPG home); repeatable' },
      keyserver: { ...keyserver, help: 'a keyserver the key must be published on; repeatable' },
      wkd: { ...wkd, help: 'the key must be published in the Web Key Directory of each of its addresses' },
      days: { type: 'string', arg: 'N', help: 'the key must still be able to sign in N days (default 30)' },
    },
  },
} satisfies Record<string, CommandSpec>;
