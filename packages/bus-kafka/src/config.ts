import { createHash } from 'node:crypto';
import { ConfigError, type EnvReader } from '@fairflax/service-kit';

/**
 * Which replica of a read service this process is. Every replica keeps a complete read model,
 * so each is its own consumer group: REPLICA_ID when set, else a short hash of the data folder,
 * which stays the same across restarts of one replica and differs between replicas on one host.
 */
export function replicaId(env: EnvReader, cwd = process.cwd()): string {
  const explicit = env.string('REPLICA_ID', '');
  if (explicit !== '') {
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(explicit)) {
      throw new ConfigError(
        'REPLICA_ID',
        `expected 1-100 letters, digits, ".", "_" or "-", got "${explicit}"`,
      );
    }
    return explicit;
  }
  const dataDir = env.string('DATA_DIR', cwd);
  return createHash('sha256').update(dataDir).digest('hex').slice(0, 10);
}

/** The consumer group of one replica of a read service: `fairflax-<service>-<replica>`. */
export function groupIdFor(service: string, env: EnvReader, cwd?: string): string {
  return `fairflax-${service}-${replicaId(env, cwd)}`;
}
