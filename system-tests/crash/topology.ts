/**
 * The names the services give their topics and groups for a KAFKA_TOPIC_PREFIX, kept in one
 * place. They follow @fairflax/bus-kafka (one topic per aggregate, `article` and `author`) and
 * the stream processor (application id `<prefix>fairflax-stream-processor`, one consumer group
 * per task named `<application id>-<task>`, a repartition topic `<application id>-<name>-repartition`).
 */
export interface RunTopology {
  article: string;
  author: string;
  stats: string;
  repartition: string;
  /** The stream processor's first task (reads `article`) and second (reads the repartition topic). */
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

/** The relay's checkpoint row in the event store file (`relay-<transport>`, services/articles). */
export const RELAY_CHECKPOINT = 'relay-kafka';

/**
 * The consumer group of graph's follower of the stats topic (`followTopic` in
 * @fairflax/bus-kafka: `fairflax-<service>-<topic>-<replica id>`; the crash test gives each
 * read service the run tag as its replica id).
 */
export const graphStatsGroup = (runTag: string) => `fairflax-graph-article-stats-${runTag}`;
