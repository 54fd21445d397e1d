import { status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import mercurius from 'mercurius';

const { ErrorWithProps } = mercurius;

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number';
}

/**
 * Translates an articles gRPC failure into a GraphQL error with a stable `extensions.code`.
 * The HTTP status rides along for mercurius, which uses it when the error voids the response.
 */
export function toGraphqlError(err: unknown): Error {
  if (!isServiceError(err)) return err instanceof Error ? err : new Error(String(err));
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- the rest are internal
  switch (err.code) {
    case grpcStatus.INVALID_ARGUMENT:
      return new ErrorWithProps(err.details, { code: 'BAD_USER_INPUT' }, 400);
    case grpcStatus.NOT_FOUND:
      return new ErrorWithProps(err.details, { code: 'NOT_FOUND' }, 404);
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

export function isNotFound(err: unknown): boolean {
  return isServiceError(err) && err.code === grpcStatus.NOT_FOUND;
}
