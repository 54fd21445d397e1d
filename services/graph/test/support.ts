import type { FairflaxEvent } from '@fairflax/events';
import {
  openReadModel,
  ProjectionRunner,
  type BatchResult,
  type Database,
  type Delivery,
} from '@fairflax/projections';
import { eventLog, newsroomEventsBy } from '@fairflax/projections/testing';
import type { ArticlesCommands, CommandResult } from '@fairflax/publishing-api';
import type { FastifyInstance } from 'fastify';
import { buildApp, type GraphDeps } from '../src/app.js';
import { graphProjection } from '../src/projection.js';
import { ArticleSearch } from '../src/search.js';

/** Wired as main.ts wires it; versions and positions carry on across `given` calls. */
export interface GraphReadSide {
  db: Database;
  search: ArticleSearch;
  runner: ProjectionRunner;
  next(events: readonly FairflaxEvent[]): Delivery[];
  given(...events: FairflaxEvent[]): BatchResult;
}

export function graphReadSide(): GraphReadSide {
  const db = openReadModel(':memory:');
  const search = new ArticleSearch(db);
  const runner = new ProjectionRunner(db, graphProjection);
  runner.onCommitted(search.onCommitted);
  search.rebuild();
  const next = eventLog();
  const given = (...events: FairflaxEvent[]): BatchResult => runner.applyBatch(next(events));
  return { db, search, runner, next, given };
}

export const events = newsroomEventsBy({ authorId: 'a1', authorName: 'Ada Lovelace' });

export interface CommandCall {
  method: Exclude<keyof ArticlesCommands, 'close'>;
  command: object;
}

/** Fails by default: queries must never send commands. */
export function recordingCommands(
  answer: (call: CommandCall) => Promise<CommandResult> = () =>
    Promise.reject(new Error('no command expected')),
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
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
}

export async function postGraphql(
  app: FastifyInstance,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphqlResponse> {
  const res = await app.inject({
    method: 'POST',
    url: '/graphql',
    payload: { query, variables },
    headers,
  });
  return {
    status: res.statusCode,
    headers: res.headers,
    body: res.json<GraphqlResponse['body']>(),
  };
}

/** One published article, `x1` by `a1`; commands fail unless `deps` says otherwise. */
export async function graphWithOneArticle(
  deps: Partial<Omit<GraphDeps, 'db' | 'runner' | 'search'>> = {},
): Promise<{ app: FastifyInstance; side: GraphReadSide }> {
  const side = graphReadSide();
  side.given(
    events.registered('a1', 'Ada Lovelace'),
    events.drafted('x1', 1),
    events.published('x1', 10),
  );
  const app = await buildApp({
    db: side.db,
    runner: side.runner,
    search: side.search,
    commands: recordingCommands(),
    ...deps,
  });
  return { app, side };
}

/** A hostile query: article -> author -> articles -> author ... `levels` selection sets deep. */
export function nestedQuery(levels: number): string {
  let selection = 'name';
  for (let level = 2; level < levels; level += 2)
    selection = `articles(count: 50) { title body author { ${selection} } }`;
  return `{ article(id: "x1") { author { ${selection} } } }`;
}

export const aliasBomb = (aliases: number, count = 50) =>
  `{ ${Array.from({ length: aliases }, (_, i) => `a${i}: search(text: "wind", count: ${count}) { body }`).join(' ')} }`;
