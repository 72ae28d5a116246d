// Loaded with `NODE_OPTIONS=--require <this file>` into a process the bench cannot start with
// --cpu-prof itself (the language server, spawned by the test's LSP session; NODE_OPTIONS refuses
// --cpu-prof). Profiles the whole process and writes `<pid>.cpuprofile` into $BENCH_CPU_PROFILE_DIR
// at exit. An in-thread inspector session answers synchronously, so the exit handler can write.
import * as fs from 'node:fs';
import { Session } from 'node:inspector';
import * as path from 'node:path';

const dir = process.env.BENCH_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  process.on('exit', () => {
    session.post('Profiler.stop', (err, result) => {
      if (!err) fs.writeFileSync(path.join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
