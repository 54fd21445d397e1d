import type { FairflaxEvent } from '@fairflax/events';
import { openReadModel, ProjectionRunner, type BatchResult, type Database, type Delivery } from '@fairflax/projections';
import { deliveriesOf } from '@fairflax/projections/testing';
import type { FastifyInstance } from 'fastify';
import type { ArticlesCommands, CommandResult } from '@fairflax/publishing-api';
import { graphProjection } from './projection.js';
import { ArticleSearch } from './search.js';

/**
 * Test helper: graph's read model in memory, wired as main.ts wires it, fed by `given(events)`.
 * Stream versions and global positions carry on across calls, as they would in the log.
 */
export interface GraphReadSide {
  db: Database;
  search: ArticleSearch;
  runner: ProjectionRunner;
  /** The deliveries these events would arrive as next, without applying them. */
  next(events: readonly FairflaxEvent[]): Delivery[];
  /** Applies these events as the next batch. */
  given(...events: FairflaxEvent[]): BatchResult;
}

export function graphReadSide(): GraphReadSide {
  const db = openReadModel(':memory:');
  const search = new ArticleSearch(db);
  const runner = new ProjectionRunner(db, graphProjection, { onCommitted: search.onCommitted });
  search.rebuild();
  const versions = new Map<string, number>();
  let position = 0;

  const next = (events: readonly FairflaxEvent[]): Delivery[] => {
    const batch = deliveriesOf(events, position).map((d) => {
      const streamVersion = (versions.get(d.event.streamId) ?? 0) + 1;
      versions.set(d.event.streamId, streamVersion);
      return { ...d, event: { ...d.event, streamVersion } };
    });
    position += events.length;
    return batch;
  };
  const given = (...events: FairflaxEvent[]): BatchResult => runner.applyBatch(next(events));
  return { db, search, runner, next, given };
}

const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 9, minute)).toISOString();

/** Small event builders with sensible defaults, so tests state only what matters to them. */
export const events = {
  authorRegistered: (authorId: string, name: string): FairflaxEvent => ({
    type: 'AuthorRegistered',
    data: { authorId, name, registeredAt: at(0) },
  }),
  authorRenamed: (authorId: string, previousName: string, name: string, minute = 30): FairflaxEvent => ({
    type: 'AuthorRenamed',
    data: { authorId, name, previousName, renamedAt: at(minute) },
  }),
  articleDrafted: (
    articleId: string,
    fields: Partial<{ title: string; body: string; category: string; authorId: string; authorName: string; minute: number }> = {},
  ): FairflaxEvent => ({
    type: 'ArticleDrafted',
    data: {
      articleId,
      title: fields.title ?? `Title of ${articleId}`,
      body: fields.body ?? `Body of ${articleId}`,
      category: fields.category ?? 'business',
      authorId: fields.authorId ?? 'a1',
      authorName: fields.authorName ?? 'Ada Lovelace',
      draftedAt: at(fields.minute ?? 1),
    },
  }),
  articleRevised: (
    articleId: string,
    changes: { title?: string; body?: string; category?: string },
    minute = 20,
  ): FairflaxEvent => ({ type: 'ArticleRevised', data: { articleId, ...changes, revisedAt: at(minute) } }),
  articlePublished: (articleId: string, minute = 10): FairflaxEvent => ({
    type: 'ArticlePublished',
    data: { articleId, publishedAt: at(minute) },
  }),
  articleRetracted: (articleId: string, minute = 40): FairflaxEvent => ({
    type: 'ArticleRetracted',
    data: { articleId, reason: 'factual error', retractedAt: at(minute) },
  }),
  at,
};

export interface CommandCall {
  method: Exclude<keyof ArticlesCommands, 'close'>;
  command: object;
}

/**
 * A stand-in for the articles gRPC client: records each command and answers with `answer`
 * (by default, a failure: queries must never send commands).
 */
export function recordingCommands(
  answer: (call: CommandCall) => Promise<CommandResult> = () => Promise.reject(new Error('no command expected')),
): ArticlesCommands & { calls: CommandCall[] } {
  const calls: CommandCall[] = [];
  const send =
    (method: CommandCall['method']) =>
    (command: object): Promise<CommandResult> => {
      calls.push({ method, command });
      return answer({ method, command });
    };
  return {
    calls,
    draftArticle: send('draftArticle'),
    reviseArticle: send('reviseArticle'),
    publishArticle: send('publishArticle'),
    retractArticle: send('retractArticle'),
    registerAuthor: send('registerAuthor'),
    renameAuthor: send('renameAuthor'),
    close: () => undefined,
  };
}

export interface GraphqlResponse {
  status: number;
  headers: Record<string, unknown>;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
}

/** POSTs a GraphQL request through `app.inject()`. */
export async function postGraphql(
  app: FastifyInstance,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphqlResponse> {
  const res = await app.inject({ method: 'POST', url: '/graphql', payload: { query, variables }, headers });
  return { status: res.statusCode, headers: res.headers, body: res.json<GraphqlResponse['body']>() };
}
