import { setTimeout as sleep } from 'node:timers/promises';
import { ConcurrencyError, type EventStore, type StoredEvent } from '@fairflax/event-store';
import {
  articleStream,
  authorStream,
  decodeEvent,
  encodeEvent,
  type ArticleEvent,
  type AuthorEvent,
  type FairflaxEvent,
} from '@fairflax/events';
import {
  decideArticle,
  evolveArticle,
  initialArticleState,
  type ArticleCommand,
  type ArticleState,
} from './domain/article.js';
import {
  decideAuthor,
  evolveAuthor,
  initialAuthorState,
  type AuthorCommand,
} from './domain/author.js';
import { ValidationError } from './domain/errors.js';
import { validId } from './domain/rules.js';
import { StreamQueue } from './stream-queue.js';

/** The domain command without the clock reading. */
type Request<C> = C extends { type: infer T; data: infer D }
  ? { type: T; data: Omit<D, 'now'> }
  : never;

export type ArticleRequest =
  | Exclude<Request<ArticleCommand>, { type: 'DraftArticle' }>
  | {
      type: 'DraftArticle';
      data: { articleId: string; title: string; body: string; category: string; authorId: string };
    };
export type AuthorRequest = Request<AuthorCommand>;

export interface CommandOutcome {
  streamId: string;
  streamVersion: number;
  globalPosition: number;
  duplicate: boolean;
}

export interface CommandContext {
  /** Handled once, whatever the state of the stream now; empty means none. */
  commandId?: string;
  /** Without it, a lost race is re-decided. */
  expectedVersion?: number;
}

/**
 * Authors read by commands decided together, in one event-loop turn and so one commit: each is
 * read once, as each command alone would have read it.
 */
export type AuthorReads = Map<string, Promise<{ id: string; name: string } | null>>;

export interface Clock {
  now(): Date;
  newId(): string;
}

/** Re-deciding after a race lost to another process: full jitter, min(capMs, baseMs * 2^n). */
export interface ConflictRetry {
  attempts: number;
  withinMs: number;
  baseMs: number;
  capMs: number;
}

export const CONFLICT_RETRY: ConflictRetry = {
  attempts: 50,
  withinMs: 5_000,
  baseMs: 2,
  capMs: 100,
};

