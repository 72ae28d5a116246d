// The protocol of "Verify Chart Reference…" (issue 15): one request taking `oci://host/repo/chart:1.2.3`
// or `repo/chart@version` (a repository of Helm's repositories.yaml). Plain data, so the VS Code client
// may import it. Texts are escaped by the server; credentials are never in them.
import { RequestType, type WorkDoneProgressParams } from 'vscode-languageserver-protocol';
import type { RequestResult } from './protocol';

export const VERIFY_REFERENCE_COMMAND = 'helmProvenance.verifyChartReference';

export interface VerifyReferenceParams extends WorkDoneProgressParams {
  reference: string;
}

/** One kind of signature's outcome, with its code (docs/codes.md). */
export interface ReferenceSignatureOutcome {
  verdict: 'verified' | 'rejected';
  code: string;
  message: string;
  /** On `verified`, who signed: a uid and fingerprint, a certificate identity and issuer, or a key. */
  signer?: string;
}

export interface VerifyReferenceResult {
  /** The reference as resolved: `oci://…`, or the archive in its repository. */
  reference: string;
  verdict: 'verified' | 'rejected';
  code: string;
  message: string;
  manifestDigest?: string;
  chartDigest?: string;
  openpgp?: ReferenceSignatureOutcome;
  /** Absent for a classic repository (cosign signs OCI artifacts only). */
  cosign?: ReferenceSignatureOutcome;
}

export namespace VerifyReferenceRequest {
  export const method = 'helmProvenance/verifyReference';
  export const type = new RequestType<VerifyReferenceParams, RequestResult<VerifyReferenceResult>, void>(method);
}
