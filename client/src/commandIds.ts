// Every command id the extension contributes (package.json `contributes.commands` lists the same).
// The four lens commands and the quick fixes' client commands come from the shared protocol, so server
// and client cannot drift apart.
import { CLIENT_COMMANDS, COMMANDS } from '../../server/src/lsp/protocol';
import { KEY_LOOKUP_COMMANDS, RELEASE_READINESS_COMMAND } from '../../server/src/lsp/keyLookupProtocol';
import { VERIFY_REFERENCE_COMMAND } from '../../server/src/lsp/verifyReferenceProtocol';

export const COMMAND_IDS = {
  ...COMMANDS,
  ...CLIENT_COMMANDS,
  packageChart: 'helmProvenance.packageChart',
  verifyFileSignature: 'helmProvenance.verifyFileSignature',
  selectSigningKey: 'helmProvenance.selectSigningKey',
  forgetPassphrases: 'helmProvenance.forgetPassphrases',
  showOutput: 'helmProvenance.showOutput',
  ...KEY_LOOKUP_COMMANDS,
  checkReleaseReadiness: RELEASE_READINESS_COMMAND,
  restrictedModeWhy: 'helmProvenance.restrictedModeWhy',
  verifyChartReference: VERIFY_REFERENCE_COMMAND,
} as const;
