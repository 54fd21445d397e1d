import { isUtf8 } from 'node:buffer';
import type * as grpc from '@grpc/grpc-js';
import { ValidationError } from './domain/errors.js';

const MALFORMED = Symbol('first string field that is not UTF-8');

interface FieldDescriptor {
  name?: string;
  number?: number;
  type?: string;
}

/**
 * proto3 string fields must hold UTF-8, but the decoder turns bytes that are not (a lone
 * surrogate a client encoded, say) into U+FFFD without a word, and the command would store
 * text the client never sent. This wraps each method's request decoder to note the first
 * top-level string field that is not well-formed UTF-8, for `refuseMalformedStrings`.
 */
export function notingMalformedStrings(service: grpc.ServiceDefinition): grpc.ServiceDefinition {
  return Object.fromEntries(
    Object.entries(service).map(([name, method]) => {
      const fields = stringFields(method);
      const requestDeserialize = (bytes: Buffer): unknown => {
        const request: unknown = method.requestDeserialize(bytes);
        const field = fields.size > 0 ? firstMalformed(bytes, fields) : undefined;
        if (field !== undefined && typeof request === 'object' && request !== null) {
          Object.defineProperty(request, MALFORMED, { value: field });
        }
        return request;
      };
      return [name, { ...method, requestDeserialize }];
    }),
  );
}

/** Throws a ValidationError naming the field if the request's decoder noted one. */
export function refuseMalformedStrings(request: object): void {
  const field = (request as { [MALFORMED]?: string })[MALFORMED];
  if (field !== undefined) throw new ValidationError(`${field} is not well-formed UTF-8`, field);
}

/** String field numbers of the method's request message, with their proto (snake_case) names. */
function stringFields(method: grpc.MethodDefinition<unknown, unknown>): Map<number, string> {
  const descriptor = (method as { requestType?: { type?: { field?: FieldDescriptor[] } } })
    .requestType?.type?.field;
  const fields = new Map<number, string>();
  for (const { name, number, type } of descriptor ?? []) {
    if (type === 'TYPE_STRING' && name && number !== undefined) {
      fields.set(
        number,
        name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
      );
    }
  }
  return fields;
}

/** Walks the message's top-level fields; anything it cannot follow is left to the decoder. */
function firstMalformed(bytes: Buffer, fields: Map<number, string>): string | undefined {
  let at = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      const byte = bytes[at++];
      if (byte === undefined) throw new RangeError('truncated varint');
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    throw new RangeError('varint too long');
  };
  try {
    while (at < bytes.length) {
      const tag = varint();
      switch (tag % 8) {
        case 0:
          varint();
          break;
        case 1:
          at += 8;
          break;
        case 2: {
          const length = varint();
          const end = at + length;
          const field = fields.get(Math.floor(tag / 8));
          if (field !== undefined && !isUtf8(bytes.subarray(at, end))) return field;
          at = end;
          break;
        }
        case 5:
          at += 4;
          break;
        default:
          return undefined;
      }
    }
  } catch {
    // A message the walker cannot follow is the decoder's to refuse.
  }
  return undefined;
}
