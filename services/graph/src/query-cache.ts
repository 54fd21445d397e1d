import type { ProjectionRunner } from '@fairflax/projections';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  getOperationAST,
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { GRAPHQL_PATH } from './app.js';
import type { GraphExtension } from './extension.js';

/**
 * Root fields answered from the read model's tables alone, which move only on a commit. Not
 * `search`: its index is kept beside the tables and may follow them later.
 */
const READ_MODEL_FIELDS = new Set([
  'article',
  'articles',
  'author',
  'authors',
  'events',
  '__typename',
  '__schema',
  '__type',
]);
export const QUERY_CACHE_ENTRIES = 256;
/** Longer requests are run every time, so that keys cannot hold more than about 1 MiB. */
export const QUERY_CACHE_MAX_KEY = 4_096;
export const QUERY_CACHE_MAX_ANSWER = 256 * 1024;
/** Answers held at once, in bytes of UTF-8. */
export const QUERY_CACHE_MAX_BYTES = 8 * 1024 * 1024;
const JSON_TYPE = 'application/json; charset=utf-8';

interface Pending {
  key: string;
  generation: number;
  cacheable: boolean;
}

/** graph's answers kept until the read model commits, as an extension of its app. */
export const answerCache: GraphExtension = {
  typeDefs: '',
  open: ({ runner }) =>
    Promise.resolve({
      resolvers: {},
      http: (app) => queryCache(app, { path: GRAPHQL_PATH, runner }),
      close: () => Promise.resolve(),
    }),
};

/**
 * Keeps the answer of a query until the read model commits again, for queries whose root fields
 * all read the read model, and only answers without errors: a repeated request skips parsing,
 * the limits, execution and serialisation, which it passed with the same text the first time.
 * At most QUERY_CACHE_ENTRIES answers and QUERY_CACHE_MAX_BYTES, the oldest let go first; a
 * commit empties it.
 */
export function queryCache(
  app: FastifyInstance,
  options: { path: string; runner: ProjectionRunner; maxEntries?: number; maxBytes?: number },
): void {
  const { maxEntries = QUERY_CACHE_ENTRIES, maxBytes = QUERY_CACHE_MAX_BYTES } = options;
  const maxAnswer = Math.min(QUERY_CACHE_MAX_ANSWER, maxBytes);
  const answers = new Map<string, Buffer>();
  let bytes = 0;
  let generation = 0;
  options.runner.onCommitted(() => {
    generation++;
    answers.clear();
    bytes = 0;
  });
  const keep = (key: string, body: Buffer) => {
    const previous = answers.get(key);
    if (previous !== undefined) {
      answers.delete(key);
      bytes -= previous.length;
    }
    for (const [oldest, answer] of answers) {
      if (answers.size < maxEntries && bytes + body.length <= maxBytes) break;
      answers.delete(oldest);
      bytes -= answer.length;
    }
    answers.set(key, body);
    bytes += body.length;
  };
  const pending = new WeakMap<FastifyRequest, Pending>();

  // After the body is parsed and checked (`graphql-over-http.ts`), before mercurius runs.
  app.addHook('preHandler', (request, reply, done) => {
    if (request.routeOptions.url !== options.path) return done();
    const key = requestKey(request);
    if (key === undefined) return done();
    const answer = answers.get(key);
    if (answer !== undefined) {
      reply.type(JSON_TYPE).send(answer);
      return;
    }
    pending.set(request, { key, generation, cacheable: false });
    done();
  });

  app.graphql.addHook('preExecution', (_schema, document, context) => {
    const entry = pending.get(context.reply.request);
    if (entry)
      entry.cacheable = readsOnlyReadModel(document, operationNameOf(context.reply.request));
  });

  app.graphql.addHook('onResolution', (execution, context) => {
    const entry = pending.get(context.reply.request);
    if (entry && execution.errors !== undefined && execution.errors.length > 0) {
      entry.cacheable = false;
    }
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    const entry = pending.get(request);
    if (
      entry?.cacheable === true &&
      entry.generation === generation &&
      reply.statusCode === 200 &&
      typeof payload === 'string' &&
      payload.length <= maxAnswer &&
      // Not an answer replaced after execution (RESPONSE_TOO_LARGE, whose status depends on Accept).
      payload.startsWith('{"data":')
    ) {
      const body = Buffer.from(payload, 'utf8');
      if (body.length <= maxAnswer) keep(entry.key, body);
      return done(null, body);
    }
    done(null, payload);
  });
}

/** The query, variables, operation name and extensions as sent; undefined past the bound. */
/** A WebSocket upgrade to the same path is a subscription connection, never an answer. */
function requestKey(request: FastifyRequest): string | undefined {
  if (request.headers.upgrade !== undefined) return undefined;
  const sent = request.method === 'GET' ? request.query : request.body;
  const key = `${request.method} ${typeof sent === 'string' ? sent : JSON.stringify(sent)}`;
  return key.length <= QUERY_CACHE_MAX_KEY ? key : undefined;
}

function operationNameOf(request: FastifyRequest): string | undefined {
  const sent = (request.method === 'GET' ? request.query : request.body) as
    { operationName?: unknown } | string | undefined;
  const name = typeof sent === 'object' ? sent?.operationName : undefined;
  return typeof name === 'string' ? name : undefined;
}

// mercurius hands the same document to every request with the same query text.
const verdicts = new WeakMap<DocumentNode, Map<string | undefined, boolean>>();

function readsOnlyReadModel(document: DocumentNode, operationName: string | undefined): boolean {
  let byOperation = verdicts.get(document);
  if (!byOperation) verdicts.set(document, (byOperation = new Map<string | undefined, boolean>()));
  let verdict = byOperation.get(operationName);
  if (verdict === undefined) {
    const operation = getOperationAST(document, operationName);
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of document.definitions)
      if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    verdict =
      operation?.operation === OperationTypeNode.QUERY &&
      rootFieldsIn(operation.selectionSet, fragments, new Set()).every((name) =>
        READ_MODEL_FIELDS.has(name),
      );
    byOperation.set(operationName, verdict);
  }
  return verdict;
}

/** Every root field name, through fragments, whatever `@skip` or `@include` decide. */
function rootFieldsIn(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  visited: Set<string>,
): string[] {
  return selectionSet.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return [selection.name.value];
    if (selection.kind === Kind.INLINE_FRAGMENT)
      return rootFieldsIn(selection.selectionSet, fragments, visited);
    const name = selection.name.value;
    const fragment = fragments.get(name);
    if (visited.has(name) || !fragment) return [];
    visited.add(name);
    return rootFieldsIn(fragment.selectionSet, fragments, visited);
  });
}
