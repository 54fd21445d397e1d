import type { Transport } from '@fairflax/event-store';
import { kafkaTransport } from '@fairflax/bus-kafka';
import { embeddedTransport } from '@fairflax/publishing-api';

/** TRANSPORT=<name>: how the read services follow the articles log; `embedded` is the default. */
export const TRANSPORTS: Readonly<Record<string, Transport>> = {
  embedded: embeddedTransport,
  kafka: kafkaTransport,
};
