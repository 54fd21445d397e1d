/**
 * What `tutorial:check` runs in a tutorial branch: which tests and which lint, given main's run
 * of the same commit, and how to type-check the branch as one program.
 *
 * Tests: every unit test; an integration or end-to-end test only where the step adds or changes
 * it and it could behave otherwise than on main, or where the step lists it in `alwaysTest`;
 * any test that did not pass on main. A branch whose files are main's runs none of them.
 * Lint: the files whose lint could differ from main's.
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

export interface BranchAndMain {
  branch: Tree;
  main: Tree;
  /** The branch's workspace packages. */
  packages: readonly WorkspacePackage[];
}

export interface ReuseInput extends BranchAndMain {
  /** The previous step's tree; absent for the first step, which adds every file it has. */
  previous?: Tree;
  /** Test files (paths relative to the repository root) that passed in main's run. */
  passedOnMain: ReadonlySet<string>;
  /**
   * The step's `alwaysTest` list from tutorial/steps.json: test files whose behaviour in this
   * step depends on files that later steps add, so main's run says nothing about them here.
   */
  alwaysTest?: readonly string[];
}

export interface ReusePlan {
  run: string[];
  reused: string[];
}

const TEST_FILE = /\.(unit|int|e2e)\.spec\.ts$/;
const UNIT_TEST = /\.unit\.spec\.ts$/;
/** Files no test or check reads: the step's own README and package.json, the lockfile it trims. */
const NOT_READ_BY_TESTS = (path: string) =>
  path.endsWith('.md') || path === 'package.json' || path === 'pnpm-lock.yaml';

const under = (path: string, dir: string) => path.startsWith(dir + '/');

/**
 * What differs between a branch and main. A package differs when one of its files does: changed,
 * added, or one main has and the branch lacks. Outside packages only the branch's own files are
 * compared (main also holds later steps, the tutorial sources and the benchmarks, which nothing
 * in the branch can read).
 */
