export { startStreamApp, type StreamApp, type StreamAppOptions } from './stream-app.js';
export {
  exactlyOnceAvailable,
  PROCESSING_GUARANTEES,
  processingGuaranteeOf,
  type ProcessingGuarantee,
} from './guarantee.js';
export type {
  BatchEvent,
  InputRecord,
  OutputRecord,
  PartitionState,
  Processor,
  ProcessorContext,
  StreamLogger,
  TaskDefinition,
} from './processor.js';
export {
  atLeastOnceCommitter,
  type BatchCommitter,
  type InputPartition,
  type ProcessedBatch,
  type TopicRecords,
  type WrittenOffsets,
} from './committer.js';
export { LocalStateStore, type StateChange } from './state-store.js';
export {
  changelogTopic,
  ensureTopics,
  groupLag,
  partitionCount,
  repartitionTopic,
  waitForTopics,
  type TopicSpec,
} from './topics.js';
export {
  readPartitions,
  readTopic,
  type PartitionRange,
  type TopicRecord,
} from './topic-reader.js';
