/**
 * `profile-service.ts grpc-commands|rss-feed|graph-query [seconds]`: --cpu-prof under load.
 * `feed|catchup-<read model> [events]`, on a generated log: articles serving three catch-ups,
 * or a read model from its start to caught up.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createArticlesCommands, EmbeddedFeed } from '@fairflax/publishing-api';
import { spawn } from 'node:child_process';
import {
  canConnect,
  freePort,
  RunningService,
  startService,
  tsNodeArgs,
  waitFor,
} from '@fairflax/testkit';
import { EVENT_SOURCED_SERVICES, getJson, timedLoop } from './harness.js';
import { AppendPayloads, BENCH_AUTHOR, benchArticleId } from './payload.js';
import {
  describeFrame,
  inclusiveTime,
  mainThreadProfiles,
  packageOf,
  selfTime,
  type CpuProfile,
} from './profile-summary.js';
import { loadEventStore } from './memory.js';
import { generateNewsroomLog } from './newsroom.js';
import { load } from './read-path.js';

const [target = '', amount] = process.argv.slice(2);
const seconds = Number(amount ?? 8);
const readers = { 'rss-feed': 'rss', 'graph-query': 'graph' } as const;
const catchUps = {
  'catchup-graph': 'graph',
  'catchup-rss': 'rss',
  'catchup-sitemap': 'sitemap',
} as const;
const onLog = target === 'feed' || target in catchUps;
if (target !== 'grpc-commands' && !onLog && !(target in readers)) {
  console.error(
    'usage: profile-service.ts grpc-commands|rss-feed|graph-query [seconds]\n' +
      '       profile-service.ts feed|catchup-graph|catchup-rss|catchup-sitemap [events]',
  );
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'fairflax-profile-'));
const profileDir = join(work, 'profiles');
const ports = { articles: await freePort(), metrics: await freePort(), reader: await freePort() };
const env = {
  DATA_DIR: join(work, 'data'),
  ARTICLES_PORT: String(ports.articles),
  ARTICLES_METRICS_PORT: String(ports.metrics),
  ARTICLES_ADDRESS: `127.0.0.1:${ports.articles}`,
  ARTICLES_SEED: target === 'grpc-commands' || onLog ? 'false' : 'true',
  RSS_PORT: String(ports.reader),
  GRAPH_PORT: String(ports.reader),
  SITEMAP_PORT: String(ports.reader),
};
const start = (name: string, port: number) =>
  startService({ name, dir: join(EVENT_SOURCED_SERVICES, name), env, readyPort: port });

/** Like startService, with --cpu-prof (which Node 20 refuses in NODE_OPTIONS). */
async function startProfiled(name: string, port: number): Promise<RunningService> {
  const spec = { name, dir: join(EVENT_SOURCED_SERVICES, name), env };
  const args = ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, ...tsNodeArgs('src/main.ts')];
  const child = spawn(process.execPath, args, {
    cwd: spec.dir,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const service = new RunningService(spec, child);
  await waitFor(`${name} to listen`, () => canConnect(port), 30_000);
  return service;
}

/** The bench's memory log (seed 11), stored where articles will find it. */
const loadLog = () =>
  loadEventStore(
    join(env.DATA_DIR, 'articles-events.sqlite'),
    generateNewsroomLog(Number(amount ?? 100_000), 11).events,
  );

let services: RunningService[] = [];
try {
  if (target === 'grpc-commands') {
    services = [await startProfiled('articles', ports.articles)];
    const commands = createArticlesCommands(env.ARTICLES_ADDRESS);
    await commands.registerAuthor({ authorId: BENCH_AUTHOR.id, name: BENCH_AUTHOR.name });
    const payloads = new AppendPayloads();
    const result = await timedLoop(seconds, 16, async (w, i) => {
      const articleId = benchArticleId('profile', w, i);
      const fields = { title: payloads.title(i), body: payloads.body(i), category: 'business' };
      await commands.draftArticle({ articleId, ...fields, authorId: BENCH_AUTHOR.id });
      await commands.publishArticle({ articleId });
      return 2;
    });
    console.log(
      `${Math.round((result.operations * 1000) / result.elapsedMs)} commands/s while profiling`,
    );
    commands.close();
  } else if (target in catchUps) {
    const reader = catchUps[target as keyof typeof catchUps];
    const head = await loadLog();
    services = [await start('articles', ports.articles)];
    const startedAt = performance.now();
    services.push(await startProfiled(reader, ports.reader));
    await waitFor(
      `${reader} to catch up`,
      async () =>
        (await getJson<{ position: number }>(`http://127.0.0.1:${ports.reader}/healthz`))
          .position >= head,
      600_000,
      20,
    );
    console.log(`${Math.round((head * 1000) / (performance.now() - startedAt))} events/s`);
  } else if (target === 'feed') {
    const head = await loadLog();
    services = [await startProfiled('articles', ports.articles)];
    for (let run = 1; run <= 3; run++) {
      const feed = new EmbeddedFeed(env.ARTICLES_ADDRESS, { batchSize: 5_000 });
      const stop = new AbortController();
      const startedAt = performance.now();
      for await (const batch of feed.batches(() => 0, stop.signal)) {
        if ((batch.at(-1)?.position ?? 0) >= head) break;
      }
      stop.abort();
      feed.close();
      console.log(`${Math.round((head * 1000) / (performance.now() - startedAt))} events/s`);
    }
  } else {
    const reader = readers[target as keyof typeof readers];
    services = [await start('articles', ports.articles)];
    services.push(await startProfiled(reader, ports.reader));
    const base = `http://127.0.0.1:${ports.reader}`;
    await waitFor(
      `${reader} to catch up`,
      async () => (await getJson<{ position: number }>(`${base}/healthz`)).position > 40,
    );
    const result =
      reader === 'rss'
        ? await load({ url: `${base}/feed`, method: 'GET' }, seconds)
        : await load(
            {
              url: `${base}/graphql`,
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({
                query: '{ articles(count: 20) { nodes { id title author { name } } } }',
              }),
            },
            seconds,
          );
    console.log(`${Math.round(result.rps)} req/s while profiling`);
  }
} finally {
  for (const s of services.reverse()) await s.stop();
}

const mainThreads = mainThreadProfiles(readdirSync(profileDir));
if (mainThreads.length === 0) throw new Error(`no main-thread profile in ${profileDir}`);
for (const file of mainThreads) {
  const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile;
  const show = (title: string, key: Parameters<typeof selfTime>[1]) => {
    console.log(`\n${title}`);
    for (const s of selfTime(profile, key).slice(0, 20))
      console.log(`${s.percent.toFixed(1).padStart(5)}%  ${s.name}`);
  };
  show('self time by package', (n) => packageOf(n.callFrame.url));
  show('self time by function', describeFrame);
  console.log('\ninclusive time by function');
  for (const s of inclusiveTime(profile, describeFrame).slice(0, 30))
    console.log(`${s.percent.toFixed(1).padStart(5)}%  ${s.name}`);
}
rmSync(work, { recursive: true, force: true });
