import { createRequire } from 'node:module';
import type { Kafka as KafkaClient, Producer, Transaction } from 'kafkajs';
import { COMMIT_WINDOW_LINE } from './types.js';

/**
 * Preloaded into the stream processor by the crash test (`node --import`), so that a kill can
 * strike where exactly-once is hardest to keep: between a transaction's produce and its commit.
 *
 * On SIGUSR2 it holds every transaction that reaches `commit()` (its records and offsets are
 * sent, its commit is never asked for) and SIGKILLs its own process once two are held, or once
 * a second has passed with one held, or after five seconds in any case. Several open
 * transactions on the repartition topic are the case that matters: their successors abort them
 * in the order they claim their partitions, not in the order the transactions began. The line
 * it writes before the kill says how many were open; the harness reports it.
 *
 * kafkajs is CommonJS, so patching its `Kafka` class here patches the one the service imports.
 */
const require = createRequire(
  new URL('../../packages/kafka-streams/package.json', import.meta.url),
);
const { Kafka } = require('kafkajs') as { Kafka: { prototype: KafkaClient } };

const held = new Set<string>();
let armedAt: number | undefined;

function killNow(): never {
  process.stderr.write(
    `${COMMIT_WINDOW_LINE} ${held.size} transaction(s) open (${[...held].join(', ')})\n`,
  );
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL was sent');
}

function check(): void {
  if (armedAt === undefined) return;
  const waited = Date.now() - armedAt;
  if (held.size >= 2 || (held.size === 1 && waited >= 1_000) || waited >= 5_000) killNow();
}

process.on('SIGUSR2', () => {
  if (armedAt !== undefined) return;
  armedAt = Date.now();
  setInterval(check, 50).unref();
});

// eslint-disable-next-line @typescript-eslint/unbound-method -- called with the instance's `this`
const producer = Kafka.prototype.producer;
Kafka.prototype.producer = function (
  this: KafkaClient,
  ...args: Parameters<KafkaClient['producer']>
) {
  const created: Producer = producer.apply(this, args);
  const transactionalId = args[0]?.transactionalId ?? 'producer';
  const transaction = created.transaction.bind(created);
  created.transaction = async () => {
    const opened: Transaction = await transaction();
    const commit = opened.commit.bind(opened);
    opened.commit = () => {
      if (armedAt === undefined) return commit();
      held.add(transactionalId);
      check();
      return new Promise<never>(() => undefined);
    };
    return opened;
  };
  return created;
};
