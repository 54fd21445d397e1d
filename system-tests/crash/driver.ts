import * as grpc from '@grpc/grpc-js';
import {
  createArticlesCommands,
  type ArticlesCommands,
  type CommandResult,
} from '@fairflax/publishing-api';
import type { CommandStats } from './types.js';
import type { PlannedCall, PlannedCommand } from './workload.js';

export interface DriveOptions {
  address: string;
  concurrency: number;
  onProgress?: (done: number) => void;
  /** A promise means wait for it before starting the next command. */
  hold?: (started: number) => Promise<void> | undefined;
  /** A command still failing on transport after this long fails the run. */
  retryForMs?: number;
}

export interface DriveResult {
  stats: Omit<CommandStats, 'lost'>;
  acknowledged: Map<string, CommandResult>;
}

/** Resent with the same command id: the store answers a stored repeat with the first result. */
const RETRIED = new Set<number>([
  grpc.status.UNAVAILABLE,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.CANCELLED,
  grpc.status.UNKNOWN,
  grpc.status.INTERNAL,
  grpc.status.ABORTED,
  grpc.status.RESOURCE_EXHAUSTED,
]);

/** Replaced on transport failure: an old channel may sit in reconnect backoff for up to 2 min. */
class CommandChannel {
  private client: ArticlesCommands;
  private generation = 0;
  private replacedAt = 0;

  constructor(private readonly address: string) {
    this.client = createArticlesCommands(address, 5_000);
  }

  current(): { client: ArticlesCommands; generation: number } {
    return { client: this.client, generation: this.generation };
  }

  replace(generation: number): void {
    if (generation !== this.generation || Date.now() - this.replacedAt < 200) return;
    this.client.close();
    this.client = createArticlesCommands(this.address, 5_000);
    this.generation++;
    this.replacedAt = Date.now();
  }

  close(): void {
    this.client.close();
  }
}

function send(
  client: ArticlesCommands,
  call: PlannedCall,
  commandId: string,
): Promise<CommandResult> {
  switch (call.type) {
    case 'registerAuthor':
      return client.registerAuthor({ ...call.request, commandId });
    case 'renameAuthor':
      return client.renameAuthor({ ...call.request, commandId });
    case 'draftArticle':
      return client.draftArticle({ ...call.request, commandId });
    case 'reviseArticle':
      return client.reviseArticle({ ...call.request, commandId });
    case 'publishArticle':
      return client.publishArticle({ ...call.request, commandId });
    case 'retractArticle':
      return client.retractArticle({ ...call.request, commandId });
    default: {
      const unknown: never = call;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Never runs two commands with conflicting locks, nor one before an earlier conflicting one. */
export async function driveCommands(
  plan: readonly PlannedCommand[],
  options: DriveOptions,
): Promise<DriveResult> {
  const channel = new CommandChannel(options.address);
  const retryForMs = options.retryForMs ?? 120_000;
  const stats: DriveResult['stats'] = {
    planned: plan.length,
    acknowledged: 0,
    rejected: 0,
    retries: 0,
    answeredAsRepeat: 0,
    byType: {},
    samples: [],
  };
  const acknowledged = new Map<string, CommandResult>();
  // Held locks: a count of shared holders, or -1 for an exclusive holder.
  const held = new Map<string, number>();
  const waiting: PlannedCommand[] = [...plan];
  let inFlight = 0;
  let started = 0;
  let done = 0;
  let holding = false;
  let failure: Error | undefined;

  const execute = async (command: PlannedCommand): Promise<void> => {
    let firstFailure: number | undefined;
    for (let attempt = 0; ; attempt++) {
      const { client, generation } = channel.current();
      try {
        const result = await send(client, command, command.commandId);
        acknowledged.set(command.commandId, result);
        stats.acknowledged++;
        if (result.duplicate) stats.answeredAsRepeat++;
        stats.byType[command.type] = (stats.byType[command.type] ?? 0) + 1;
        return;
      } catch (err) {
        const code = (err as Partial<grpc.ServiceError>).code;
        if (code === undefined || !RETRIED.has(code)) {
          stats.rejected++;
          if (stats.samples.length < 5)
            stats.samples.push(`${command.commandId} ${command.type}: ${(err as Error).message}`);
          return;
        }
        firstFailure ??= Date.now();
        if (Date.now() - firstFailure > retryForMs) {
          throw new Error(
            `${command.commandId} ${command.type} still failing after ${retryForMs} ms: ${(err as Error).message}`,
          );
        }
        stats.retries++;
        if (code === grpc.status.UNAVAILABLE || code === grpc.status.DEADLINE_EXCEEDED)
          channel.replace(generation);
        await sleep(Math.min(50 * 2 ** Math.min(attempt, 5), 1_000));
      }
    }
  };

  const compatible = (command: PlannedCommand, claimed: Map<string, boolean>) =>
    command.locks.every(({ key, shared }) => {
      const holders = held.get(key) ?? 0;
      const earlier = claimed.get(key);
      // An earlier waiter with any claim blocks an exclusive lock; an exclusive one blocks all.
      if (shared) return holders >= 0 && earlier !== false;
      return holders === 0 && earlier === undefined;
    });

  return new Promise<DriveResult>((resolve, reject) => {
    const finish = () => {
      channel.close();
      if (failure) reject(failure);
      else resolve({ stats, acknowledged });
    };
    const fill = () => {
      if (failure) {
        if (inFlight === 0) finish();
        return;
      }
      if (holding) return;
      // Keys earlier waiters want, and whether all of them want them shared.
      const claimed = new Map<string, boolean>();
      for (let i = 0; i < waiting.length && inFlight < options.concurrency && i < 512;) {
        const command = waiting[i]!;
        if (!compatible(command, claimed)) {
          for (const { key, shared } of command.locks)
            claimed.set(key, (claimed.get(key) ?? true) && shared);
          i++;
          continue;
        }
        const hold = options.hold?.(started);
        if (hold) {
          holding = true;
          void hold.then(() => {
            holding = false;
            fill();
          });
          return;
        }
        waiting.splice(i, 1);
        started++;
        for (const { key, shared } of command.locks)
          held.set(key, shared ? (held.get(key) ?? 0) + 1 : -1);
        inFlight++;
        void execute(command).then(
          () => {
            for (const { key, shared } of command.locks) {
              const left = shared ? held.get(key)! - 1 : 0;
              if (left === 0) held.delete(key);
              else held.set(key, left);
            }
            inFlight--;
            done++;
            options.onProgress?.(done);
            if (done === plan.length) finish();
            else fill();
          },
          (err: unknown) => {
            failure ??= err instanceof Error ? err : new Error(String(err));
            inFlight--;
            fill();
          },
        );
      }
    };
    if (plan.length === 0) finish();
    else fill();
  });
}