/** Only another process can move a stream between read and append: that race is re-decided. */
export class ArticlesApplication {
  private readonly streams = new StreamQueue();

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly conflictRetry: ConflictRetry = CONFLICT_RETRY,
  ) {}

  async handleArticle(
    request: ArticleRequest,
    context: CommandContext = {},
  ): Promise<CommandOutcome> {
    return this.handleArticleCommands([request], context);
  }

  /**
   * Commands on one article, each decided on the state the ones before it leave: their events
   * are stored in one append under the context's command id, or none of them is.
   */
  async handleArticleCommands(
    requests: readonly ArticleRequest[],
    context: CommandContext = {},
    authors?: AuthorReads,
  ): Promise<CommandOutcome> {
    const articleId = requests[0]?.data.articleId;
    if (articleId === undefined) throw new RangeError('no command to handle');
    if (requests.some((request) => request.data.articleId !== articleId)) {
      throw new ValidationError('commands stored together must name one article', 'article_id');
    }
    return this.execute(articleStream(articleId), context, async (events) => {
      let state = (events as ArticleEvent[]).reduce(evolveArticle, initialArticleState());
      const now = this.clock.now();
      const decided: ArticleEvent[] = [];
      for (const request of requests) {
        const next = await this.decideArticle(request, state, now, authors);
        state = next.reduce(evolveArticle, state);
        decided.push(...next);
      }
      return decided;
    });
  }

  private async decideArticle(
    request: ArticleRequest,
    state: ArticleState,
    now: Date,
    authors?: AuthorReads,
  ): Promise<ArticleEvent[]> {
    if (request.type === 'DraftArticle') {
      const { authorId } = request.data;
      let read = authors?.get(authorId);
      if (!read) {
        read = this.loadAuthor(authorId);
        authors?.set(authorId, read);
      }
      const author = await read;
      return decideArticle({ type: 'DraftArticle', data: { ...request.data, author, now } }, state);
    }
    return decideArticle({ ...request, data: { ...request.data, now } } as ArticleCommand, state);
  }

  async handleAuthor(
    request: AuthorRequest,
    context: CommandContext = {},
  ): Promise<CommandOutcome> {
    return this.execute(authorStream(request.data.authorId), context, (events) => {
      const state = (events as AuthorEvent[]).reduce(evolveAuthor, initialAuthorState());
      return decideAuthor({ ...request, data: { ...request.data, now: this.clock.now() } }, state);
    });
  }

  /** The drafted event carries the author's current name. */
  private async loadAuthor(authorId: string): Promise<{ id: string; name: string } | null> {
    const stored = await this.store.readStream(authorStream(authorId));
    const state = decodeAll(stored).reduce(
      (s, e) => evolveAuthor(s, e as AuthorEvent),
      initialAuthorState(),
    );
    return state.status === 'registered' ? { id: state.id, name: state.name } : null;
  }

  private async execute(
    streamId: string,
    context: CommandContext,
    decide: (events: FairflaxEvent[]) => FairflaxEvent[] | Promise<FairflaxEvent[]>,
  ): Promise<CommandOutcome> {
    checkContext(context);
    return this.streams.run(streamId, async () => {
      const started = performance.now();
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.decideAndAppend(streamId, context, decide);
        } catch (err) {
          const { attempts, withinMs, baseMs, capMs } = this.conflictRetry;
          const retry =
            err instanceof ConcurrencyError &&
            context.expectedVersion === undefined &&
            attempt < attempts &&
            performance.now() - started < withinMs;
          if (!retry) throw err;
          await sleep(Math.random() * Math.min(capMs, baseMs * 2 ** attempt));
        }
      }
    });
  }

  private async decideAndAppend(
    streamId: string,
    context: CommandContext,
    decide: (events: FairflaxEvent[]) => FairflaxEvent[] | Promise<FairflaxEvent[]>,
  ): Promise<CommandOutcome> {
    const stored = await this.store.readStream(streamId);
    const version = stored.at(-1)?.streamVersion ?? 0;
    const position = stored.at(-1)?.globalPosition ?? 0;
    // The first answer even if the stream moved on: "publish" twice must not fail the second time.
    const earlier = context.commandId ? lastOfCommand(stored, context.commandId) : undefined;
    if (earlier) {
      return {
        streamId,
        streamVersion: earlier.streamVersion,
        globalPosition: earlier.globalPosition,
        duplicate: true,
      };
    }
    if (context.expectedVersion !== undefined && context.expectedVersion !== version) {
      throw new ConcurrencyError(streamId, context.expectedVersion, version);
    }
    const decided = await decide(decodeAll(stored));
    if (decided.length === 0) {
      return { streamId, streamVersion: version, globalPosition: position, duplicate: false };
    }
    const metadata: Record<string, string> = context.commandId
      ? { commandId: context.commandId }
      : {};
    const result = await this.store.append(
      streamId,
      version,
      decided.map((event) => ({ eventId: this.clock.newId(), ...encodeEvent(event), metadata })),
      context.commandId ? { commandId: context.commandId } : {},
    );
    return { streamId, ...result };
  }
}

function checkContext({ commandId, expectedVersion }: CommandContext): void {
  if (commandId) validId('command_id', commandId);
  if (
    expectedVersion !== undefined &&
    !(Number.isSafeInteger(expectedVersion) && expectedVersion >= 0)
  ) {
    throw new ValidationError(
      `expected_version must be a non-negative integer, got ${String(expectedVersion)}`,
      'expected_version',
    );
  }
}

function decodeAll(stored: readonly StoredEvent[]): FairflaxEvent[] {
  return stored.map((e) => decodeEvent(e.type, e.schemaVersion, e.data));
}

function lastOfCommand(stored: readonly StoredEvent[], commandId: string): StoredEvent | undefined {
  for (let i = stored.length - 1; i >= 0; i--) {
    if (stored[i]!.metadata['commandId'] === commandId) return stored[i];
  }
  return undefined;
}
