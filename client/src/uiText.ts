// Text that came from a file (user ids, chart and file names, messages quoting them) shown in VS Code's
// UI goes through the layers of the shared escaper (server/src/provenance/untrustedText.ts): the
// server escapes already, and the client does not rely on it. What the client shows are whole messages
// the server has bounded, so nothing is cut here.
import * as untrusted from '../../server/src/provenance/untrustedText';

/** For notification messages: links cannot start (notifications render no icons). */
export function messageText(s: string): string {
  return untrusted.messageText(s, Infinity);
}

/** For labels, descriptions, titles, placeholders, progress titles, status bar and language status text and tooltips. */
export function labelText(s: string): string {
  return untrusted.labelText(s, Infinity);
}
