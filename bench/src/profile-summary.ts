/** `tsx src/profile-summary.ts <file.cpuprofile> [top=25]` */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
}

export interface Share {
  name: string;
  percent: number;
}

/** `node_modules/.pnpm/<pkg>@<v>/node_modules/<pkg>/...` → `<pkg>`; our sources by folder. */
export function packageOf(url: string): string {
  if (url === '') return '(native / V8)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const ours = /\/(services|packages|bench)\/([^/]+)\//.exec(url);
  if (ours) return `${ours[1]}/${ours[2]}`;
  return url.startsWith('node:') ? 'node core' : url;
}

/**
 * Node names a profile `CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile`; the main thread
 * is thread 0 (tsx's loader runs on another thread, and profiles too).
 */
export function mainThreadProfiles(files: readonly string[]): string[] {
  return files.filter((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
}

export function selfTime(profile: CpuProfile, key: (node: ProfileNode) => string): Share[] {
  const hits = new Map<number, number>();
  if (profile.samples && profile.samples.length > 0) {
    for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  } else {
    for (const node of profile.nodes) hits.set(node.id, node.hitCount ?? 0);
  }
  const byKey = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const count = hits.get(node.id) ?? 0;
    if (count === 0) continue;
    total += count;
    const k = key(node);
    byKey.set(k, (byKey.get(k) ?? 0) + count);
  }
  return [...byKey.entries()]
    .map(([name, count]) => ({ name, percent: total === 0 ? 0 : (100 * count) / total }))
    .sort((a, b) => b.percent - a.percent);
}

/** Each sample counts once per distinct key on its stack: recursion is not counted twice. */
export function inclusiveTime(profile: CpuProfile, key: (node: ProfileNode) => string): Share[] {
  const parent = new Map<number, ProfileNode>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node);
  const samples = profile.samples ?? [];
  const counts = new Map<string, number>();
  for (const id of samples) {
    const seen = new Set<string>();
    for (let node = byId.get(id); node; node = parent.get(node.id)) seen.add(key(node));
    for (const k of seen) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts.entries()]
    .map(([name, count]) => ({
      name,
      percent: samples.length === 0 ? 0 : (100 * count) / samples.length,
    }))
    .sort((a, b) => b.percent - a.percent);
}

export const describeFrame = (node: ProfileNode): string => {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.split('/').slice(-2).join('/');
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
};

if (process.argv[1]?.endsWith('profile-summary.ts')) {
  const [file, topRaw] = process.argv.slice(2);
  if (file === undefined) {
    console.error('usage: tsx src/profile-summary.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const top = Number(topRaw ?? 25);
  const print = (title: string, shares: Share[]) => {
    console.log(`\n${title}`);
    for (const s of shares.slice(0, top))
      console.log(`${s.percent.toFixed(1).padStart(5)}%  ${s.name}`);
  };
  print(
    'self time by package',
    selfTime(profile, (n) => packageOf(n.callFrame.url)),
  );
  print('self time by function', selfTime(profile, describeFrame));
  print('inclusive time by function', inclusiveTime(profile, describeFrame));
}
