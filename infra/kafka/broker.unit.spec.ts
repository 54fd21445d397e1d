import { describe, expect, it } from 'vitest';
import { reusedBroker } from './broker.js';

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