export function compareWithMain({ branch, main, packages }: BranchAndMain) {
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
  /** The package, or a workspace package it depends on (transitively), differs from main's. */
  const closureChanged = (start: WorkspacePackage): boolean => {
    if (sharedChanged) return true;
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
  /** Nothing that tests read differs from main: the branch is main less later steps' files. */
  const likeMain = changed.size === 0 && !sharedChanged;
  return { packageOf, closureChanged, likeMain };
}

/**
 * The test files a branch runs.
 *
 * Unit tests are cheap: a branch runs all of its own, unless nothing they read differs from main
 * (then main's run has just run the same files on the same code). An integration or end-to-end
 * test runs where it could behave otherwise than on main (its package or one it depends on
 * differs; for an end-to-end test or one outside the packages, any package) and the step adds it
 * or changes it: a step does not run again what an earlier step added, whose own branch ran it.
 * A test the step lists in `alwaysTest`, and one that did not pass on main, always runs.
 */
export function planBranchTests(input: ReuseInput): ReusePlan {
  const { branch, previous, passedOnMain, alwaysTest = [] } = input;
  const { packageOf, closureChanged, likeMain } = compareWithMain(input);
  const mayDiffer = (path: string) => {
    const owner = packageOf(path);
    return owner === undefined || path.endsWith('.e2e.spec.ts') ? !likeMain : closureChanged(owner);
  };
  const stepTouches = (path: string) => previous?.get(path) !== branch.get(path);
  const plan: ReusePlan = { run: [], reused: [] };
  for (const path of [...branch.keys()].filter((p) => TEST_FILE.test(p)).sort()) {
    const runs =
      !passedOnMain.has(path) ||
      alwaysTest.includes(path) ||
      (UNIT_TEST.test(path) ? !likeMain : mayDiffer(path) && stepTouches(path));
    (runs ? plan.run : plan.reused).push(path);
  }
  return plan;
}

/** What ESLint lints (eslint.config.js): TypeScript and JavaScript sources. */
const LINTED = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
/** Configuration that changes how every file is linted or formatted. */
const LINT_CONFIG = new Set(['eslint.config.js', '.prettierrc.json', '.prettierignore']);

export interface LintPlan {
  /** Files for ESLint; `'all'` when the lint configuration differs from main's. */
  eslint: string[] | 'all';
  /** Files for `prettier --check`; `'all'` when its configuration differs. */
  prettier: string[] | 'all';
}

/**
 * What a branch lints when main's lint has just passed on the same commit. ESLint's typed rules
 * read a file's types, which come from its package and the packages it depends on: a file of a
 * package whose closure is as on main lints as on main. So ESLint runs on every file of the
 * packages whose closure differs, on the files outside the packages (scripts, configs, which may
 * import any package) when any package differs, and on any other file that differs from main's;
 * prettier, which reads one file at a time, on the files that differ.
 */
export function planBranchLint(input: BranchAndMain): LintPlan {
  const { branch, main, packages } = input;
  const { packageOf, closureChanged, likeMain } = compareWithMain(input);
  const differs = [...branch].filter(([path, blob]) => main.get(path) !== blob).map(([p]) => p);
  if (differs.some((path) => LINT_CONFIG.has(path))) return { eslint: 'all', prettier: 'all' };
  const changed = new Set(packages.filter(closureChanged).map((p) => p.dir));
  const eslint = [...branch.keys()].filter((path) => {
    if (!LINTED.test(path)) return false;
    const owner = packageOf(path);
    return owner ? changed.has(owner.dir) : !likeMain || differs.includes(path);
  });
  return { eslint: eslint.sort(), prettier: differs.sort() };
}

/** A project `tsc` checks: the root or a workspace package. */
export interface Project {
  /** Its folder relative to the repository root; `''` for the root. */
  dir: string;
  /** Its parsed tsconfig.json; undefined when it has none or the file is not plain JSON. */
  tsconfig: unknown;
  /** The `typecheck` script of its package.json. */
  typecheck: string | undefined;
}

export interface OneProgram {
  /** A tsconfig.json for the repository root: one program over the projects' files. */
  tsconfig: { extends: string; compilerOptions: { noEmit: true }; include: string[] };
  /** Folders of packages that type-check on their own (`pnpm --filter <dir> typecheck`). */
  alone: string[];
}

/** The root's and each package's `typecheck` script that one program can stand in for. */
export const ROOT_TYPECHECK = 'pnpm -r typecheck && tsc -p tsconfig.json --noEmit';
export const PACKAGE_TYPECHECK = 'tsc -p tsconfig.json --noEmit';
/** Compiler options that only say where output goes, which a type-check does not write. */
const OUTPUT_OPTIONS = new Set(['rootDir', 'outDir', 'noEmit']);
const TSCONFIG_KEYS = new Set(['$comment', 'extends', 'compilerOptions', 'include']);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * One `tsc` program for a branch instead of one per package: every package's own program holds
 * the sources of the packages it depends on, so checking them one by one checks the shared ones
 * many times over (the `kafka` branch: 79 s per package, 9 s as one program, with the same
 * errors). It is the same check where every project extends the same settings (`extends`, to
 * the end of its chain of files that set nothing else), sets no compiler option but where output
 * goes, and type-checks as `tsc -p tsconfig.json --noEmit`; a package that does otherwise checks
 * on its own, and without a standard root this returns undefined (then run `pnpm typecheck`).
 * `read` gives a repository file's parsed JSON; `resolve` a folder's `extends` as a path.
 * A global declaration in one package would reach every other in one program: the caller checks
 * that the branch has none.
 */
export function oneProgram(
  projects: readonly Project[],
  read: (path: string) => unknown,
  resolve: (dir: string, spec: string) => string | undefined,
): OneProgram | undefined {
  /** The settings a tsconfig ends at, following files that only extend another. */
  const baseOf = (dir: string, spec: unknown): string | undefined => {
    for (let path = typeof spec === 'string' ? resolve(dir, spec) : undefined, hops = 0; path;) {
      const json = read(path);
      const next = isRecord(json) ? json['extends'] : undefined;
      const onlyExtends =
        isRecord(json) && Object.keys(json).every((key) => key === '$comment' || key === 'extends');
      if (!onlyExtends || typeof next !== 'string' || ++hops > 10) return path;
      const from = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
      path = resolve(from, next);
    }
    return undefined;
  };
  const include = (project: Project, base: string): string[] | undefined => {
    const { tsconfig, dir } = project;
    if (!isRecord(tsconfig) || !Object.keys(tsconfig).every((key) => TSCONFIG_KEYS.has(key)))
      return undefined;
    const options = tsconfig['compilerOptions'] ?? {};
    if (!isRecord(options) || !Object.keys(options).every((key) => OUTPUT_OPTIONS.has(key)))
      return undefined;
    if (baseOf(dir, tsconfig['extends']) !== base) return undefined;
    const patterns = tsconfig['include'];
    if (!Array.isArray(patterns) || !patterns.every((p) => typeof p === 'string')) return undefined;
    const inside = patterns.map((p: string) => p.replace(/^\.\//, ''));
    if (inside.some((p) => p.startsWith('/') || p.split('/').includes('..'))) return undefined;
    return inside.map((p) => (dir ? `${dir}/${p}` : p));
  };
  const root = projects.find((p) => p.dir === '');
  if (!root || root.typecheck !== ROOT_TYPECHECK || !isRecord(root.tsconfig)) return undefined;
  const base = baseOf('', root.tsconfig['extends']);
  const rootFiles = base === undefined ? undefined : include(root, base);
  if (base === undefined || rootFiles === undefined) return undefined;
  const program: OneProgram = {
    tsconfig: { extends: `./${base}`, compilerOptions: { noEmit: true }, include: rootFiles },
    alone: [],
  };
  for (const project of projects) {
    if (project.dir === '' || project.typecheck === undefined) continue;
    const files = project.typecheck === PACKAGE_TYPECHECK ? include(project, base) : undefined;
    if (files) program.tsconfig.include.push(...files);
    else program.alone.push(project.dir);
  }
  return program;
}
