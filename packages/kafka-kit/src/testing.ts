import type { Kafka } from 'kafkajs';

type Listener = (event: { payload: object }) => void;

/** For unit tests of code that starts, restarts and closes kafkajs consumers. */
export interface ScriptedConsumers {
  /** Every call in order, tagged by consumer: `connect#1`, `run#1`, `disconnect#1`, `connect#2`. */
  readonly calls: string[];
  readonly kafka: Kafka;
  /** Emits CRASH on the newest consumer, as kafkajs does when it gave up (`restart: false`). */
  crash(error: Error): void;
  holdConnect(): () => void;
}

/** `run()` emits one FETCH, as a consumer that joined its group and fetched would. */
export function scriptedConsumers(): ScriptedConsumers {
  const calls: string[] = [];
  const made: Array<Map<string, Listener>> = [];
  let held: Promise<void> | undefined;
  const kafka = {
    consumer() {
      const listeners = new Map<string, Listener>();
      made.push(listeners);
      const n = made.length;
      const record = (call: string) => void calls.push(`${call}#${n}`);
      return {
        events: {
          CONNECT: 'consumer.connect',
          GROUP_JOIN: 'consumer.group_join',
          FETCH: 'consumer.fetch',
          HEARTBEAT: 'consumer.heartbeat',
          DISCONNECT: 'consumer.disconnect',
          CRASH: 'consumer.crash',
        },
        on(event: string, listener: Listener) {
          listeners.set(event, listener);
          return () => listeners.delete(event);
        },
        async connect() {
          record('connect');
          const wait = held;
          held = undefined;
          await wait;
        },
        subscribe: () => Promise.resolve(record('subscribe')),
        run() {
          record('run');
          listeners.get('consumer.fetch')?.({ payload: {} });
          return Promise.resolve();
        },
        disconnect: () => Promise.resolve(record('disconnect')),
      };
    },
  } as unknown as Kafka;
  return {
    calls,
    kafka,
    crash(error) {
      made.at(-1)?.get('consumer.crash')?.({ payload: { error, groupId: 'g', restart: false } });
    },
    holdConnect() {
      let release = () => {};
      held = new Promise((resolve) => (release = resolve));
      return release;
    },
  };
}
