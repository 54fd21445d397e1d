export { ConfigError, envReader, type EnvReader } from './config.js';
export { createLogger, logFormat, LOG_FORMATS, type LogFormat, type Logger } from './logger.js';
export { httpLogging } from './http-logging.js';
export {
  closeOnSignals,
  isReadyMessage,
  REPEATED_SIGNAL_MS,
  runMain,
  type Closer,
} from './lifecycle.js';
export { decideRestart, formatDelay, NO_CRASHES, type CrashHistory } from './restart-policy.js';
export {
  problem,
  PROBLEM_CONTENT_TYPE,
  problemClientError,
  problemErrorHandler,
  problemResponses,
  sendProblem,
  type Problem,
} from './problem.js';
export {
  createMetricsRegistry,
  grpcCallCounter,
  metricsText,
  startMetricsServer,
  type HealthCheck,
} from './metrics.js';
export { Counter, Gauge, Histogram, Registry } from 'prom-client';
export { dataPath, DEFAULT_DATA_DIR } from './data-dir.js';
