import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GraphQLError, Location } from 'graphql';

const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json';

/** Ranked higher than `application/json`, or as high and listed first. */
export function acceptsGraphqlResponseJson(accept: string | undefined): boolean {
  if (!accept) return false;
  let graphql = { q: 0, at: Infinity };
  let json = { q: 0, at: Infinity };
  accept.split(',').forEach((range, at) => {
    const [type = '', ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    const q = Number(params.find((p) => p.startsWith('q='))?.slice(2) ?? 1);
    const rank = { q: Number.isFinite(q) ? q : 0, at };
    if (type === GRAPHQL_RESPONSE_JSON && rank.q > graphql.q) graphql = rank;
    else if (type === 'application/json' && rank.q > json.q) json = rank;
  });
  return graphql.q > json.q || (graphql.q > 0 && graphql.q === json.q && graphql.at < json.at);
}

const isObject = (value: unknown): value is GraphqlBody =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function badRequest(message: string): Error {
  return Object.assign(new Error(message), { statusCode: 400 });
}

interface GraphqlBody {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
}

/** Also drops `"extensions": null`. */
function checkPost(request: FastifyRequest): Error | undefined {
  const mediaType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json' && mediaType !== 'application/graphql')
    return Object.assign(new Error('send the request as application/json'), { statusCode: 415 });
  const body = request.body as GraphqlBody | string | null | undefined;
  if (typeof body === 'string') return undefined; // application/graphql: the body is the query
  if (!isObject(body)) return badRequest('the request body must be a JSON object');
  if (body.extensions === null) delete body.extensions;
  if (body.extensions !== undefined && !isObject(body.extensions))
    return badRequest('extensions must be an object');
  if (typeof body.query !== 'string') return badRequest('query must be a string');
  if (body.operationName != null && typeof body.operationName !== 'string')
    return badRequest('operationName must be a string');
  if (body.variables != null && !isObject(body.variables))
    return badRequest('variables must be an object');
  return undefined;
}

/** The rules of GraphQL over HTTP that mercurius leaves to us, and a cap on response size. */
export function graphqlOverHttp(
  app: FastifyInstance,
  options: { path: string; maxResponseBytes: number },
): void {
  const onGraphqlPath = (request: FastifyRequest) => request.routeOptions.url === options.path;

  // Runs before mercurius's body schema, which refuses `"extensions": null`.
  app.addHook('preValidation', (request, _reply, done) => {
    if (onGraphqlPath(request) && request.method === 'POST') done(checkPost(request));
    else done();
  });

  // mercurius takes a query that is not GraphQL for a JSON-encoded AST; only parsed ones pass.
  app.graphql.addHook('preValidation', (_schema, document) => {
    if (!((document as { loc?: unknown } | null)?.loc instanceof Location)) {
      throw new GraphQLError('Syntax Error: the query is not a GraphQL document', {
        extensions: { code: 'GRAPHQL_PARSE_FAILED' },
      });
    }
  });

  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload) => {
    if (!onGraphqlPath(request) || !isJson(reply)) return payload;
    const graphqlResponse = acceptsGraphqlResponseJson(request.headers.accept);
    if (graphqlResponse) reply.type(`${GRAPHQL_RESPONSE_JSON}; charset=utf-8`);
    const size = typeof payload === 'string' ? Buffer.byteLength(payload) : 0;
    if (size <= options.maxResponseBytes) return payload;
    request.log.warn({ size, limit: options.maxResponseBytes }, 'GraphQL response too large');
    reply.code(graphqlResponse ? 400 : 200);
    return JSON.stringify({
      errors: [
        {
          message: `the response would be ${size} bytes, more than the limit of ${options.maxResponseBytes}`,
          extensions: { code: 'RESPONSE_TOO_LARGE' },
        },
      ],
    });
  });
}

function isJson(reply: FastifyReply): boolean {
  const type = reply.getHeader('content-type');
  return typeof type === 'string' && type.startsWith('application/json');
}
