// What the language status item on a .prov, KEYS or Chart.yaml editor shows for a status: a short text
// ("Verified", "Not packaged", "Unknown signer", "3 KEYS"), a short detail beside it in the hover (the
// signer, or the first words of the message), and one action whose link the hover shows, with the whole
// message as its tooltip. The full sentence used to be the detail: one line that ran off the window and
// hid the action. Pure (no vscode import), so a unit test can hold every state to it.
import type { StatusParams, StatusState } from '../../server/src/lsp/protocol';
import { shortFingerprint } from '../../server/src/lsp/keyText';
import { COMMAND_IDS } from './commandIds';
import { labelText } from './uiText';

/** The longest text and detail shown; longer ones end in "…". */
export const MAX_TEXT = 24;
export const MAX_DETAIL = 60;

const STATE_ICONS: Record<StatusState, string> = {
  verified: '$(verified-filled)',
  rejected: '$(error)',
  unsigned: '$(unverified)',
  'not-packaged': '$(package)',
  stale: '$(warning)',
  'missing-archive': '$(warning)',
  keys: '$(key)',
  checking: '$(loading~spin)',
  removed: '',
};

export interface LanguageStatusCommand { title: string; command: string; arguments?: unknown[]; tooltip?: string }

export interface LanguageStatusView {
  text: string;
  detail: string;
  command: LanguageStatusCommand;
  /** What a screen reader says. */
  label: string;
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

/** "3 keys, 1 expired" → "3 KEYS"; other summaries as they are. */
function shortSummary(status: StatusParams): string {
  if (status.state !== 'keys') return status.summary;
  const count = /^(\d+) keys?\b/.exec(status.summary);
  return count ? `${count[1]} KEYS` : status.summary;
}

/** The first sentence of a message (they start with what happened). */
function firstSentence(message: string): string {
  const end = message.search(/[.:](\s|$)/);
  return end > 0 ? message.slice(0, end) : message;
}

function detailOf(status: StatusParams): string {
  const signer = status.signer;
  if (status.state === 'verified' && signer) return `${signer.uid ?? signer.uids[0] ?? 'signed'} · ${shortFingerprint(signer.fingerprint)}`;
  if (status.state === 'keys') return status.summary.includes(',') ? status.summary.slice(status.summary.indexOf(',') + 1).trim() : 'all current';
  return firstSentence(status.message);
}

/**
 * The one action: the server's first fix (what can work now), else what the state asks for when the
 * workspace is trusted (Package and Sign, Sign Chart), else Verify again (its notification lists every
 * button). `target` is the command argument for the chart or document the status is about.
 */
function commandOf(status: StatusParams, trusted: boolean, target: unknown): LanguageStatusCommand {
  const tooltip = labelText(status.message);
  if (status.state === 'keys') return { title: 'Show Problems', command: 'workbench.actions.view.problems', tooltip };
  const fix = status.fixes?.[0];
  if (fix) return { title: fix.title, command: fix.command, arguments: fix.arguments, tooltip };
  if (trusted && status.state === 'not-packaged') return { title: 'Package and Sign', command: COMMAND_IDS.packageAndSignChart, arguments: [target], tooltip };
  if (trusted && status.state === 'unsigned') return { title: 'Sign Chart', command: COMMAND_IDS.signChart, arguments: [target], tooltip };
  return { title: 'Verify again', command: COMMAND_IDS.verifyChart, arguments: [target], tooltip };
}

/** The state's icon; a warning (identity-required: nothing checked yet) is not shown as an error. */
function iconOf(status: StatusParams): string {
  return status.state === 'rejected' && status.severity === 'warning' ? '$(warning)' : STATE_ICONS[status.state];
}

export function languageStatusView(status: StatusParams, trusted: boolean, target: unknown): LanguageStatusView {
  const summary = labelText(shortSummary(status));
  return {
    text: `${iconOf(status)} ${cut(summary, MAX_TEXT)}`.trim(),
    detail: cut(labelText(detailOf(status)), MAX_DETAIL),
    command: commandOf(status, trusted, target),
    label: `Helm provenance: ${summary}`,
  };
}

/** The same icon and words for the status bar item. */
export function badgeText(status: StatusParams): string {
  return `${iconOf(status)} ${labelText(status.summary)}`.trim();
}
