export declare const COMMAND_IDS: {
    readonly packageChart: "helmProvenance.packageChart";
    readonly verifyFileSignature: "helmProvenance.verifyFileSignature";
    readonly selectSigningKey: "helmProvenance.selectSigningKey";
    readonly forgetPassphrases: "helmProvenance.forgetPassphrases";
    readonly showOutput: "helmProvenance.showOutput";
    readonly verifyChart: "helmProvenance.verifyChart";
    readonly signChart: "helmProvenance.signChart";
    readonly packageAndSignChart: "helmProvenance.packageAndSignChart";
    readonly openProvenance: "helmProvenance.openProvenance";
};
