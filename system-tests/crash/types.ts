/** What the crash test is asked to do, and everything it found. */

export type DeliveryMode = 'exactly-once' | 'at-least-once';
export const DELIVERY_MODES: readonly DeliveryMode[] = ['exactly-once', 'at-least-once'];

export interface CrashOptions {
  /** Seeds the workload and the fault schedule: the same seed gives the same commands and faults. */
  seed: number;
  /** How many commands to send. */
  commands: number;
  /** Commands in flight at once. */
  concurrency: number;
  /** Passed to every service as KAFKA_DELIVERY. */
  delivery: DeliveryMode;
  /**
   * Busy-loop processes (one core each) running beside the services for the whole seed (0 by
   * default): the loaded mode, in which the system shares the machine with other work.
   */
  load?: number;
  /** Further SIGKILLs of the stream processor, half of them right after a recovery (0 by default). */
  processorKills?: number;
  /** Stream processor kills between produce and commit of its transactions (0 by default). */
  commitKills?: number;
  /** Progress lines (the fault timeline); silent by default. */
  log?: (line: string) => void;
  /**
   * Keep the run's data folder (event store, read models, the rebuilt ones) and its Kafka topics
   * afterwards, to dig into a discrepancy; the report says where. Deleted by default, also
   * after a discrepancy, so that runs do not pile up on a shared broker; kept when the run
   * itself fails.
   */
  keepData?: boolean;
}

/** What commit-window.ts writes before it kills the stream processor. */
export const COMMIT_WINDOW_LINE = 'commit-window kill:';

export type ServiceName = 'articles' | 'graph' | 'rss' | 'sitemap' | 'stream-processor';
export const READ_SERVICES = ['graph', 'rss', 'sitemap'] as const;
export type ReadServiceName = (typeof READ_SERVICES)[number];

export interface FaultRecord {
  /**
   * `sigkill`, `commit-kill` (inside the commit window) and `broker-restart` are planned; `exit`
   * is a process that died on its own.
   */
  kind: 'sigkill' | 'commit-kill' | 'broker-restart' | 'exit';
  target: ServiceName | 'broker';
  /** Since the first command was sent. */
  atMs: number;
  /** Commands completed when the fault struck. */
  afterCommands: number;
  /** From the fault until the target answered again. */
  downMs: number;
  /** The line printed for it. */
  line: string;
  /** For `exit`: the last lines the process wrote. */
  lastOutput?: string;
}

export interface CommandStats {
  planned: number;
  /** Answered OK (first time or as a repeat of an earlier attempt). */
  acknowledged: number;
  /** Refused by the domain: the plan only holds valid commands, so each one is a finding. */
  rejected: number;
  /** Attempts that failed on transport (articles down, deadline) and were sent again. */
  retries: number;
  /** Retries the store recognised by command id and answered without storing anything. */
  answeredAsRepeat: number;
  /**
   * Acknowledged commands whose event is not in the store at the position they were told:
   * an acknowledged write that was lost.
   */
  lost: number;
  byType: Record<string, number>;
  samples: string[];
}

export interface LogCheck {
  topics: string[];
  /** Records read (read_committed) across the topics. */
  records: number;
  /** Events in the store: each global position should appear exactly once. */
  expected: number;
  /** Extra copies: records minus distinct positions among them. */
  duplicates: number;
  /** Positions of the store that no record carries. */
  missing: number;
  /** Records whose position is not in the store, or whose event id/stream differs from it. */
  mismatched: number;
  samples: { duplicates: number[]; missing: number[]; mismatched: string[] };
}

export interface TableDiff {
  /** Rows the rebuilt read model has and the live one lacks. */
  missing: number;
  /** Rows the live read model has and the rebuilt one lacks. */
  extra: number;
  /** Rows present in both with different values. */
  changed: number;
  /**
   * Of the differing rows, those whose live value (or absence) the store also folds into when
   * the author and article topics are taken in another legal order: ordering effects of the
   * projection, not events lost or applied twice.
   */
  explainedByOrder: number;
  /** How many changed rows differ in each column. */
  changedColumns: Record<string, number>;
  samples: string[];
}

export interface TableCheck {
  table: string;
  rows: { live: number; rebuilt: number };
  checksum: { live: string; rebuilt: string };
  equal: boolean;
  diff?: TableDiff;
}

export interface ReadModelCheck {
  service: ReadServiceName;
  tables: TableCheck[];
  /** Tables left out of the comparison, and why. */
  excluded: Record<string, string>;
  articles: {
    live: number;
    rebuilt: number;
    /** Article streams in the event store. */
    store: number;
    /** Articles whose live version differs from their stream's version (or that one side lacks). */
    versionMismatches: number;
    samples: string[];
  };
  /** Events the live service parked instead of applying (its dead_letters table). */
  deadLetters: number;
  /**
   * Tables whose content depends on the order the author and article topics are delivered in:
   * folding the store with the whole author topic first, or the whole article topic first (both
   * orders a consumer of the two topics may see) gives other rows than its global order. A
   * live table that differs from the rebuild may then differ without any event lost or doubled.
   */
  orderSensitive: { table: string; samples: string[] }[];
  equal: boolean;
}

export interface StatDifference {
  key: string;
  expected: number;
  actual: number;
}

export interface StatsCheck {
  topic: string;
  keys: { expected: number; actual: number };
  published: { expected: number; actual: number };
  overcounted: StatDifference[];
  undercounted: StatDifference[];
  /** Sum over keys of actual minus expected. */
  totalDifference: number;
  /** Graph's categoryStats table against the topic's last values (graph follows the topic). */
  graphView: { keys: number; differing: number; samples: string[] };
  /**
   * The repartition topic (the first stage's output, read committed) counted per key against
   * the recount: says which stage a wrong count comes from. Equal while the stats differ: the
   * second stage counted records it should not have (or missed some).
   */
  repartition: { keysDiffering: number; publications: number; samples: string[] };
  equal: boolean;
}

export interface ShutdownRecord {
  service: ServiceName;
  exitCode: number | null;
  signal: string | null;
  ms: number;
  /** The last lines the service wrote, kept when it did not exit with 0. */
  logTail?: string;
}

export interface CrashReport {
  seed: number;
  commands: number;
  concurrency: number;
  delivery: DeliveryMode;
  /** Busy-loop processes beside the services, and extra stream processor kills. */
  load: number;
  processorKills: number;
  commitKills: number;
  topicPrefix: string;
  /** Where the run's files are, when they were kept. */
  dataDir?: string;
  durationMs: number;
  phases: { startMs: number; driveMs: number; quiesceMs: number; verifyMs: number };
  /** The event store's head: global positions 1..head. */
  headPosition: number;
  commandStats: CommandStats;
  faults: FaultRecord[];
  log: LogCheck;
  readModels: ReadModelCheck[];
  stats: StatsCheck;
  shutdown: ShutdownRecord[];
  /** Everything that is not as exactly-once delivery promises, counted. 0 means clean. */
  discrepancies: number;
  /** One line per kind of discrepancy, for humans. */
  findings: string[];
}
