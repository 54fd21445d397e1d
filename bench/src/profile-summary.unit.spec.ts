import { describe, expect, it } from 'vitest';
import {
  inclusiveTime,
  mainThreadProfiles,
  packageOf,
  selfTime,
  type CpuProfile,
} from './profile-summary.js';

const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });

// root → handler → query (native), and root → handler → render; 10 samples in all.
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)', ''), children: [2] },
    {
      id: 2,
      callFrame: frame('handler', 'file:///repo/services/rss/src/app.ts'),
      children: [3, 4],
    },
    {
      id: 3,
      callFrame: frame(
        'all',
        'file:///repo/node_modules/.pnpm/better-sqlite3@12/node_modules/better-sqlite3/lib/x.js',
      ),
    },
    { id: 4, callFrame: frame('render', 'file:///repo/packages/feed-xml/src/rss.ts') },
  ],
  samples: [3, 3, 3, 3, 3, 3, 4, 4, 4, 2],
};

describe('packageOf', () => {
  it('names npm packages, scoped ones with their scope, and our own folders', () => {
    expect(
      packageOf('file:///r/node_modules/.pnpm/fastify@5/node_modules/fastify/lib/reply.js'),
    ).toBe('fastify');
    expect(packageOf('file:///r/node_modules/.pnpm/x/node_modules/@grpc/grpc-js/build/a.js')).toBe(
      '@grpc/grpc-js',
    );
    expect(packageOf('file:///r/services/graph/src/search.ts')).toBe('services/graph');
    expect(packageOf('node:internal/streams/writable')).toBe('node core');
    expect(packageOf('')).toBe('(native / V8)');
  });
});

describe('selfTime', () => {
  it('shares the samples by where they landed, highest first', () => {
    const shares = selfTime(profile, (n) => n.callFrame.functionName);
    expect(shares).toEqual([
      { name: 'all', percent: 60 },
      { name: 'render', percent: 30 },
      { name: 'handler', percent: 10 },
    ]);
  });
});

describe('inclusiveTime', () => {
  it('counts a sample for every function on its stack, once each', () => {
    const shares = inclusiveTime(profile, (n) => packageOf(n.callFrame.url));
    expect(shares.find((s) => s.name === 'services/rss')?.percent).toBe(100);
    expect(shares.find((s) => s.name === 'better-sqlite3')?.percent).toBe(60);
    expect(shares.find((s) => s.name === 'packages/feed-xml')?.percent).toBe(30);
  });
});

describe('mainThreadProfiles', () => {
  it('keeps the profiles of thread 0 whatever their size, not the loader thread’s', () => {
    expect(
      mainThreadProfiles([
        'CPU.20261206.161200.4242.1.001.cpuprofile',
        'CPU.20261206.161200.4242.0.002.cpuprofile',
        'CPU.20261206.161200.4242.10.003.cpuprofile',
        'CPU.20261206.161200.4242.0.002.cpuprofile.tmp',
        'notes.txt',
      ]),
    ).toEqual(['CPU.20261206.161200.4242.0.002.cpuprofile']);
  });
});
