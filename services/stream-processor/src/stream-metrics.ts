import type { BatchEvent } from '@fairflax/kafka-streams';
import { Counter, Gauge, type Registry } from '@fairflax/service-kit';
import type { StreamMetricParts } from './metrics-extensions.js';

/**
 * Per task: records processed, batch commits by outcome, input partitions held and the consumer
 * lag of each. Labels stay bounded: tasks are fixed and partitions are KAFKA_PARTITIONS. A lag
 * shows from a partition's first fetch, and only while this instance holds the partition.
 */
export function streamMetrics(registry: Registry, { assignment }: StreamMetricParts) {
  const registers = [registry];
  const records = new Counter({
    name: 'fairflax_stream_records_processed_total',
    help: 'Input records processed in committed batches, per task',
    labelNames: ['task'],
    registers,
  });
  const commits = new Counter({
    name: 'fairflax_stream_commits_total',
    help: 'Batch commits (transactions under exactly-once), per task and outcome',
    labelNames: ['task', 'outcome'],
    registers,
  });
  const lags = new Map<string, { task: string; topic: string; partition: number; lag: number }>();
  new Gauge({
    name: 'fairflax_stream_consumer_lag',
    help: 'Records in an input partition not yet processed (high watermark minus next offset)',
    labelNames: ['task', 'topic', 'partition'],
    registers,
    collect() {
      this.reset();
      const held = assignment();
      for (const { task, topic, partition, lag } of lags.values())
        if (held[task]?.includes(partition))
          this.set({ task, topic, partition: String(partition) }, lag);
    },
  });
  new Gauge({
    name: 'fairflax_stream_assigned_partitions',
    help: 'Input partitions this instance holds, per task',
    labelNames: ['task'],
    registers,
    collect() {
      for (const [task, partitions] of Object.entries(assignment()))
        this.set({ task }, partitions.length);
    },
  });
  return (event: BatchEvent) => {
    const { task } = event;
    if (event.kind === 'lag') {
      lags.set(`${task}/${event.topic}/${event.partition}`, event);
      return;
    }
    commits.inc({ task, outcome: event.kind });
    if (event.kind === 'committed') records.inc({ task }, event.records);
  };
}
