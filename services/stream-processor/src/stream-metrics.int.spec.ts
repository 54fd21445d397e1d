import { createLogger, envReader, type Closer } from '@fairflax/service-kit';
import { freePort } from '@fairflax/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { BEFORE } from '../test/articles.js';
import { startStreamProcessor } from './service.js';
import { eventually, statsAppSuite } from '../test/support.js';

const { newApp } = statsAppSuite();
const closers: Closer[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** The samples of one metric in a Prometheus exposition, by their label set. */
function samples(exposition: string, metric: string): Record<string, number> {
  const found: Record<string, number> = {};
  for (const line of exposition.split('\n')) {
    const match = new RegExp(`^${metric}(\\{[^}]*\\})? (\\S+)$`).exec(line);
    if (match) found[match[1] ?? ''] = Number(match[2]);
  }
  return found;
}

describe('the stream processor metrics', () => {
  it('serves records processed, commits, partitions held and a lag of 0 once caught up on its configured port', async () => {
    const app = await newApp();
    const sent = await app.append(BEFORE);
    const port = await freePort();
    closers.push(
      await startStreamProcessor({
        env: envReader({
          KAFKA_BROKERS: app.brokers.join(','),
          APPLICATION_ID: app.app,
          INSTANCE_ID: 'metrics',
          STATE_DIR: app.stateDir(),
          ARTICLE_TOPIC: app.articles,
          STATS_TOPIC: app.stats,
          KAFKA_SESSION_TIMEOUT_MS: '6000',
          KAFKA_HEARTBEAT_INTERVAL_MS: '500',
          STREAM_PROCESSOR_METRICS_PORT: String(port),
        }),
        logger: createLogger('stream-processor', { LOG_LEVEL: 'warn' }),
        onFatalError: (err) => {
          throw err;
        },
      }),
    );
    await app.settled();
    const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const processed = () =>
      scrape().then(
        (text) =>
          samples(text, 'fairflax_stream_records_processed_total')['{task="article-facts"}'],
      );
    await eventually('every record sent to be counted', async () => (await processed()) === sent);
    // A lag is reported after each fetch (the last may hold only a transaction marker), so a
    // partition shows once records were fetched from it: both tasks' inputs, caught up.
    const caughtUp = (lags: Record<string, number>) =>
      Object.keys(lags).some((labels) => labels.includes(`topic="${app.articles}"`)) &&
      Object.keys(lags).some((labels) => labels.includes(`topic="${app.repartition}"`)) &&
      Object.values(lags).every((lag) => lag === 0);
    await eventually('both tasks to report being caught up', async () =>
      caughtUp(samples(await scrape(), 'fairflax_stream_consumer_lag')),
    );

    const text = await scrape();
    expect(samples(text, 'fairflax_stream_records_processed_total')).toMatchObject({
      '{task="article-facts"}': sent,
    });
    expect(caughtUp(samples(text, 'fairflax_stream_consumer_lag'))).toBe(true);
    expect(samples(text, 'fairflax_stream_assigned_partitions')).toEqual({
      '{task="article-facts"}': 3,
      '{task="publication-counts"}': 3,
    });
    const commits = samples(text, 'fairflax_stream_commits_total');
    expect(commits['{task="article-facts",outcome="committed"}']).toBeGreaterThan(0);
    expect(samples(text, 'process_cpu_user_seconds_total')['']).toBeGreaterThan(0);

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      running: true,
      partitions: { 'article-facts': [0, 1, 2], 'publication-counts': [0, 1, 2] },
    });
  });
});
