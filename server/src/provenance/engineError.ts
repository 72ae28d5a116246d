// A refusal thrown deep inside a walk (the tar reader, the chart collector, the chart directory walk) and
// turned into a `fail` value at the walk's entry point: the walk stays straight-line code and every
// refusal keeps its code.
import type { EngineErrorCode } from './codes';
import { escapeUntrusted } from './untrustedText';

export class EngineError extends Error {
  // Messages quote entry and file names, PAX keys, symlink targets and Chart.yaml values: escaped whatever the message.
  constructor(readonly code: EngineErrorCode, message: string) { super(escapeUntrusted(message, 2000)); }
}
