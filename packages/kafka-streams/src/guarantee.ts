import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Kafka } from 'kafkajs';
import type { BatchCommitter } from './committer.js';
import type { StreamLogger } from './processor.js';

/**
 * `exactly-once`: each batch's outputs, changelog records and input offset are committed in one
 * Kafka transaction. `at-least-once`: outputs are acknowledged, then the changelog records, then
 * the offset is committed; a crash in between processes the batch again.
 */
export type ProcessingGuarantee = 'exactly-once' | 'at-least-once';

export const PROCESSING_GUARANTEES = [
  'exactly-once',
  'at-least-once',
] as const satisfies readonly ProcessingGuarantee[];

/**
 * The exactly-once committer lives in a module of its own, loaded only when used: the tutorial's
 * step-2 branch (at-least-once) is generated without it, and still builds and runs.
 */
const EXACTLY_ONCE = './exactly-once.js';

export interface ExactlyOnceModule {
  exactlyOnceCommitter(kafka: Kafka, options: { logger?: StreamLogger }): BatchCommitter;
}

/** Whether this build holds the exactly-once committer (source or compiled). */
export function exactlyOnceAvailable(): boolean {
  return ['.ts', '.js'].some((ext) =>
    existsSync(fileURLToPath(new URL(EXACTLY_ONCE.replace(/\.js$/, ext), import.meta.url))),
  );
}

/**
 * The guarantee a stream app runs with: the one asked for, else the strongest this build has
 * (exactly-once, except in the tutorial branches before step 4, which do not contain it; there,
 * asking for it is an error naming the step).
 */
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
      'processingGuarantee exactly-once is not part of this tutorial step (step 4, exactly-once, adds it)',
    );
  }
  return guarantee;
}

/** Loads the exactly-once committer's module; fails when this build does not hold it. */
export async function loadExactlyOnce(): Promise<ExactlyOnceModule> {
  // A specifier in a variable: the compiler must not insist on a module a step may lack.
  const specifier: string = EXACTLY_ONCE;
  return (await import(specifier)) as ExactlyOnceModule;
}
