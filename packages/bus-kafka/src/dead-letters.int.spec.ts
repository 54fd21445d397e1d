import { randomBytes } from 'node:crypto';
import { toBusMessage } from '@fairflax/bus';
import type { FairflaxEvent } from '@fairflax/events';
import {
  DEAD_LETTER_TOPIC,
  DeadLetterParking,
  deadLetterReporter,
  listDeadLetters,
  pollReplayRequests,
  requestReplay,
  type DeadLetter,
} from '@fairflax/operations';
import {
  followSource,
  openReadModel,
  ProjectionRunner,
  type Database,
  type Projection,
} from '@fairflax/projections';
import {
  authorRegistered as registered,
  authorRenamed as renamed,
  eventLog,
  journalOf,
  journalProjection,
} from '@fairflax/projections/testing';
import { envReader, type Logger } from '@fairflax/service-kit';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { kafkaForSuite, quietLogger, until } from '../test/kafka.js';
import { KafkaBus, openEventSource } from './index.js';

const SERVICE = 'dead-letters-test';
const POISON = 'poison';

class PoisonEventError extends Error {
  override readonly name = 'PoisonEventError';
}

/**
 * Read model: a journal of the author events applied, in the order they were applied. While
 * `rules.rejectPoison` holds, an author named "poison" makes it throw (after its write, which the
 * runner's savepoint has to undo).
 */
const authorJournal = (rules: { rejectPoison: boolean }): Projection =>
  journalProjection('author-journal', ({ streamId, version, name }) =>
    rules.rejectPoison && name === POISON
      ? new PoisonEventError(`${streamId} v${version} is marked poison`)
      : undefined,
  );

/** `version:name` of each event of `streamId` the read model applied, in the order applied. */
const journalOfStream = (db: Database, streamId: string): string[] =>
  journalOf(db)
    .filter((e) => e.streamId === streamId)
    .map((e) => `${e.version}:${e.name}`);

/** A Kafka record as read back with a plain kafkajs consumer. */
interface TopicRecord {
  partition: number;
  offset: number;
  key: string;
  value: Uint8Array;
  headers: Record<string, string>;
}

/** Reads `topic` from its start with a consumer group of its own until `count` records came. */
async function readTopic(brokers: string[], topic: string, count: number) {
  const kafka = new Kafka({ clientId: `${SERVICE}-reader`, brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: `${SERVICE}-reader-${randomBytes(4).toString('hex')}`,
  });
  const records: TopicRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          if (value !== undefined) headers[name] = value.toString();
        }
        records.push({
          partition,
          offset: Number(message.offset),
          key: message.key?.toString() ?? '',
          value: new Uint8Array(message.value ?? []),
          headers,
        });
        return Promise.resolve();
      },
    });
    await until(`${count} records on ${topic}`, () => records.length >= count);
  } finally {
    await consumer.disconnect();
  }
  return records;
}

