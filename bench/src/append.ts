import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Database from '@fairflax/sqlite';
import type { NewEvent } from '@fairflax/event-store';
import { openSqliteEventStore } from '@fairflax/event-store-sqlite';
import { encodeEvent, type EncodedEvent } from '@fairflax/events';
import { importArchive } from '@fairflax/operations';
import { createArticlesCommands, type ArticlesCommands } from '@fairflax/publishing-api';
import { freePort, startService, type RunningService } from '@fairflax/testkit';
// The articles service is an application, not a library: its source is measured in place.
import { ArticlesApplication } from '@fairflax/articles/application';
import { prepareSchema } from '../../packages/event-store-sqlite/src/schema.js';
import {
  BENCH_DIR,
  EVENT_SOURCED_SERVICES,
  progress,
  record,
  timedLoop,
  timedSyncLoop,
  type BenchContext,
  type TimedResult,
} from './harness.js';
import { AppendPayloads, BENCH_AUTHOR, benchArticleId } from './payload.js';
import { perSecond } from './stats.js';

const payloads = new AppendPayloads();
const POOL = 64;
// Encoded once: the storage figures measure storing bytes, not protobuf.
const drafted: EncodedEvent[] = [];
const revised: EncodedEvent[] = [];
for (let i = 0; i < POOL; i++) {
  const at = new Date().toISOString();
  drafted.push(encodeEvent(payloads.drafted(i, `article-${i}`, at)));
  revised.push(encodeEvent(payloads.revised(i, `article-${i}`, at)));
}
const rowOf = (i: number) => ((i & 1) === 0 ? drafted : revised)[(i >> 1) % POOL]!;
const newEvent = (i: number): NewEvent => ({ eventId: randomUUID(), ...rowOf(i), metadata: {} });

/** The physical limit: raw inserts of the same rows with the same DDL and pragmas. */
function rawInserts(path: string, seconds: number, perTransaction: number): TimedResult {
  const db = new Database(path);
  try {
    prepareSchema(db);
    const insert = db.prepare(
      `INSERT INTO events (stream_id, stream_version, event_id, type, schema_version, data, metadata, recorded_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertRow = (i: number, at: string) => {
      const row = rowOf(i);
      insert.run(
        `article-${i >> 1}`,
        (i & 1) + 1,
        randomUUID(),
        row.type,
        row.schemaVersion,
        row.data,
        '{}',
        at,
      );
    };
    if (perTransaction === 1) {
      // Autocommit: one statement, one implicit transaction, no BEGIN/COMMIT round trips.
      return timedSyncLoop(seconds, (i) => {
        insertRow(i, new Date().toISOString());
        return 1;
      });
    }
    const batch = db.transaction((first: number) => {
      const at = new Date().toISOString();
      for (let k = 0; k < perTransaction; k++) insertRow(first + k, at);
    });
    return timedSyncLoop(seconds, (i) => {
      batch(i * perTransaction);
      return perTransaction;
    });
  } finally {
    db.close();
  }
}

async function storeSequential(path: string, seconds: number): Promise<TimedResult> {
  const store = openSqliteEventStore(path);
  try {
    return await timedLoop(seconds, 1, async (_, i) => {
      const stream = `article-${i}`;
      await store.append(stream, 0, [newEvent(2 * i)]);
      await store.append(stream, 1, [newEvent(2 * i + 1)]);
      return 2;
    });
  } finally {
    await store.close();
  }
}

const tsxLoader = createRequire(import.meta.url).resolve('tsx');

/** Emmett in its own process: never two SQLite libraries in one process. */
function emmettSequential(path: string, seconds: number): Promise<TimedResult> {
  return new Promise((resolve, reject) => {
    // No "source" condition: Emmett's packages would resolve to their unpublished sources.
    const child = spawn(
      process.execPath,
      ['--import', tsxLoader, 'src/emmett-append.ts', '--file', path, '--seconds', String(seconds)],
      { cwd: BENCH_DIR, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`emmett-append exited with ${code}: ${err}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as TimedResult);
      } catch {
        reject(new Error(`emmett-append printed no result: ${out}${err}`));
      }
    });
  });
}

type DraftAndPublish = (articleId: string, i: number) => Promise<void>;

const commandsLoop = (
  seconds: number,
  concurrency: number,
  run: string,
  draftAndPublish: DraftAndPublish,
) =>
  timedLoop(seconds, concurrency, async (w, i) => {
    await draftAndPublish(benchArticleId(run, w, i), i);
    return 2;
  });

const draftFields = (i: number) => ({
  title: payloads.title(i),
  body: payloads.body(i),
  category: 'business',
  authorId: BENCH_AUTHOR.id,
});

async function inProcessApplication(path: string, ctx: BenchContext, run: number) {
  const store = openSqliteEventStore(path);
  try {
    const app = new ArticlesApplication(store, { now: () => new Date(), newId: randomUUID });
    await app.handleAuthor({
      type: 'RegisterAuthor',
      data: { authorId: BENCH_AUTHOR.id, name: BENCH_AUTHOR.name },
    });
    const draftAndPublish: DraftAndPublish = async (articleId, i) => {
      await app.handleArticle({ type: 'DraftArticle', data: { articleId, ...draftFields(i) } });
      await app.handleArticle({ type: 'PublishArticle', data: { articleId } });
    };
    const { appendSeconds: s, concurrency } = ctx.options;
    const one = await commandsLoop(s, 1, `app${run}c1`, draftAndPublish);
    record(ctx, 'append.app.c1', perSecond(one.operations, one.elapsedMs));
    const many = await commandsLoop(s, concurrency, `app${run}c${concurrency}`, draftAndPublish);
    record(ctx, 'append.app.c16', perSecond(many.operations, many.elapsedMs));
  } finally {
    await store.close();
  }
}

