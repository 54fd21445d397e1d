import { describe, expect, it } from 'vitest';
import { servicesEnv } from './services-env.js';

describe('servicesEnv', () => {
  it('points the services at the local broker on KAFKA_PORT, which the supervisor starts', () => {
    const { env, localBroker } = servicesEnv({ KAFKA_PORT: '9592', HOME: '/h' }, 'kafka');
    expect(localBroker).toBe('127.0.0.1:9592');
    expect(env).toEqual({
      KAFKA_PORT: '9592',
      HOME: '/h',
      TRANSPORT: 'kafka',
      KAFKA_BROKERS: '127.0.0.1:9592',
    });
  });

  it("uses kafka.sh's default port when KAFKA_PORT is unset or empty", () => {
    expect(servicesEnv({}, 'kafka').localBroker).toBe('127.0.0.1:9092');
    expect(servicesEnv({ KAFKA_PORT: '' }, 'kafka').env['KAFKA_BROKERS']).toBe('127.0.0.1:9092');
  });

  it('lets an explicit KAFKA_BROKERS win, starting no broker', () => {
    const { env, localBroker } = servicesEnv(
      { KAFKA_BROKERS: 'broker-1:9092,broker-2:9092', KAFKA_PORT: '9592' },
      'kafka',
    );
    expect(localBroker).toBeUndefined();
    expect(env['KAFKA_BROKERS']).toBe('broker-1:9092,broker-2:9092');
  });

  it('leaves the brokers alone on the embedded transport', () => {
    const { env, localBroker } = servicesEnv({ KAFKA_PORT: '9592' }, 'embedded');
    expect(localBroker).toBeUndefined();
    expect(env).toEqual({ KAFKA_PORT: '9592', TRANSPORT: 'embedded' });
  });

  it('asks for pretty, coloured logs when the supervisor writes to a terminal', () => {
    expect(servicesEnv({}, 'embedded', true).env).toEqual({
      TRANSPORT: 'embedded',
      LOG_FORMAT: 'pretty',
      FORCE_COLOR: '1',
    });
    expect(servicesEnv({ NO_COLOR: '1' }, 'embedded', true).env['FORCE_COLOR']).toBeUndefined();
  });

  it('leaves the log format alone off a terminal, and when LOG_FORMAT is set', () => {
    expect(servicesEnv({}, 'embedded', false).env['LOG_FORMAT']).toBeUndefined();
    expect(servicesEnv({ LOG_FORMAT: 'json' }, 'embedded', true).env).toEqual({
      LOG_FORMAT: 'json',
      TRANSPORT: 'embedded',
    });
  });
});
