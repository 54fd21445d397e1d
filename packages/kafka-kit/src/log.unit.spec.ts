import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaLogCreator, kafkaLogLevel, type KafkaLogger } from './log.js';

describe('the level of a kafkajs log entry', () => {
  it.each([
    ['Response CreateTopics(key: 19, version: 3)', 'Topic with this name already exists'],
    ['Response JoinGroup(key: 11, version: 5)', 'The group is rebalancing, so a rejoin is needed'],
    ['Response FindCoordinator(key: 10, version: 2)', 'The group coordinator is not available'],
    [
      'Response OffsetFetch(key: 9, version: 4)',
      "The coordinator is loading and hence can't process requests for this group",
    ],
    [
      'Response Heartbeat(key: 12, version: 3)',
      'This is not the correct coordinator for this group',
    ],
    ['Response Metadata(key: 3, version: 6)', 'This server does not host this topic-partition'],
    [
      'Response Metadata(key: 3, version: 6)',
      'There is no leader for this topic-partition as we are in the middle of a leadership election',
    ],
  ])(
    'is debug for an answer kafkajs retries while topics and groups form: %s, %s',
    (message, error) => {
      expect(kafkaLogLevel(logLevel.ERROR, message, error)).toBe('debug');
    },
  );

  it('is debug for the consumer re-joining a rebalancing group', () => {
    expect(kafkaLogLevel(logLevel.WARN, 'The group is rebalancing, re-joining')).toBe('debug');
  });

  it('stays error for an answer that is a real failure, and for failures handed to us', () => {
    const denied = 'Not authorized to access topics: [Topic authorization failed]';
    expect(kafkaLogLevel(logLevel.ERROR, 'Response Produce(key: 0, version: 7)', denied)).toBe(
      'error',
    );
    expect(kafkaLogLevel(logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded')).toBe('error');
    expect(
      kafkaLogLevel(
        logLevel.ERROR,
        'Failed to connect to seed broker, trying another broker from the list: ECONNREFUSED',
      ),
    ).toBe('error');
  });

  it('keeps kafkajs levels otherwise, and drops the idempotent-retries warning', () => {
    expect(kafkaLogLevel(logLevel.WARN, 'Consumer group received unsubscribed topics')).toBe(
      'warn',
    );
    expect(kafkaLogLevel(logLevel.INFO, 'Starting')).toBe('info');
    expect(kafkaLogLevel(logLevel.DEBUG, 'Request Fetch')).toBe('debug');
    expect(
      kafkaLogLevel(
        logLevel.WARN,
        'Limiting retries for the idempotent producer may invalidate EoS guarantees',
      ),
    ).toBeUndefined();
  });
});

describe('the kafkajs log bridge', () => {
  it('sends expected noise to debug, and only to a logger that has debug', () => {
    const seen: string[] = [];
    const record = (level: string) => (obj: object, msg: string) =>
      void seen.push(`${level} ${msg} ${JSON.stringify(obj)}`);
    const withoutDebug: KafkaLogger = {
      info: record('info'),
      warn: record('warn'),
      error: record('error'),
    };
    const withDebug: KafkaLogger = { ...withoutDebug, debug: record('debug') };
    const entry = {
      namespace: 'Connection',
      level: logLevel.ERROR,
      label: 'ERROR',
      log: {
        timestamp: 't',
        message: 'Response CreateTopics(key: 19, version: 3)',
        error: 'Topic with this name already exists',
      },
    };
    kafkaLogCreator(withDebug)(logLevel.INFO)(entry);
    kafkaLogCreator(withoutDebug)(logLevel.INFO)(entry);
    expect(seen).toEqual([
      'debug Response CreateTopics(key: 19, version: 3) {"kafkajs":"Connection","error":"Topic with this name already exists"}',
    ]);
  });
});
