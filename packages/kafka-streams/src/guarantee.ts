import { DELIVERY_GUARANTEES, type DeliveryGuarantee } from '@fairflax/kafka-kit';
import type { Kafka } from 'kafkajs';
import type { BatchCommitter } from './committer.js';
import { transactionalCommitter } from './features.js';
import type { StreamLogger } from './processor.js';

/**
 * `exactly-once`: each batch's outputs, changelog records and input offset are committed in one
 * Kafka transaction. `at-least-once`: outputs are acknowledged, then the changelog records, then
 * the offset is committed; a crash in between processes the batch again.
 */
export type ProcessingGuarantee = DeliveryGuarantee;
export const PROCESSING_GUARANTEES = DELIVERY_GUARANTEES;

export type ExactlyOnceFactory = (
  kafka: Kafka,
  options: { logger?: StreamLogger },
) => BatchCommitter;

/** The exactly-once committer of this build (see features.ts), if it has one. */
export function exactlyOnceFactory(): ExactlyOnceFactory | undefined {
  return transactionalCommitter;
}

export function exactlyOnceAvailable(): boolean {
  return transactionalCommitter !== undefined;
}

/** The guarantee a stream app runs with: the one asked for, else the strongest this build has. */
export function processingGuaranteeOf(
  requested: ProcessingGuarantee | undefined,
  available = exactlyOnceAvailable(),
): ProcessingGuarantee {
  const guarantee = requested ?? (available ? 'exactly-once' : 'at-least-once');
  if (!(PROCESSING_GUARANTEES as readonly string[]).includes(guarantee)) {
    throw new Error(
      `processingGuarantee must be one of ${PROCESSING_GUARANTEES.join(', ')}, got "${String(guarantee)}"`,
    );
  }
  if (guarantee === 'exactly-once' && !available) {
    throw new Error(
      'processingGuarantee exactly-once is not available: this build has no transactional committer',
    );
  }
  return guarantee;
}
