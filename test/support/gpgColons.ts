// Reading `gpg --with-colons` output, to compare our key parsing with the real gpg.

/** Primary fingerprints (the fpr line right after each pub/sec line), sorted. */
export function colonPrimaryFingerprints(colons: string): string[] {
  const lines = colons.split('\n');
  const found: string[] = [];
  lines.forEach((line, i) => {
    if (/^(pub|sec):/.test(line) && lines[i + 1]?.startsWith('fpr:')) found.push(lines[i + 1].split(':')[9]);
  });
  return found.sort();
}
