/**
 * The single-node Kafka broker of kafka.sh, for tests (a vitest globalSetup, or a suite that
 * restarts the broker mid-stream). When KAFKA_BROKERS=host:port,... names another cluster than
 * kafka.sh's own 127.0.0.1:<KAFKA_PORT>, nothing is started, restarted or stopped: that cluster
 * is used as it is.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./kafka.sh', import.meta.url));

/**
 * A broker of kafka.sh's own on other ports than the shared one, for a suite that restarts its
 * broker: a restart must not pull the broker from under suites running beside it. Its data
 * lives apart too (kafka.sh keeps one data folder per port). KAFKA_BROKERS does not apply.
 */
export interface DedicatedBroker {
  port: number;
  controllerPort: number;
}

export interface KafkaCluster {
  brokers: string[];
  /** True when this call started the broker, so the caller should stop it when done. */
  startedHere: boolean;
}

/** Starts the broker unless one already answers; resolves once an admin call succeeds. */
export async function ensureKafka(dedicated?: DedicatedBroker): Promise<KafkaCluster> {
  const external = dedicated ? undefined : externalBrokers();
  if (external) return { brokers: external, startedHere: false };
  const output = await kafkaSh('start', dedicated);
  // kafka.sh start says "reusing" when a broker already answered on the port.
  return { brokers: [localBroker(dedicated)], startedHere: !output.includes('reusing') };
}

/** Clean shutdown then start on the same data: topics, records and offsets survive. */
export async function restartKafka(dedicated?: DedicatedBroker): Promise<void> {
  if (!dedicated && externalBrokers())
    throw new Error('KAFKA_BROKERS names an external cluster: not restarted');
  await kafkaSh('restart', dedicated);
}

/** Stops the broker kafka.sh started and deletes its data (KAFKA_KEEP_DATA=1 keeps it). */
export async function stopKafka(dedicated?: DedicatedBroker): Promise<void> {
  if (!dedicated && externalBrokers()) return;
  await kafkaSh('stop', dedicated);
}

function localBroker(dedicated?: DedicatedBroker): string {
  return `127.0.0.1:${dedicated?.port ?? process.env['KAFKA_PORT'] ?? '9092'}`;
}

/** KAFKA_BROKERS, unless it is unset or names kafka.sh's own broker (as a globalSetup sets it). */
function externalBrokers(): string[] | undefined {
  const list = (process.env['KAFKA_BROKERS'] ?? '')
    .split(',')
    .map((broker) => broker.trim().replace(/^localhost:/, '127.0.0.1:'))
    .filter((broker) => broker !== '');
  const local = list.length === 0 || (list.length === 1 && list[0] === localBroker());
  return local ? undefined : list;
}

/** Runs kafka.sh, echoing its progress lines, and resolves with its stdout. */
function kafkaSh(
  command: 'start' | 'stop' | 'restart',
  dedicated?: DedicatedBroker,
): Promise<string> {
  const env = dedicated
    ? {
        ...process.env,
        KAFKA_PORT: String(dedicated.port),
        KAFKA_CONTROLLER_PORT: String(dedicated.controllerPort),
      }
    : process.env;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, command], { stdio: ['ignore', 'pipe', 'inherit'], env });
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(output);
      else
        reject(
          new Error(`infra/kafka/kafka.sh ${command} failed (${signal ?? `exit code ${code}`})`),
        );
    });
  });
}
