// Every command id the extension contributes (package.json `contributes.commands` lists the same).
// The four lens commands come from the shared protocol, so server and client cannot drift apart.
import { COMMANDS } from '../../server/src/lsp/protocol';

export const COMMAND_IDS = {
  ...COMMANDS,
  packageChart: 'helmProvenance.packageChart',
  verifyFileSignature: 'helmProvenance.verifyFileSignature',
  selectSigningKey: 'helmProvenance.selectSigningKey',
  forgetPassphrases: 'helmProvenance.forgetPassphrases',
  showOutput: 'helmProvenance.showOutput',
  verifySigstoreSignature: 'helmProvenance.verifySigstoreSignature',
} as const;
