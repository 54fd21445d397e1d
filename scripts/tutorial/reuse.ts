/**
 * Which test files of a tutorial branch `tutorial:check` must run, when main's suite has just
 * run on the same commit: a file is left out only if it passed on main and nothing it can
 * depend on differs between the branch and main.
 */

/** A tree as path -> blob id (`git ls-tree -r`). */
export type Tree = ReadonlyMap<string, string>;

export interface WorkspacePackage {
  /** The package's folder, relative to the repository root. */
  dir: string;
  name: string;
  /** Names of the workspace packages it declares as dependencies of any kind. */
  dependsOn: readonly string[];
}

export interface ReuseInput {
  branch: Tree;
  main: Tree;
  packages: readonly WorkspacePackage[];
  /** Test files (paths relative to the repository root) that passed in main's run. */
  passedOnMain: ReadonlySet<string>;
}

export interface ReusePlan {
  run: string[];
  reused: string[];
}

const TEST_FILE = /\.(unit|int|e2e)\.spec\.ts$/;
/** Files no test reads: the step's own README and package.json, and the lockfile it trims. */
const NOT_READ_BY_TESTS = (path: string) =>
  path.endsWith('.md') || path === 'package.json' || path === 'pnpm-lock.yaml';

const under = (path: string, dir: string) => path.startsWith(dir + '/');

/**
 * A test depends on its own package, the workspace packages that package depends on
 * (transitively), and every file outside a package (protos, configs, scripts). An end-to-end
 * test starts services by folder, and a test outside any package may read anything: both
 * depend on every package. A package's file that main has and the branch lacks is a change;
 * outside packages only the branch's own files are compared (main also holds later steps,
 * the tutorial sources and the benchmarks, which no branch test can read).
 */
export function planBranchTests({ branch, main, packages, passedOnMain }: ReuseInput): ReusePlan {
  const byDepth = [...packages].sort((a, b) => b.dir.length - a.dir.length);
  const packageOf = (path: string) => byDepth.find((p) => under(path, p.dir));
  const changed = new Set<string>();
  let sharedChanged = false;
  for (const [path, blob] of branch) {
    if (NOT_READ_BY_TESTS(path) || main.get(path) === blob) continue;
    const owner = packageOf(path);
    if (owner) changed.add(owner.dir);
    else sharedChanged = true;
  }
  for (const path of main.keys()) {
    const owner = packageOf(path);
    if (owner && !branch.has(path)) changed.add(owner.dir);
  }
  const byName = new Map(packages.map((p) => [p.name, p]));
  const closureChanged = (start: WorkspacePackage): boolean => {
    const seen = new Set<string>();
    const pending = [start];
    for (let next = pending.pop(); next; next = pending.pop()) {
      if (seen.has(next.dir)) continue;
      seen.add(next.dir);
      if (changed.has(next.dir)) return true;
      for (const name of next.dependsOn) {
        const dep = byName.get(name);
        if (dep) pending.push(dep);
      }
    }
    return false;
  };
  const plan: ReusePlan = { run: [], reused: [] };
  for (const path of [...branch.keys()].filter((p) => TEST_FILE.test(p)).sort()) {
    const owner = packageOf(path);
    const unchanged =
      passedOnMain.has(path) &&
      !sharedChanged &&
      (owner === undefined || path.endsWith('.e2e.spec.ts')
        ? changed.size === 0
        : !closureChanged(owner));
    (unchanged ? plan.reused : plan.run).push(path);
  }
  return plan;
}
