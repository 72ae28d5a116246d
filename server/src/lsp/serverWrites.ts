// The files the server writes itself (Package Chart, Sign Chart) and what the editor says about them
// meanwhile. While a write request runs, the watcher's events for archives and `.prov` files wait: the
// request re-checks its chart when it is done, and an event handled halfway (the archive packaged, its
// `.prov` not written yet) would publish "Unsigned" after the request said "Signed". The events are
// handled after the request answered. A file written while its buffer is open is read from disk until
// the editor's content catches up (openDocuments.ts).
import { fileRole } from './fileRoles';
import type { OpenDocuments } from './openDocuments';
import type { Outbox } from './outbox';

export class ServerWrites {
  private running = 0;
  /** Events held back while writes run: file → deleted. */
  private readonly held = new Map<string, boolean>();

  constructor(
    private readonly documents: OpenDocuments,
    private readonly out: Outbox,
    private readonly handle: (file: string, deleted: boolean) => Promise<void>,
  ) {}

  /** Runs a request that writes files; the events it causes are handled once it (and every other) answered. */
  async during<T>(request: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await request();
    } finally {
      if (--this.running === 0) void this.replay();
    }
  }

  /** The server wrote `file` (after it exists in its new form). */
  wrote(file: string): void {
    this.documents.serverWrote(file);
  }

  /** A watcher event: held while the server writes archives or `.prov` files, handled now otherwise. */
  fileChanged(file: string, deleted: boolean): Promise<void> {
    const role = fileRole(file);
    if (this.running > 0 && (role === 'archive' || role === 'prov')) {
      this.held.set(file, deleted);
      this.out.log(`file event for ${file} held until the package or sign request that is writing answers`);
      return Promise.resolve();
    }
    return this.handle(file, deleted);
  }

  private async replay(): Promise<void> {
    const events = [...this.held];
    this.held.clear();
    for (const [file, deleted] of events) await this.handle(file, deleted).catch((e) => this.out.log(`file event for ${file} failed: ${String(e)}`));
  }
}
