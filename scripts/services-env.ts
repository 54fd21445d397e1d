type Env = Readonly<Record<string, string | undefined>>;

export interface ServicesEnv {
  /** What each service runs with. */
  env: Record<string, string | undefined>;
  /** `127.0.0.1:<KAFKA_PORT>` when the supervisor must start kafka.sh's broker there first. */
  localBroker?: string;
}

/**
 * The services' environment under `pnpm start`: TRANSPORT, and on Kafka the broker to use. An
 * explicit KAFKA_BROKERS wins; otherwise kafka.sh's broker on KAFKA_PORT (9092), whose address
 * the services are given, or they would look for one on 9092. Their output goes through a
 * pipe, so on a `terminal` they are told to log pretty lines (in colour) unless LOG_FORMAT says.
 */
export function servicesEnv(env: Env, transport: string, terminal = false): ServicesEnv {
  const withTransport = { ...env, ...logFormatFor(env, terminal), TRANSPORT: transport };
  if (transport !== 'kafka' || env['KAFKA_BROKERS']?.trim()) return { env: withTransport };
  // kafka.sh reads the same variable with the same default (an empty one counts as unset).
  const localBroker = `127.0.0.1:${env['KAFKA_PORT'] || '9092'}`;
  return { env: { ...withTransport, KAFKA_BROKERS: localBroker }, localBroker };
}

function logFormatFor(env: Env, terminal: boolean): Record<string, string> {
  if (!terminal || env['LOG_FORMAT']?.trim()) return {};
  const colour = env['NO_COLOR'] === undefined && env['FORCE_COLOR'] === undefined;
  return colour ? { LOG_FORMAT: 'pretty', FORCE_COLOR: '1' } : { LOG_FORMAT: 'pretty' };
}
