import { availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';
import type { MachineInfo } from './report.js';

export function machineInfo(now = new Date()): MachineInfo {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryBytes: totalmem(),
    node: process.version,
    platform: `${platform()} ${release()}`,
    date: now.toISOString(),
    loadAverage: loadavg(),
  };
}
