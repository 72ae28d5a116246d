// Memory of a child process, read from /proc (Linux): the language server is spawned by the test's LSP
// session, which does not hand out its process, so it is found among this process's children.
import * as fs from 'node:fs';

/** Pids of this process's direct children whose command line contains `fragment`. */
export function childPids(fragment: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name in /proc/<pid>/stat may hold spaces: the fields after its closing ')' are fixed.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(fragment)) found.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return found;
}

export interface Memory { rssBytes: number; peakRssBytes: number }

export function memoryOf(pid: number): Memory {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => {
    const match = new RegExp(`^${field}:\\s*(\\d+) kB`, 'm').exec(status);
    if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  };
  return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') };
}
