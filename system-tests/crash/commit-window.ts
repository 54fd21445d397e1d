import { createRequire } from 'node:module';
import type { Kafka as KafkaClient, Producer, Transaction } from 'kafkajs';
import { COMMIT_WINDOW_LINE } from './types.js';

/**
 * Preloaded into the stream processor: on SIGUSR2 it holds transactions at `commit()` and
 * SIGKILLs the process with two open (their successors abort them in partition-claim order).
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
