export { runCrashTest } from './run.js';
export { CRASH_BROKER, stopCrashBroker } from './kafka.js';
export { formatReport, formatSummary } from './report.js';
export { planCommands, type PlannedCommand } from './workload.js';
export { planFaults, type PlannedFault } from './faults.js';
export {
  DELIVERY_MODES,
  type CrashOptions,
  type CrashReport,
  type DeliveryMode,
  type FaultRecord,
  type LogCheck,
  type ReadModelCheck,
  type StatsCheck,
} from './types.js';
