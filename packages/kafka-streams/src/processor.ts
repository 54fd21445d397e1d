// Processors are synchronous, without I/O: a batch is processed and committed as one unit.

export interface InputRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: Buffer | null;
  /** Values decoded as UTF-8. */
  headers: Readonly<Record<string, string>>;
  /** Ms since the epoch, as a decimal string. */
  timestamp: string;
}

/** Goes to the partition of its key (murmur2, as Java clients do). */
export interface OutputRecord {
  key: string;
  value: string | Buffer | null;
  headers?: Record<string, string>;
}

/** One input partition's slice of the task's store. Reads see earlier writes of the same batch. */
export interface PartitionState {
  readonly get: (key: string) => string | undefined;
  readonly put: (key: string, value: string) => void;
  readonly delete: (key: string) => void;
}

export interface ProcessorContext {
  /** The input partition, which is also the state's and the changelog's partition. */
  readonly partition: number;
  readonly state: PartitionState;
  /** Produced with the batch, in the order queued, before the input offset is committed. */
  readonly send: (topic: string, record: OutputRecord) => void;
}

/** Throwing fails the batch, which is redelivered: skip (and log) unreadable records. */
export type Processor = (record: InputRecord, context: ProcessorContext) => void;

export interface TaskDefinition {
  /** Names the group `<applicationId>-<name>`, the store and `<applicationId>-<name>-changelog`. */
  name: string;
  /** With more than one topic, they must be co-partitioned (same partition count). */
  input: string | readonly string[];
  outputs: readonly string[];
  process: Processor;
}

export interface StreamLogger {
  debug(details: object, message: string): void;
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export const silentLogger: StreamLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * What a task reports after each batch, for metrics: `lag` is the input partition's high
 * watermark minus the next offset to process (0 once caught up), reported after every fetch;
 * `committed` and `aborted` follow each commit attempt of a non-empty batch.
 */
export type BatchEvent =
  | { kind: 'lag'; task: string; topic: string; partition: number; lag: number }
  | {
      kind: 'committed' | 'aborted';
      task: string;
      topic: string;
      partition: number;
      records: number;
    };
