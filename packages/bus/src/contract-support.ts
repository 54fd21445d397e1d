import { randomBytes } from 'node:crypto';
import type { BatchHandler, BusMessage, Delivery, Subscription } from './port.js';

// Test code of ./contract.ts, never loaded by production code.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Topic and group names unique per test, so adapters can share one real broker across runs. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

export function keysNamed(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `stream-${i}`);
}

export function numbered(key: string, seq: number): BusMessage {
  return { key, value: encoder.encode(`${key}#${seq}`), headers: { seq: String(seq) } };
}

export function round(keys: readonly string[], seq: number): BusMessage[] {
  return keys.map((key) => numbered(key, seq));
}

export function idOf(message: BusMessage): string {
  return decoder.decode(message.value);
}

export function idsOf(messages: readonly BusMessage[]): string[] {
  return messages.map(idOf);
}

export function sorted(ids: readonly string[]): string[] {
  return [...ids].sort();
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function encode(text: string): Uint8Array {
  return encoder.encode(text);
}

export class Recorder {
  readonly batches: Delivery[][] = [];
  subscription: Subscription | undefined;

  readonly handler: BatchHandler = (batch) => {
    this.batches.push([...batch]);
    return Promise.resolve();
  };

  get deliveries(): Delivery[] {
    return this.batches.flat();
  }

  get ids(): string[] {
    return this.deliveries.map(idOf);
  }

  async close(): Promise<void> {
    await this.subscription?.close();
  }
}

export class Gate {
  readonly opened: Promise<void>;
  open: () => void = () => undefined;

  constructor() {
    this.opened = new Promise((resolve) => {
      this.open = resolve;
    });
  }
}
