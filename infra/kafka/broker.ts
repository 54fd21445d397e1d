/** kafka.sh's broker for tests; an external KAFKA_BROKERS cluster is never started or stopped. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./kafka.sh', import.meta.url));

/** Own ports and data, so restarting it does not pull the shared broker from under other suites. */
export interface DedicatedBroker {
  port: number;
  controllerPort: number;
}

export interface KafkaCluster {
  brokers: string[];
  startedHere: boolean;
}

/**
 * A dedicated broker on the port in `variable` (default `defaultPort`), its controller on the
 * next one: how a suite that restarts its broker lets a run move it out of another's way.
 */
export function dedicatedBroker(
  variable: string,
  defaultPort: number,
  env: Readonly<Record<string, string | undefined>> = process.env,
): DedicatedBroker {
  const setting = env[variable]?.trim() || String(defaultPort);
  const port = Number(setting);
  if (!/^\d+$/.test(setting) || port < 1024 || port > 65534)
    throw new Error(`${variable} must be a port from 1024 to 65534, got "${env[variable]}"`);
  return { port, controllerPort: port + 1 };
}

export async function ensureKafka(dedicated?: DedicatedBroker): Promise<KafkaCluster> {
  const external = dedicated ? undefined : externalBrokers();
  if (external) return { brokers: external, startedHere: false };
  const output = await kafkaSh('start', dedicated);
  return { brokers: [localBroker(dedicated)], startedHere: !reusedBroker(output) };
}

/** What `kafka.sh start` prints when a broker already answered on the port. */
export function reusedBroker(startOutput: string): boolean {
  return /^kafka: reusing (a|the) broker /m.test(startOutput);
}

/** Topics, records and offsets survive. */
export async function restartKafka(dedicated?: DedicatedBroker): Promise<void> {
  if (!dedicated && externalBrokers())
    throw new Error('KAFKA_BROKERS names an external cluster: not restarted');
  await kafkaSh('restart', dedicated);
}

export async function stopKafka(dedicated?: DedicatedBroker): Promise<void> {
  if (!dedicated && externalBrokers()) return;
  await kafkaSh('stop', dedicated);
}

function localBroker(dedicated?: DedicatedBroker): string {
  return `127.0.0.1:${dedicated?.port ?? process.env['KAFKA_PORT'] ?? '9092'}`;
}

function externalBrokers(): string[] | undefined {
  const list = (process.env['KAFKA_BROKERS'] ?? '')
    .split(',')
    .map((broker) => broker.trim().replace(/^localhost:/, '127.0.0.1:'))
    .filter((broker) => broker !== '');
  const local = list.length === 0 || (list.length === 1 && list[0] === localBroker());
  return local ? undefined : list;
}

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
