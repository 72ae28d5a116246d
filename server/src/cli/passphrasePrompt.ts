// Asks for a passphrase on the terminal without echoing it, as gpg's and Helm's prompts do. Only when
// standard input is a terminal and not in CI (a pipeline never waits for a person); the passphrase is
// returned to the caller only, never printed or logged.

/** May helm-prov ask a person? Standard input is a terminal, and no CI variable is set. */
export function canPrompt(): boolean {
  const ci = process.env.CI;
  return process.stdin.isTTY === true && typeof process.stdin.setRawMode === 'function' && !(ci && ci !== 'false' && ci !== '0');
}

/**
 * Reads one line from the terminal in raw mode (no echo), at most `maxBytes` of it; undefined when the
 * person cancels (Ctrl-C, Ctrl-D on an empty line). The question goes to standard error.
 */
export function promptHidden(question: string, maxBytes: number): Promise<string | undefined> {
  const stdin = process.stdin;
  return new Promise((resolve) => {
    let typed = '';
    const finish = (value: string | undefined): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish(typed);
        if (ch === '\u0003' || (ch === '\u0004' && typed === '')) return finish(undefined);
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else if (ch === '\u0015') typed = ''; // Ctrl-U: erase the line
        else if (ch >= ' ' && Buffer.byteLength(typed + ch) <= maxBytes) typed += ch;
      }
    };
    // Echo off before the question shows: an answer typed the moment it appears is never echoed.
    stdin.setRawMode(true);
    process.stderr.write(question);
    stdin.resume();
    stdin.on('data', onData);
  });
}
