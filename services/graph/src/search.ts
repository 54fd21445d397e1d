import { Worker } from 'node:worker_threads';
import type { Database, ProjectedEvent } from '@fairflax/projections';
import { touchedArticleIds } from './projection.js';

type SearchDocument = { id: string; title: string; body: string };

/** `index` names one ArticleSearch's index: the thread holds one per instance. */
type ToThread =
  | { kind: 'reset'; index: number }
  | { kind: 'drop'; index: number }
  | { kind: 'update'; index: number; upsert: SearchDocument[]; remove: string[] }
  | { kind: 'search'; index: number; id: number; text: string; count: number }
  | { kind: 'settled'; index: number; id: number };

type FromThread = { id: number; ids: string[] } | { id: number; error: string };

type Waiter = { resolve: (ids: string[]) => void; reject: (err: Error) => void };

/** Published articles sent to the thread per message when an index is filled from SQLite. */
const FILL_CHUNK = 1_000;

/**
 * The thread every index of the process lives on (`search-thread.cjs`), started on first use.
 * Messages are handled in the order they are posted.
 */
class IndexThread {
  private worker?: Worker;
  private readonly waiting = new Map<number, Waiter>();
  private nextRequest = 0;
  /** Told when the thread is lost, with every index it held. */
  readonly lostListeners = new Set<() => void>();

  post(message: ToThread): void {
    this.port().postMessage(message);
  }

  /** The thread keeps the process alive while an answer is awaited, and only then. */
  request(message: (id: number) => ToThread): Promise<string[]> {
    const id = this.nextRequest++;
    const worker = this.port();
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) worker.ref();
      this.waiting.set(id, { resolve, reject });
      worker.postMessage(message(id));
    });
  }

  /** Only for tests: what a crash of the thread does. */
  async terminate(): Promise<void> {
    await this.worker?.terminate();
  }

  private port(): Worker {
    if (this.worker) return this.worker;
    // Plain JavaScript: none of the parent's loaders (tsx, test runners) are needed there.
    const worker = new Worker(new URL('./search-thread.cjs', import.meta.url), { execArgv: [] });
    worker.on('message', (answer: FromThread) => {
      const waiter = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      if (this.waiting.size === 0) worker.unref();
      if ('error' in answer) waiter?.reject(new Error(answer.error));
      else waiter?.resolve(answer.ids);
    });
    const lost = (err: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      for (const waiter of this.waiting.values()) waiter.reject(err);
      this.waiting.clear();
      for (const listener of this.lostListeners) listener();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`search index thread exited (${code})`)));
    // Listening refs the thread; idle, it must not keep the process alive.
    worker.unref();
    this.worker = worker;
    return worker;
  }
}

const thread = new IndexThread();
let nextIndex = 0;

const prepareStatements = (db: Database) => ({
  published: db.prepare<[], SearchDocument>(
    "SELECT id, title, body FROM articles WHERE status = 'PUBLISHED'",
  ),
  publishedAmong: db.prepare<[string], SearchDocument>(
    `SELECT id, title, body FROM articles
     WHERE id IN (SELECT value FROM json_each(?)) AND status = 'PUBLISHED'`,
  ),
});

/**
 * FlexSearch over the published articles, on a thread of its own so that indexing runs beside
 * the projection. Changes only once a batch has committed, so a rolled-back batch leaves no
 * trace in results; a search answers after every change told before it.
 */
export class ArticleSearch {
  private readonly index = nextIndex++;
  private readonly indexed = new Set<string>();
  private statements?: ReturnType<typeof prepareStatements>;
  private closed = false;
  /** The thread was lost with this index in it: fill the next one from SQLite. */
  private readonly onLost = () => {
    if (!this.closed && this.indexed.size > 0) this.rebuild();
  };

  /** The tables need not exist until `rebuild`. */
  constructor(private readonly db: Database) {
    thread.lostListeners.add(this.onLost);
  }

  /** Published articles indexed, or on their way to the thread. */
  get size(): number {
    return this.indexed.size;
  }

  /** From the published articles in SQLite. */
  rebuild(): void {
    if (this.closed) return;
    if (this.indexed.size > 0) thread.post({ kind: 'reset', index: this.index });
    this.indexed.clear();
    let upsert: SearchDocument[] = [];
    const flush = () => {
      thread.post({ kind: 'update', index: this.index, upsert, remove: [] });
      upsert = [];
    };
    for (const doc of this.sql().published.iterate()) {
      upsert.push(doc);
      this.indexed.add(doc.id);
      if (upsert.length === FILL_CHUNK) flush();
    }
    if (upsert.length > 0) flush();
  }

  /** Indexed while published, gone otherwise. */
  reindex(articleIds: readonly string[]): void {
    if (this.closed) return;
    if (articleIds.length === 0) return;
    const upsert = this.sql().publishedAmong.all(JSON.stringify(articleIds));
    const published = new Set<string>();
    for (const doc of upsert) {
      published.add(doc.id);
      this.indexed.add(doc.id);
    }
    const remove = articleIds.filter((id) => !published.has(id) && this.indexed.delete(id));
    if (upsert.length > 0 || remove.length > 0)
      thread.post({ kind: 'update', index: this.index, upsert, remove });
  }

  readonly onCommitted = (applied: readonly ProjectedEvent[]): void => {
    this.reindex(touchedArticleIds(applied));
  };

  /** Title matches first, then body-only matches. */
  search(text: string, count: number): Promise<string[]> {
    if (this.closed) return Promise.reject(new Error('search index closed'));
    return thread.request((id) => ({ kind: 'search', index: this.index, id, text, count }));
  }

  /** Resolves once the thread has indexed every change told so far. */
  async settled(): Promise<void> {
    if (this.closed) return;
    await thread.request((id) => ({ kind: 'settled', index: this.index, id }));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    thread.lostListeners.delete(this.onLost);
    if (this.indexed.size > 0) thread.post({ kind: 'drop', index: this.index });
    this.indexed.clear();
  }

  private sql() {
    this.statements ??= prepareStatements(this.db);
    return this.statements;
  }
}

/** Only for tests: ends the index thread as a crash would. */
export const crashSearchThreadForTests = (): Promise<void> => thread.terminate();
