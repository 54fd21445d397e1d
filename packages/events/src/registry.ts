import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { FairflaxEvent, FairflaxEventType } from './types.js';

export const EVENTS_PROTO_PATH = fileURLToPath(
  new URL('../../../proto/events.proto', import.meta.url),
);

const root = protobuf.loadSync(EVENTS_PROTO_PATH);
const messageType = (name: string) => root.lookupType(`fairflax.events.v1.${name}`);

/** Version N to N+1. Pure: no I/O, no clock. */
type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

interface EventSchema {
  version: number;
  current: protobuf.Type;
  legacy: Record<number, { message: protobuf.Type; upcast: Upcaster }>;
}

const LEGACY_CATEGORIES: Record<string, string> = {
  CATEGORY_BUSINESS: 'business',
  CATEGORY_POLITICS: 'politics',
  CATEGORY_LIFESTYLE: 'lifestyle',
  CATEGORY_ENVIRONMENT: 'environment',
};

const SCHEMAS: Record<FairflaxEventType, EventSchema> = {
  AuthorRegistered: { version: 1, current: messageType('AuthorRegistered'), legacy: {} },
  AuthorRenamed: { version: 1, current: messageType('AuthorRenamed'), legacy: {} },
  ArticleDrafted: {
    version: 2,
    current: messageType('ArticleDrafted'),
    legacy: {
      1: {
        message: messageType('ArticleDraftedV1'),
        upcast: ({ category, ...rest }) => ({
          ...rest,
          category: LEGACY_CATEGORIES[String(category)] ?? 'uncategorised',
        }),
      },
    },
  },
  ArticleRevised: { version: 1, current: messageType('ArticleRevised'), legacy: {} },
  ArticlePublished: { version: 1, current: messageType('ArticlePublished'), legacy: {} },
  ArticleRetracted: { version: 1, current: messageType('ArticleRetracted'), legacy: {} },
};

export class UnknownEventError extends Error {
  override readonly name = 'UnknownEventError';
}

export interface EncodedEvent {
  type: FairflaxEventType;
  schemaVersion: number;
  data: Uint8Array;
}

const TO_OBJECT: protobuf.IConversionOptions = { enums: String, longs: String, defaults: false };

function schemaOf(type: string): EventSchema {
  const schema = (SCHEMAS as Record<string, EventSchema | undefined>)[type];
  if (!schema) throw new UnknownEventError(`unknown event type "${type}"`);
  return schema;
}

export function isKnownEventType(type: string): type is FairflaxEventType {
  return Object.hasOwn(SCHEMAS, type);
}

export function currentSchemaVersion(type: FairflaxEventType): number {
  return schemaOf(type).version;
}

export function encodeEvent(event: FairflaxEvent): EncodedEvent {
  const schema = schemaOf(event.type);
  const problem = schema.current.verify(event.data);
  if (problem) throw new TypeError(`invalid ${event.type}: ${problem}`);
  return {
    type: event.type,
    schemaVersion: schema.version,
    data: schema.current.encode(schema.current.fromObject(event.data)).finish(),
  };
}

/** Upcasts old versions step by step; UnknownEventError for a type or version it cannot read. */
export function decodeEvent(type: string, schemaVersion: number, data: Uint8Array): FairflaxEvent {
  const schema = schemaOf(type);
  if (schemaVersion === schema.version) {
    const decoded = schema.current.toObject(schema.current.decode(data), TO_OBJECT);
    return { type, data: withDefaults(schema.current, decoded) } as FairflaxEvent;
  }
  const legacy = schema.legacy[schemaVersion];
  if (!legacy) {
    throw new UnknownEventError(
      `${type} has no schema version ${schemaVersion} (current is ${schema.version})`,
    );
  }
  let value = legacy.upcast(legacy.message.toObject(legacy.message.decode(data), TO_OBJECT));
  for (let v = schemaVersion + 1; v < schema.version; v++) {
    const step = schema.legacy[v];
    if (!step) throw new UnknownEventError(`${type} cannot be upcast from version ${v}`);
    value = step.upcast(value);
  }
  return { type, data: withDefaults(schema.current, value) } as FairflaxEvent;
}

/** proto3 drops empty strings from the wire: plain fields get `''` back, `optional` ones do not. */
function withDefaults(
  message: protobuf.Type,
  value: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...value };
  for (const field of message.fieldsArray) {
    if (
      out[field.name] === undefined &&
      !field.options?.['proto3_optional'] &&
      field.type === 'string'
    ) {
      out[field.name] = '';
    }
  }
  return out;
}

/** For tests and migrations that need old data. */
export function encodeLegacy(
  type: FairflaxEventType,
  schemaVersion: number,
  data: object,
): Uint8Array {
  const legacy = schemaOf(type).legacy[schemaVersion];
  if (!legacy) throw new UnknownEventError(`${type} has no legacy version ${schemaVersion}`);
  return legacy.message.encode(legacy.message.fromObject(data)).finish();
}
