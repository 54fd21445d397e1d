/**
 * What a task's processor sees and may do. A processor is a synchronous function of one input
 * record and its partition's state: it reads and writes state, and queues records for output
 * topics. It does no I/O of its own, so a batch of records can be processed, written and
 * committed as one unit.
 */

/** A record of an input topic, as the processor receives it. */
export interface InputRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: Buffer | null;
  /** Header values decoded as UTF-8. */
  headers: Readonly<Record<string, string>>;
  /** The record's timestamp (ms since the epoch), as a decimal string. */
  timestamp: string;
}

/** A record to produce. Without a partition, it goes to the partition of its key (murmur2, as Java clients do). */
export interface OutputRecord {
  key: string;
  value: string | Buffer | null;
  headers?: Record<string, string>;
}

/**
 * The slice of a task's state store that belongs to one input partition: string keys, string
 * values (serialise with JSON). Reads see the writes made earlier in the same batch.
 */
export interface PartitionState {
  readonly get: (key: string) => string | undefined;
  readonly put: (key: string, value: string) => void;
  readonly delete: (key: string) => void;
}

export interface ProcessorContext {
  /** The input partition, which is also the state's and the changelog's partition. */
  readonly partition: number;
  readonly state: PartitionState;
  /**
   * Queues a record for one of the task's declared output topics. Queued records are produced
   * with the batch, in the order they were queued, before the input offset is committed.
   */
  readonly send: (topic: string, record: OutputRecord) => void;
}

/**
 * Handles one input record. Throwing fails the whole batch, which is then redelivered (after
 * kafkajs' back-off) and processed again from the last committed state: a record that always
 * throws blocks its partition, so a processor should skip (and log) records it cannot read.
 */
export type Processor = (record: InputRecord, context: ProcessorContext) => void;

/** One stage of a topology: a processor over input topics, with a state store and outputs. */
export interface TaskDefinition {
  /**
   * Names the task's consumer group (`<applicationId>-<name>`), its state store and its
   * changelog topic (`<applicationId>-<name>-changelog`).
   */
  name: string;
  /** Input topics; with more than one they must have the same partition count (co-partitioned). */
  input: string | readonly string[];
  /** The topics `send` may write to. */
  outputs: readonly string[];
  process: Processor;
}

/** The structured logger the library writes to (pino's shape). */
export interface StreamLogger {
  debug(details: object, message: string): void;
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export const silentLogger: StreamLogger = { debug() {}, info() {}, warn() {}, error() {} };
