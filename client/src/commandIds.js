"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.COMMAND_IDS = void 0;
// Every command id the extension contributes (package.json `contributes.commands` lists the same).
// The four lens commands come from the shared protocol, so server and client cannot drift apart.
const protocol_1 = require("../../server/src/lsp/protocol");
exports.COMMAND_IDS = {
    ...protocol_1.COMMANDS,
    packageChart: 'helmProvenance.packageChart',
    verifyFileSignature: 'helmProvenance.verifyFileSignature',
    selectSigningKey: 'helmProvenance.selectSigningKey',
    forgetPassphrases: 'helmProvenance.forgetPassphrases',
    showOutput: 'helmProvenance.showOutput',
};
//# sourceMappingURL=commandIds.js.map