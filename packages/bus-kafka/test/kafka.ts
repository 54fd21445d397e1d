import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import {
  dedicatedBroker,
  ensureKafka,
  stopKafka,
  type DedicatedBroker,
} from '@fairflax/kafka-broker';

export { restartKafka } from '@fairflax/kafka-broker';
import type { KafkaLogger } from '@fairflax/kafka-kit';

/**
 * The broker of the suite that restarts it (kafka-bus.int.spec.ts): its own, on other ports, so
 * the restarts do not cut off the suites that run beside it on the shared broker.
 * RESTART_KAFKA_PORT (9292; the controller on the next port) moves it.
 */
export const RESTARTED_BROKER: DedicatedBroker = dedicatedBroker('RESTART_KAFKA_PORT', 9292);

/**
 * Starts the broker unless one answers, and checks it accepts connections; throws (failing the
 * suite, never skipping it) when there is none to be had.
 */
export async function kafkaBrokers(dedicated?: DedicatedBroker): Promise<string[]> {
  let brokers: string[];
  try {
    brokers = (await ensureKafka(dedicated)).brokers;
  } catch (err) {
    throw new Error(
      'No Kafka broker for the integration tests: infra/kafka/kafka.sh start failed ' +
        '(or set KAFKA_BROKERS to a running cluster)',
      { cause: err },
    );
  }
  await Promise.all(brokers.map((broker) => reachable(broker, 5_000)));
  return brokers;
}

/**
 * Registers hooks that find the broker once, and returns its addresses. Without a broker every
 * test of the suite fails with the reason (vitest would report them skipped were beforeAll to
 * throw).
 */
export function kafkaForSuite(dedicated?: DedicatedBroker): () => string[] {
  let brokers: string[] = [];
  let failure: Error | undefined;
  let startedHere = false;
  beforeAll(async () => {
    try {
      brokers = await kafkaBrokers(dedicated);
      startedHere = dedicated !== undefined;
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
    }
  }, 120_000);
  // A dedicated broker is the suite's alone: stop it (and drop its data) when the suite ends.
  afterAll(async () => {
    if (startedHere) await stopKafka(dedicated);
  }, 60_000);
  beforeEach(() => {
    if (failure !== undefined) throw failure;
  });
  return () => brokers;
}

function reachable(broker: string, timeoutMs: number): Promise<void> {
  const colon = broker.lastIndexOf(':');
  const [host, port] = [
    broker.slice(0, colon).replace(/^\[|\]$/g, ''),
    Number(broker.slice(colon + 1)),
  ];
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const fail = (why: string) => {
      socket.destroy();
      reject(
        new Error(`Kafka broker ${broker} is not reachable for the integration tests: ${why}`),
      );
    };
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('timeout', () => fail(`no answer within ${timeoutMs} ms`));
    socket.once('error', (err) => fail(err.message));
  });
}

/**
 * The suites provoke failures (broker restarts, failing handlers), so the adapter's log is
 * silent unless KAFKA_TEST_LOG=1, when it goes to stderr with timestamps.
 */
export const quietLogger: KafkaLogger = process.env['KAFKA_TEST_LOG']
  ? {
      info: (obj, msg) => console.error(new Date().toISOString(), 'INFO', msg, obj),
      warn: (obj, msg) => console.error(new Date().toISOString(), 'WARN', msg, obj),
      error: (obj, msg) => console.error(new Date().toISOString(), 'ERROR', msg, obj),
    }
  : { info: () => undefined, warn: () => undefined, error: () => undefined };

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds, failing after `timeoutMs` with `what`. */
export async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}
