import { isUtf8 } from 'node:buffer';
import type * as grpc from '@grpc/grpc-js';
import { ValidationError } from './domain/errors.js';

const MALFORMED = Symbol('first string field that is not UTF-8');

interface FieldDescriptor {
  name?: string;
  number?: number;
  type?: string;
}

/** The decoder turns non-UTF-8 bytes into U+FFFD silently: note the first such string field. */
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

export function refuseMalformedStrings(request: object): void {
  const field = (request as { [MALFORMED]?: string })[MALFORMED];
  if (field !== undefined) throw new ValidationError(`${field} is not well-formed UTF-8`, field);
}

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