interface CommandsServer {
  service: RunningService;
  commands: ArticlesCommands;
  address: string;
}

async function startCommandsServer(ctx: BenchContext, ceiling: boolean): Promise<CommandsServer> {
  const port = await freePort();
  const service = await startService({
    name: ceiling ? 'grpc-ceiling' : 'articles',
    dir: ceiling ? BENCH_DIR : join(EVENT_SOURCED_SERVICES, 'articles'),
    ...(ceiling && { entry: 'src/grpc-ceiling.ts' }),
    env: {
      PORT: String(port),
      DATA_DIR: join(ctx.tmpDir, 'append-grpc'),
      ARTICLES_PORT: String(port),
      ARTICLES_METRICS_PORT: String(await freePort()),
      ARTICLES_SEED: 'false',
    },
    readyPort: port,
  });
  const commands = createArticlesCommands(`127.0.0.1:${port}`);
  await commands.registerAuthor({ authorId: BENCH_AUTHOR.id, name: BENCH_AUTHOR.name });
  return { service, commands, address: `127.0.0.1:${port}` };
}

const overGrpc =
  (commands: ArticlesCommands): DraftAndPublish =>
  async (articleId, i) => {
    await commands.draftArticle({ articleId, ...draftFields(i) });
    await commands.publishArticle({ articleId });
  };

/** Articles per import: about as long as the other append figures take, at the goal's rate. */
const IMPORT_ARTICLES_PER_SECOND = 8_000;

/** An archive as `pnpm import-articles` reads it: NDJSON in 64 KiB chunks, every article published. */
function archive(run: string, articles: number): Buffer[] {
  const lines = Array.from({ length: articles }, (_, i) =>
    JSON.stringify({
      command_id: `${run}-${i}`,
      author_id: BENCH_AUTHOR.id,
      title: payloads.title(i),
      body: payloads.body(i),
      category: 'business',
      published: true,
    }),
  );
  const bytes = Buffer.from(lines.join('\n') + '\n');
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += 65_536) chunks.push(bytes.subarray(at, at + 65_536));
  return chunks;
}

/** Events stored per second by the import client and ImportArticles, from first byte to summary. */
async function importOverGrpc(address: string, seconds: number, run: number): Promise<TimedResult> {
  await importArchive({ address, input: archive(`import-warm-${run}`, 500) });
  const input = archive(`import-${run}`, Math.round(seconds * IMPORT_ARTICLES_PER_SECOND));
  const start = performance.now();
  const result = await importArchive({ address, input });
  const elapsedMs = performance.now() - start;
  if (result.rejected > 0 || result.duplicates > 0) {
    throw new Error(`the bench archive was not imported whole: ${JSON.stringify(result)}`);
  }
  return { operations: result.events, elapsedMs };
}

export async function benchAppend(ctx: BenchContext): Promise<void> {
  const { runs, appendSeconds: seconds, concurrency: c } = ctx.options;
  progress('append: starting the articles service and the gRPC ceiling');
  const servers = [await startCommandsServer(ctx, false), await startCommandsServer(ctx, true)];
  const release = ctx.onInterrupt(() => Promise.all(servers.map((s) => s.service.stop())));
  const [articles, ceiling] = servers as [CommandsServer, CommandsServer];
  const file = (name: string, run: number) => join(ctx.tmpDir, `append-${name}-${run}.sqlite`);
  const rate = (id: string, { operations, elapsedMs }: TimedResult) =>
    record(ctx, id, perSecond(operations, elapsedMs));
  try {
    for (let run = 1; run <= runs; run++) {
      progress(`append: run ${run}/${runs}`);
      rate('append.raw.tx1', rawInserts(file('raw1', run), seconds, 1));
      rate('append.raw.tx100', rawInserts(file('raw100', run), seconds, 100));
      rate('append.store.sequential', await storeSequential(file('store', run), seconds));
      rate('append.emmett.sequential', await emmettSequential(file('emmett', run), seconds));
      await inProcessApplication(file('app', run), ctx, run);
      const real = overGrpc(articles.commands);
      rate('append.grpc.c1', await commandsLoop(seconds, 1, `grpc${run}c1`, real));
      rate('append.grpc.c16', await commandsLoop(seconds, c, `grpc${run}c${c}`, real));
      const noOp = overGrpc(ceiling.commands);
      rate('append.grpc-ceiling.c16', await commandsLoop(seconds, c, `ceiling${run}`, noOp));
      rate('append.import', await importOverGrpc(articles.address, seconds, run));
    }
  } finally {
    for (const { service, commands } of servers) {
      commands.close();
      await service.stop();
    }
    release();
  }
  Object.assign(ctx.sizes, {
    appendSecondsPerFigure: seconds,
    appendConcurrency: c,
    appendPayloadBytes: averagePayload(),
  });
}

function averagePayload(): number {
  let total = 0;
  for (let i = 0; i < POOL; i++) total += drafted[i]!.data.length + revised[i]!.data.length;
  return Math.round(total / (2 * POOL));
}
