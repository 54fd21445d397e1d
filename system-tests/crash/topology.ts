/** Must match the names bus-kafka and the stream processor derive from KAFKA_TOPIC_PREFIX. */
export interface RunTopology {
  article: string;
  author: string;
  stats: string;
  repartition: string;
  factsGroup: string;
  countsGroup: string;
}

export function runTopology(prefix: string): RunTopology {
  const applicationId = `${prefix}fairflax-stream-processor`;
  return {
    article: `${prefix}article`,
    author: `${prefix}author`,
    stats: `${prefix}article-stats`,
    repartition: `${applicationId}-publications-repartition`,
    factsGroup: `${applicationId}-article-facts`,
    countsGroup: `${applicationId}-publication-counts`,
  };
}

export const RELAY_CHECKPOINT = 'relay-kafka';

/** `followTopic`'s group name; the crash test uses the run tag as replica id. */
export const graphStatsGroup = (runTag: string) => `fairflax-graph-article-stats-${runTag}`;
