import { describe, expect, it } from 'vitest';
import { dedicatedBroker, reusedBroker } from './broker.js';

describe('dedicatedBroker', () => {
  it('takes the port from its variable, the controller on the next one', () => {
    expect(dedicatedBroker('RESTART_KAFKA_PORT', 9292, { RESTART_KAFKA_PORT: '9692' })).toEqual({
      port: 9692,
      controllerPort: 9693,
    });
  });

  it('falls back to the default when the variable is unset or blank', () => {
    expect(dedicatedBroker('RESTART_KAFKA_PORT', 9292, {})).toEqual({
      port: 9292,
      controllerPort: 9293,
    });
    expect(dedicatedBroker('RESTART_KAFKA_PORT', 9292, { RESTART_KAFKA_PORT: ' ' }).port).toBe(
      9292,
    );
  });

  it('refuses what is not a port it can use, naming the variable', () => {
    for (const bad of ['92x', '80', '65535', '-1', '9292.5'])
      expect(() => dedicatedBroker('CRASH_KAFKA_PORT', 9392, { CRASH_KAFKA_PORT: bad })).toThrow(
        `CRASH_KAFKA_PORT must be a port from 1024 to 65534, got "${bad}"`,
      );
  });
});

describe('reusedBroker', () => {
  it("tells kafka.sh start's reuse of a running broker from a start", () => {
    expect(
      reusedBroker(
        'kafka: reusing the broker kafka.sh started earlier on 127.0.0.1:9092 (pid 7, data /tmp/x)\n',
      ),
    ).toBe(true);
    expect(
      reusedBroker(
        'kafka: reusing a broker on 127.0.0.1:9092 that kafka.sh did not start from /tmp/x: pid 7\n',
      ),
    ).toBe(true);
    expect(
      reusedBroker(
        'kafka: keeping the KRaft storage found in /tmp/x/logs\n' +
          'kafka: starting Kafka 3.9.2 on 127.0.0.1:9092 (controller 127.0.0.1:9093)\n' +
          'kafka: Kafka 3.9.2 ready on 127.0.0.1:9092 after 3.1s (pid 7, data /tmp/x)\n',
      ),
    ).toBe(false);
  });
});
