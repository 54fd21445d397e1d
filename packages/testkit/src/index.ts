export { canConnect, freePort, waitFor } from './ports.js';
export { waitForPosition, type WaitForPositionOptions } from './read-position.js';
export { RunningService, startService, tsNodeArgs, type ServiceSpec } from './process.js';
export {
  freeSystemPorts,
  READ_SERVICES,
  RunningSystem,
  startSystem,
  systemPortsEnv,
  type SystemPorts,
} from './system.js';
export {
  checkCoupling,
  formatCouplingReport,
  grpcCallsServed,
  READ_PROBES,
  type CouplingReport,
} from './coupling-check.js';
