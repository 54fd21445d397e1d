import type { BusMessage } from '@fairflax/bus';
import type { Message } from 'kafkajs';

/** A bus message as a kafkajs record, sharing the value's bytes. */
export function toRecord(message: BusMessage): Message {
  const { value } = message;
  return {
    key: message.key,
    value: Buffer.from(value.buffer, value.byteOffset, value.byteLength),
    headers: { ...message.headers },
  };
}
