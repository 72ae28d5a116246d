// Child process of the hashing benchmark: hashes one file with our sha256File and reports the time
// and the memory it took, measured in a process that does nothing else.
import { sha256File } from '../server/src/provenance/hash';
import { elapsedMs } from './stats';

export interface HashChildReport {
  ms: number;
  hex: string;
  size: number;
  /** Resident memory just before hashing, bytes. */
  rssBefore: number;
  /** Peak resident memory of the process, bytes. */
  maxRss: number;
}

async function main(file: string): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  const start = process.hrtime.bigint();
  const digest = await sha256File(file);
  const ms = elapsedMs(start);
  if (!digest.ok) throw new Error(digest.error.message);
  const report: HashChildReport = { ms, hex: digest.value.hex, size: digest.value.size, rssBefore, maxRss: process.resourceUsage().maxRSS * 1024 };
  process.stdout.write(JSON.stringify(report));
}

void main(process.argv[2]);
