/** What the crash test is asked to do, and everything it found. */

export type DeliveryMode = 'exactly-once' | 'at-least-once';
export const DELIVERY_MODES: readonly DeliveryMode[] = ['exactly-once', 'at-least-once'];

export interface CrashOptions {
  /** The same seed gives the same commands and the same fault schedule. */
  seed: number;
  commands: number;
  concurrency: number;
  delivery: DeliveryMode;
  /** Busy-loop processes (one core each) beside the services for the whole seed. */
  load?: number;
  /** Extra stream processor SIGKILLs, half of them right after a recovery. */
  processorKills?: number;
  /** Stream processor kills between produce and commit of a transaction. */
  commitKills?: number;
  log?: (line: string) => void;
  /** Keep data folder and topics; by default they go even after a discrepancy, not on failure. */
  keepData?: boolean;
}

/** What commit-window.ts writes before it kills the stream processor. */
export const COMMIT_WINDOW_LINE = 'commit-window kill:';

export type ServiceName = 'articles' | 'graph' | 'rss' | 'sitemap' | 'stream-processor';
export const READ_SERVICES = ['graph', 'rss', 'sitemap'] as const;
export type ReadServiceName = (typeof READ_SERVICES)[number];

export interface FaultRecord {
  /** `exit` is a process that died on its own; the other kinds are planned. */
  kind: 'sigkill' | 'commit-kill' | 'broker-restart' | 'exit';
  target: ServiceName | 'broker';
  atMs: number;
  afterCommands: number;
  /** From the fault until the target answered again. */
  downMs: number;
  line: string;
  lastOutput?: string;
}

export interface CommandStats {
  planned: number;
  acknowledged: number;
  /** The plan holds only valid commands, so each rejection is a finding. */
  rejected: number;
  retries: number;
  /** Retries the store recognised by command id and answered without storing anything. */
  answeredAsRepeat: number;
  /** Acknowledged commands whose event is not in the store at the position they were told. */
  lost: number;
  byType: Record<string, number>;
  samples: string[];
}

export interface LogCheck {
  topics: string[];
  /** Read read_committed. */
  records: number;
  /** Events in the store: each global position should appear exactly once. */
  expected: number;
  duplicates: number;
  missing: number;
  /** Records whose position is not in the store, or whose event id/stream differs from it. */
  mismatched: number;
  samples: { duplicates: number[]; missing: number[]; mismatched: string[] };
}

export interface TableDiff {
  /** Rows the rebuilt read model has and the live one lacks. */
  missing: number;
  extra: number;
  changed: number;
  /** Differing rows another legal author/article topic order also yields: none lost or doubled. */
  explainedByOrder: number;
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
  excluded: Record<string, string>;
  articles: {
    live: number;
    rebuilt: number;
    store: number;
    versionMismatches: number;
    samples: string[];
  };
  deadLetters: number;
  /** Tables whose rows depend on the author/article topic order: may differ with no event lost. */
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
  totalDifference: number;
  graphView: { keys: number; differing: number; samples: string[] };
  /** The repartition topic recounted per key: tells which stage a wrong count comes from. */
  repartition: { keysDiffering: number; publications: number; samples: string[] };
  equal: boolean;
}

export interface ShutdownRecord {
  service: ServiceName;
  exitCode: number | null;
  signal: string | null;
  ms: number;
  /** Kept when it did not exit with 0. */
  logTail?: string;
}

export interface CrashReport {
  seed: number;
  commands: number;
  concurrency: number;
  delivery: DeliveryMode;
  load: number;
  processorKills: number;
  commitKills: number;
  topicPrefix: string;
  dataDir?: string;
  durationMs: number;
  phases: { startMs: number; driveMs: number; quiesceMs: number; verifyMs: number };
  /** Global positions run 1..head. */
  headPosition: number;
  commandStats: CommandStats;
  faults: FaultRecord[];
  log: LogCheck;
  readModels: ReadModelCheck[];
  stats: StatsCheck;
  shutdown: ShutdownRecord[];
  /** Everything that is not as exactly-once delivery promises; 0 means clean. */
  discrepancies: number;
  findings: string[];
}
