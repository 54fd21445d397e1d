import type { Database, ProjectionRunner } from '@fairflax/projections';
import type { ArticlesCommands } from '@fairflax/publishing-api';
import { httpLogging, problemResponses, type Logger } from '@fairflax/service-kit';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { getOperationAST, Kind, type DocumentNode } from 'graphql';
import mercurius, { type IResolvers } from 'mercurius';
import { formatGraphqlErrors } from './errors.js';
import { graphqlOverHttp } from './graphql-over-http.js';
import { checkCost, DEFAULT_LIMITS, limitRules, type GraphqlLimits } from './limits.js';
import { EventHistory } from './history.js';
import { GraphReadModel } from './read-model.js';
import { buildLoaders, buildResolvers } from './resolvers.js';
import { schema } from './schema.js';
import type { SchemaPart } from './extension.js';
import type { ArticleSearch } from './search.js';

export const GRAPHQL_PATH = '/graphql';

export interface GraphDeps {
  /** The runner has already created its tables. */
  db: Database;
  runner: ProjectionRunner;
  search: ArticleSearch;
  commands: ArticlesCommands;
  /** Added to the schema and resolvers (`extensions.ts`). */
  extensions?: readonly SchemaPart[];
  feedStatus?: () => object;
  limits?: GraphqlLimits;
  logger?: Logger;
}

export async function buildApp(deps: GraphDeps): Promise<FastifyInstance> {
  const limits = deps.limits ?? DEFAULT_LIMITS;
  // problem+json off the GraphQL path; mercurius takes over the error handler for its routes.
  const problems = problemResponses('graph');
  const app = Fastify({ ...httpLogging(deps.logger), ...problems.serverOptions });
  problems.install(app);
  const readModel = new GraphReadModel(deps.db);
  const history = new EventHistory(deps.db);
  const extensions = deps.extensions ?? [];
  const subscription = extensions.find((e) => e.subscription)?.subscription;
  // Registered first, mercurius uses this WebSocket server rather than one with its defaults.
  if (subscription) await app.register(websocket, subscription.websocket);

  await app.register(mercurius, {
    schema: [schema, ...extensions.map((e) => e.typeDefs)].join('\n'),
    resolvers: withExtensions(
      buildResolvers(readModel, history, deps.search, deps.commands),
      extensions,
    ),
    loaders: buildLoaders(readModel, history),
    path: GRAPHQL_PATH,
    graphiql: true,
    errorFormatter: formatGraphqlErrors,
    validationRules: limitRules(limits),
    graphql: { parseOptions: { maxTokens: limits.maxTokens } },
    ...(subscription && { subscription: subscription.mercurius }),
  });
  // Depends on variables (`count: $n`): a pass is kept only for documents that declare none.
  const withinBudget = new WeakMap<DocumentNode, Set<string | undefined>>();
  app.graphql.addHook('preExecution', (schema, document, context, variables) => {
    const body = context.reply.request.body as { operationName?: unknown } | undefined;
    const operationName =
      typeof body?.operationName === 'string' && getOperationAST(document) === null
        ? body.operationName
        : undefined;
    const passed = withinBudget.get(document);
    if (passed?.has(operationName)) return;
    checkCost(limits, schema, document, variables, operationName);
    if (declaresVariables(document)) return;
    if (passed) passed.add(operationName);
    else withinBudget.set(document, new Set([operationName]));
  });
  graphqlOverHttp(app, { path: GRAPHQL_PATH, maxResponseBytes: limits.maxResponseBytes });
  for (const extension of extensions) await extension.http?.(app);

  app.get('/healthz', () => ({
    status: 'ok',
    position: deps.runner.globalPosition(),
    feed: deps.feedStatus?.() ?? null,
  }));
  return app;
}

/** Each extension's fields join those of the same type. */
function withExtensions(resolvers: IResolvers, extensions: readonly SchemaPart[]): IResolvers {
  const merged: Record<string, unknown> = { ...resolvers };
  for (const { resolvers: extra } of extensions) {
    for (const [type, fields] of Object.entries(extra)) {
      merged[type] = { ...(merged[type] as object | undefined), ...(fields as object) };
    }
  }
  return merged as IResolvers;
}

/** mercurius hands the same document to every request with the same query text. */
function declaresVariables(document: DocumentNode): boolean {
  return document.definitions.some(
    (d) => d.kind === Kind.OPERATION_DEFINITION && (d.variableDefinitions?.length ?? 0) > 0,
  );
}
