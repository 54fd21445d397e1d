export * from './types.js';
export {
  currentSchemaVersion,
  decodeEvent,
  encodeEvent,
  encodeLegacy,
  EVENTS_PROTO_PATH,
  isKnownEventType,
  UnknownEventError,
  type EncodedEvent,
} from './registry.js';
