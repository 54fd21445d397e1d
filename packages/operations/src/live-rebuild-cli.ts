import { adminAddressPath, readAdminAddress, type AdminAddress } from './admin-port.js';
import { REBUILD_PATH, type LiveRebuildStatus } from './live-rebuild-admin.js';
import { formatProgress } from './rebuild.js';
import type { EnvReader } from '@fairflax/service-kit';

export interface LiveRebuildCliOptions {
  service: string;
  env: EnvReader;
  write: (text: string) => void;
  tty: boolean;
  pollMs?: number;
}

/** Fails the command with this message and exit status 1. */
class LiveRebuildError extends Error {}

/**
 * `pnpm rebuild-read-model <service> --live`: asks the running service (its admin port, found in
 * `<DATA_DIR>/<service>.admin.json`) to rebuild its read model while it serves, and shows the
 * progress until the swap. Returns the exit status.
 */
export async function runLiveRebuildCli(options: LiveRebuildCliOptions): Promise<number> {
  const { service, env, write, tty, pollMs = 250 } = options;
  try {
    const file = adminAddressPath(env, service);
    const admin = readAdminAddress(file);
    if (!admin) {
      throw new LiveRebuildError(
        `no running ${service} found: ${file} is missing (it is written when ${service} starts ` +
          `with this DATA_DIR). To rebuild a stopped service, leave out --live.`,
      );
    }
    let status = await call(admin, 'POST', service);
    const { id } = status;
    write(`rebuilding ${service} while it serves, into ${status.file ?? '?'}\n`);
    let lastPrinted = '';
    const show = () => {
      const line = formatProgress(status);
      if (tty) write(`\r${line}`);
      else if (line !== lastPrinted) write(`${line}\n`);
      lastPrinted = line;
    };
    while (status.state === 'rebuilding') {
      show();
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      status = await call(admin, 'GET', service);
      if (status.id !== id) throw new LiveRebuildError(`${service} restarted during the rebuild`);
    }
    if (status.state === 'done') show();
    if (tty) write('\n');
    if (status.state === 'failed') {
      throw new LiveRebuildError(
        `${service} rebuild failed: ${status.error ?? 'no reason given'}; it serves its read model as before`,
      );
    }
    write(
      `done: ${status.events} events in ${(status.elapsedMs / 1000).toFixed(1)} s; ` +
        `${service} now serves ${status.file ?? 'the rebuilt read model'}\n`,
    );
    return 0;
  } catch (err) {
    if (!(err instanceof LiveRebuildError)) throw err;
    write(`\n${err.message}\n`);
    return 1;
  }
}

/** The service's admin address when it is running with this DATA_DIR (its admin port answers). */
export async function runningService(
  env: EnvReader,
  service: string,
): Promise<AdminAddress | undefined> {
  const admin = readAdminAddress(adminAddressPath(env, service));
  if (!admin) return undefined;
  try {
    await fetch(`${admin.url}${REBUILD_PATH}`, { signal: AbortSignal.timeout(2_000) });
    return admin;
  } catch {
    return undefined;
  }
}

async function call(
  { url, token }: AdminAddress,
  method: 'GET' | 'POST',
  service: string,
): Promise<LiveRebuildStatus> {
  let response: Response;
  try {
    response = await fetch(`${url}${REBUILD_PATH}`, {
      method,
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw new LiveRebuildError(
      `${service} does not answer on its admin port ${url} (${(err as Error).message}): ` +
        `is it running? A service killed without stopping leaves its admin file behind.`,
    );
  }
  const body = (await response.json().catch(() => ({}))) as LiveRebuildStatus & {
    detail?: string;
  };
  if (response.ok) return body;
  throw new LiveRebuildError(
    `${service} answered ${response.status}${body.detail ? `: ${body.detail}` : ''}`,
  );
}