describe('dead letters on Kafka', () => {
  const brokers = kafkaForSuite();
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  }, 60_000);

  it('parks a poison event on the dead-letter topic and in the read model, holds back its stream, lets other streams flow, and replays it once fixed', async () => {
    const run = randomBytes(4).toString('hex');
    const prefix = `dead-letters-test-${run}.`;
    const authorTopic = `${prefix}author`;
    const env = envReader({
      KAFKA_BROKERS: brokers().join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_LOG_LEVEL: process.env['KAFKA_TEST_LOG'] ? 'info' : 'nothing',
      REPLICA_ID: run,
    });

    // The relay's side: author events, as the relay writes them, onto the prefixed author topic.
    const writer = new KafkaBus({
      brokers: brokers(),
      logLevel: logLevel.NOTHING,
      logger: quietLogger,
    });
    cleanup.push(() => writer.close());
    const nextEvents = eventLog();
    const appendToLog = (events: FairflaxEvent[]) =>
      writer.publish(
        authorTopic,
        nextEvents(events).map((d) => toBusMessage(d.event)),
      );

    // A read service's side, wired as operations' deadLetters extension does: letters go to the
    // topic in the order parked.
    const source = await openEventSource({
      service: SERVICE,
      articlesAddress: '127.0.0.1:1',
      env,
      logger: quietLogger,
    });
    cleanup.push(() => source.close());
    const rules = { rejectPoison: true };
    const reported: DeadLetter[] = [];
    const reporter = deadLetterReporter(SERVICE, quietLogger as unknown as Logger);
    reporter.forwardTo(source);
    const parking = new DeadLetterParking(authorJournal(rules).name, {
      onParked: (letters) => {
        reported.push(...letters);
        reporter.onParked(letters);
      },
    });
    const runner = new ProjectionRunner(openReadModel(':memory:'), authorJournal(rules), {
      middleware: [parking],
    });
    const { db } = runner;
    cleanup.push(() => {
      db.close();
    });
    const following = followSource(runner, source, quietLogger);
    cleanup.push(() => following.stop());
    cleanup.push(pollReplayRequests(parking, runner, quietLogger, 50));
    /** Each parked event as `stream vN at position: reason, attempts: error`. */
    const parked = () =>
      listDeadLetters(db).map(
        (l) =>
          `${l.event.streamId} v${l.event.streamVersion} at ${l.position}: ${l.reason}, ${l.attempts}: ${l.error}`,
      );

    // 1. Stream A's second event is poison.
    await appendToLog([registered('a'), registered('b'), renamed('a', POISON)]);
    await until('the poison event to be parked', () => listDeadLetters(db).length === 1);
    await until('author b to be registered', () => journalOfStream(db, 'author-b').length === 1);
    const poisonError = 'PoisonEventError: author-a v2 is marked poison';
    expect(parked()).toEqual([`author-a v2 at 3: failed, 1: ${poisonError}`]);
    // Its write was rolled back with its savepoint.
    expect(journalOfStream(db, 'author-a')).toEqual(['1:a']);

    // 2 and 3. Later events: stream B's are applied, stream A's wait behind the poison event.
    await appendToLog([
      renamed('b', 'b-2'),
      renamed('a', 'a-3'),
      renamed('b', 'b-3'),
      renamed('a', 'a-4'),
      renamed('b', 'b-4'),
    ]);
    await until(
      'the rest of author b to be applied',
      () => journalOfStream(db, 'author-b').length === 4,
    );
    await until(
      'the later events of author a to be parked',
      () => listDeadLetters(db).length === 3,
    );
    expect(journalOfStream(db, 'author-b')).toEqual(['1:b', '2:b-2', '3:b-3', '4:b-4']);
    expect(journalOfStream(db, 'author-a')).toEqual(['1:a']);
    const behindPoison = 'sequenced behind the parked event at position 3 of the same stream';
    expect(parked()).toEqual([
      `author-a v2 at 3: failed, 1: ${poisonError}`,
      `author-a v3 at 5: sequenced, 0: ${behindPoison}`,
      `author-a v4 at 7: sequenced, 0: ${behindPoison}`,
    ]);
    expect(reported.map((l) => l.position)).toEqual([3, 5, 7]);

    // 1. Every parked event is on the dead-letter topic: the event's own record (key, bytes and
    // envelope headers, as on the author topic) plus who parked it, where it was, and why.
    await reporter.settled();
    const [log, deadLetters] = await Promise.all([
      readTopic(brokers(), authorTopic, 8),
      readTopic(brokers(), prefix + DEAD_LETTER_TOPIC, 3),
    ]);
    expect(log).toHaveLength(8);
    expect(deadLetters).toHaveLength(3);
    const byPosition = (records: TopicRecord[]) =>
      [...records].sort(
        (x, y) => Number(x.headers['global-position']) - Number(y.headers['global-position']),
      );
    const letters = listDeadLetters(db);
    for (const [i, message] of byPosition(deadLetters).entries()) {
      const letter = letters[i]!;
      const original = log.find((r) => r.headers['event-id'] === letter.event.eventId);
      if (!original) throw new Error(`event ${letter.event.eventId} is not on ${authorTopic}`);
      // The table's letter points at the original record of the author topic.
      expect([letter.source, letter.offset]).toEqual([
        `${authorTopic}/${original.partition}`,
        original.offset,
      ]);
      expect(message.key).toBe(original.key);
      expect(message.value).toEqual(original.value);
      expect(message.headers).toEqual({
        ...original.headers,
        'dead-letter-service': SERVICE,
        'dead-letter-projection': 'author-journal',
        'dead-letter-source': `${authorTopic}/${original.partition}`,
        'dead-letter-position': String(letter.position),
        'dead-letter-offset': String(original.offset),
        'dead-letter-reason': letter.reason,
        'dead-letter-error': letter.error,
        'dead-letter-parked-at': letter.parkedAt,
        'dead-letter-attempts': String(letter.attempts),
      });
    }
    const poisonLetter = byPosition(deadLetters)[0]!;
    expect(poisonLetter.key).toBe('author-a');
    expect(poisonLetter.headers).toMatchObject({
      'event-type': 'AuthorRenamed',
      'stream-version': '2',
      'global-position': '3',
      'dead-letter-position': '3',
      'dead-letter-projection': 'author-journal',
      'dead-letter-reason': 'failed',
      'dead-letter-error': poisonError,
      'dead-letter-attempts': '1',
    });

    // 4. Once the projection accepts it, a replay applies stream A in order and empties the table.
    rules.rejectPoison = false;
    expect(requestReplay(db, { projection: 'author-journal', streamId: 'author-a' })).toEqual({
      events: 3,
      streams: 1,
    });
    await until('the replay to empty the dead letters', () => listDeadLetters(db).length === 0);
    expect(journalOfStream(db, 'author-a')).toEqual(['1:a', `2:${POISON}`, '3:a-3', '4:a-4']);

    // Stream A is no longer held back: its next event is applied straight away.
    await appendToLog([renamed('a', 'a-5')]);
    await until('author a to be renamed again', () => journalOfStream(db, 'author-a').length === 5);
    expect(journalOfStream(db, 'author-a')).toEqual([
      '1:a',
      `2:${POISON}`,
      '3:a-3',
      '4:a-4',
      '5:a-5',
    ]);
    expect(journalOfStream(db, 'author-b')).toHaveLength(4);
    expect(listDeadLetters(db)).toEqual([]);
    expect(reported).toHaveLength(3);
  }, 120_000);
});
