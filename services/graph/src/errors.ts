import { status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import mercurius from 'mercurius';

const { ErrorWithProps } = mercurius;

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number';
}

/** A query argument the read model cannot answer (count out of range, malformed cursor ...). */
export function badUserInput(message: string): Error {
  return new ErrorWithProps(message, { code: 'BAD_USER_INPUT' }, 400);
}

/**
 * Translates an articles gRPC failure into a GraphQL error with a stable `extensions.code`.
 * The HTTP status rides along for mercurius, which uses it when the error voids the response.
 * Only commands reach articles now, so the conflicts of a write (illegal state, a stale
 * expectedVersion) have codes of their own.
 */
export function toGraphqlError(err: unknown): Error {
  if (!isServiceError(err)) return err instanceof Error ? err : new Error(String(err));
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- the rest are internal
  switch (err.code) {
    case grpcStatus.INVALID_ARGUMENT:
      return new ErrorWithProps(err.details, { code: 'BAD_USER_INPUT' }, 400);
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
