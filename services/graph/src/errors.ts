import { status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import { GraphQLError, type ExecutionResult } from 'graphql';
import mercurius, { type MercuriusContext } from 'mercurius';
import { acceptsGraphqlResponseJson } from './graphql-over-http.js';

const { ErrorWithProps } = mercurius;

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number';
}

export function badUserInput(message: string, field?: string): Error {
  return new ErrorWithProps(message, { code: 'BAD_USER_INPUT', ...(field && { field }) }, 400);
}

/** The status rides along for mercurius; `argumentOf` maps wire fields to GraphQL arguments. */
export function toGraphqlError(err: unknown, argumentOf?: (wireField: string) => string): Error {
  if (!isServiceError(err)) return err instanceof Error ? err : new Error(String(err));
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- the rest are internal
  switch (err.code) {
    case grpcStatus.INVALID_ARGUMENT: {
      const wireField = err.metadata?.get('field')[0];
      if (typeof wireField !== 'string' || !argumentOf) return badUserInput(err.details);
      const field = argumentOf(wireField);
      const message = err.details.startsWith(`${wireField} `)
        ? field + err.details.slice(wireField.length)
        : err.details;
      return badUserInput(message, field);
    }
    case grpcStatus.NOT_FOUND:
      return new ErrorWithProps(err.details, { code: 'NOT_FOUND' }, 404);
    case grpcStatus.FAILED_PRECONDITION:
    case grpcStatus.ABORTED:
      return new ErrorWithProps(err.details, { code: 'CONFLICT' }, 409);
    case grpcStatus.UNAVAILABLE:
    case grpcStatus.DEADLINE_EXCEEDED:
      return new ErrorWithProps(
        'the articles service is unavailable',
        { code: 'SERVICE_UNAVAILABLE' },
        503,
      );
    default:
      return new ErrorWithProps('internal error', { code: 'INTERNAL_SERVER_ERROR' }, 500);
  }
}

/** HTTP-level failures (fastify's or mercurius's own). */
const HTTP_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

interface Classified {
  error: GraphQLError;
  httpStatus?: number;
  internal?: boolean;
}

const withCode = (error: GraphQLError, code: string, message = error.message) =>
  new GraphQLError(message, {
    nodes: error.nodes ?? null,
    ...(error.path && { path: error.path }),
    extensions: { ...error.extensions, code },
  });

/** Hides what an unexpected error says. */
function classify(error: GraphQLError): Classified {
  const original: (Error & { statusCode?: unknown }) | undefined = error.originalError;
  if (typeof error.extensions['code'] === 'string') {
    const status = original?.statusCode;
    return { error, internal: status === 500 };
  }
  if (original === undefined || original instanceof GraphQLError) {
    if (error.message.startsWith('Syntax Error:')) {
      const tooLong = /tokens\. Parsing aborted\.$/.test(error.message);
      return { error: withCode(error, tooLong ? 'TOO_MANY_TOKENS' : 'GRAPHQL_PARSE_FAILED') };
    }
    if (error.message.startsWith('Variable "$'))
      return { error: withCode(error, 'BAD_USER_INPUT') };
    return { error: withCode(error, 'GRAPHQL_VALIDATION_FAILED') };
  }
  const status = original.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { error: withCode(error, HTTP_CODES[status] ?? 'BAD_REQUEST'), httpStatus: status };
  }
  return {
    error: withCode(error, 'INTERNAL_SERVER_ERROR', 'internal error'),
    internal: true,
  };
}

/** mercurius nests parse, validation and HTTP-level (405) errors in `originalError.errors`. */
function flatten(errors: readonly GraphQLError[]): Classified[] {
  return errors.flatMap((error) => {
    const original = error.originalError as { errors?: unknown; statusCode?: unknown } | undefined;
    if (!Array.isArray(original?.errors)) return [classify(error)];
    const inner = original.errors.map((e: unknown) =>
      e instanceof GraphQLError ? e : new GraphQLError((e as Error).message),
    );
    const status = original.statusCode;
    if (typeof status !== 'number' || status === 400) return inner.map(classify);
    const code = HTTP_CODES[status] ?? 'BAD_REQUEST';
    return inner.map((e) => ({ error: withCode(e, code), httpStatus: status }));
  });
}

/** mercurius's errorFormatter; the shape and statuses: README, "Errors and limits". */
export function formatGraphqlErrors(
  execution: ExecutionResult & { statusCode?: number },
  context: MercuriusContext,
) {
  const reply = context.reply as MercuriusContext['reply'] | undefined;
  const log = reply?.log ?? context.app.log;
  const classified = flatten(execution.errors ?? []);
  for (const { error, internal } of classified) {
    if (internal) log.error({ err: error.originalError ?? error }, 'GraphQL request failed');
    else log.debug({ err: error }, error.message);
  }
  const errors = classified.map(({ error }) => error.toJSON());
  const graphqlResponse = acceptsGraphqlResponseJson(reply?.request.headers.accept);
  const httpStatus = classified.find((c) => c.httpStatus !== undefined)?.httpStatus;

  if (httpStatus === 405) void reply?.header('allow', 'GET, POST');
  if (execution.data === undefined) {
    const statusCode = httpStatus ?? (classified.some((c) => c.internal) ? 500 : undefined);
    return {
      statusCode: statusCode ?? (graphqlResponse ? 400 : 200),
      response: { errors },
    };
  }
  let statusCode = 200;
  if (!graphqlResponse && execution.data === null && classified.length === 1) {
    const original = execution.errors?.[0]?.originalError as { statusCode?: unknown } | undefined;
    if (typeof original?.statusCode === 'number') statusCode = original.statusCode;
    else if (classified[0]?.internal) statusCode = 500;
  }
  return { statusCode, response: { data: execution.data, errors } };
}
