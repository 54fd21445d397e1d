/**
 * Generates the tutorial: one local git branch per step declared in tutorial/steps.json, each
 * the previous step plus one commit, built from the files of the current commit (HEAD).
 *
 *   pnpm tutorial:branches            create the branches; refuses to overwrite existing ones
 *   pnpm tutorial:branches --force    replace existing branches
 *   pnpm tutorial:branches --check    generate into a temporary clone and run each branch's
 *                                     install, type-check (one program), lint, unit tests and
 *                                     integration and end-to-end tests there; the crash test
 *                                     runs short
 *     --main-report <vitest json>     main's test report of the same commit, whose type-check
 *                                     and lint have passed too: a branch then lints and tests
 *                                     only what could behave otherwise than on main, and its
 *                                     step's alwaysTest list (scripts/tutorial/reuse.ts)
 *     --main-seconds <n>              how long main's own checks took, for the estimate of
 *                                     .ci/run with twice as many steps printed at the end
 *     --full                          each branch's own pnpm install, typecheck, lint and test,
 *                                     in full, the crash test too: a release check
 *     --readme                        then each branch's readme:check: its README's runnable
 *                                     blocks against its started system (default ports)
 *   pnpm check                        no branches: type-check and lint this checkout (HEAD's
 *                                     files) as one program, as each branch is; what .ci/run
 *                                     runs for main (the same errors as pnpm typecheck and lint)
 *
 * Only committed files are used, so the branches are reproducible from a commit: the same
 * HEAD gives the same branch commits (dates and author come from HEAD and the manifest).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateBranches, git } from './tutorial/generate.js';
import {
  oneProgram,
  planBranchLint,
  planBranchTests,
  type LintPlan,
  type OneProgram,
  type Project,
  type Tree,
  type WorkspacePackage,
} from './tutorial/reuse.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    force: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    repo: { type: 'string', default: repoRoot },
    keep: { type: 'boolean', default: false },
    'main-report': { type: 'string' },
    'main-seconds': { type: 'string' },
    full: { type: 'boolean', default: false },
    readme: { type: 'boolean', default: false },
    'this-checkout': { type: 'boolean', default: false },
  },
});

/** The crash test's size in a branch: one short seed, unless --full (main runs it in full). */
const BRANCH_ENV: NodeJS.ProcessEnv = values.full
  ? {}
  : { CRASH_SEEDS: '1', CRASH_COMMANDS: '1500' };

const PHASES = ['install', 'typecheck', 'lint', 'unit', 'int+e2e', 'readme'] as const;
type Phase = (typeof PHASES)[number];

/** Seconds that generating the branches took (their lockfiles are trimmed by pnpm). */
let generateSeconds = 0;

/** Seconds each phase of each branch took, printed as a table at the end of a check. */
const timings: { branch: string; phase: Phase; seconds: number; ok: boolean }[] = [];

/** Runs one command of a phase; a phase of several commands adds up their times. */
function run(cwd: string, phase: Phase, command: string, args: string[]): boolean {
  const branch = cwd.replace(/\/+$/, '').split('/').pop() ?? cwd;
  const shown = args.length > 12 ? [...args.slice(0, 12), `... (${args.length} args)`] : args;
  console.log(`\n$ (${branch}) ${command.split('/').pop()} ${shown.join(' ')}`);
  const started = Date.now();
  const result = spawnSync(command, args, {
    cwd,
    stdio: 'inherit',
    env: { ...BRANCH_ENV, ...process.env, CI: 'true' },
  });
  const ok = result.status === 0;
  timings.push({ branch, phase, seconds: (Date.now() - started) / 1000, ok });
  return ok;
}

const minutes = (seconds: number) => `${Math.round(seconds / 60)} min`;

function printTimings(estimate = true): void {
  const branches = [...new Set(timings.map((t) => t.branch))];
  const seconds = (rows: typeof timings) => rows.reduce((sum, t) => sum + t.seconds, 0);
  const cell = (rows: typeof timings) =>
    rows.length === 0
      ? '-'
      : `${Math.round(seconds(rows))}s${rows.every((r) => r.ok) ? '' : ' FAIL'}`;
  console.log(`\n| branch | ${PHASES.join(' | ')} | total |`);
  console.log(`| --- | ${PHASES.map(() => '---').join(' | ')} | --- |`);
  for (const branch of [...branches, 'all']) {
    const mine = timings.filter((t) => branch === 'all' || t.branch === branch);
    const phases = PHASES.map((phase) => cell(mine.filter((t) => t.phase === phase)));
    console.log(`| ${branch} | ${phases.join(' | ')} | ${Math.round(seconds(mine))}s |`);
  }
  const own = seconds(timings.filter((t) => t.phase === 'int+e2e'));
  const each = seconds(timings) - own;
  if (!estimate) return;
  console.log(`generating the branches: ${Math.round(generateSeconds)}s`);
  // Twice as many steps. Each branch installs, type-checks, lints and unit-tests all of its own
  // files (`each`); integration and end-to-end tests run once, where a step adds them (`own`).
  // Split finer: twice the branches, as big on average; the same tests. Grown: twice the
  // branches, twice as big on average, and twice the tests, in the branches and on main.
  const main = values['main-seconds'] === undefined ? undefined : Number(values['main-seconds']);
  const branchesNow = generateSeconds + each + own;
  const split = 2 * generateSeconds + 2 * each + own;
  const grown = 2 * generateSeconds + 4 * each + 2 * own;
  console.log(
    main === undefined
      ? `with twice as many steps, the branches would take about ${minutes(split)} if the steps split this system finer, ${minutes(grown)} if the system grew with them (now ${minutes(branchesNow)})`
      : `.ci/run: ${minutes(main + branchesNow)} now (main ${Math.round(main)}s, branches ${Math.round(branchesNow)}s); with twice as many steps about ${minutes(main + split)} if they split this system finer, ${minutes(2 * main + grown)} if it grew with them (main's checks twice as long, every branch twice as big)`,
  );
}

function treeOf(repo: string, revision: string): Tree {
  const tree = new Map<string, string>();
  for (const line of git(repo, ['ls-tree', '-r', '-z', revision]).split('\0')) {
    const [meta, path] = line.split('\t');
    if (meta && path) tree.set(path, meta.split(' ')[2]!);
  }
  return tree;
}

/** A JSON file of the worktree, or undefined when it is missing or not plain JSON. */
function readJson(worktree: string, path: string): unknown {
  try {
    return JSON.parse(readFileSync(join(worktree, path), 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

type PackageJson = Record<string, Record<string, string> | string | undefined>;

/** pnpm-workspace.yaml's `packages` globs: a folder, or `folder/*` for its subfolders. */
function isWorkspaceDir(worktree: string): (dir: string) => boolean {
  const text = readFileSync(join(worktree, 'pnpm-workspace.yaml'), 'utf8');
  const globs = (/^packages:[ \t]*\n((?:[ \t]+-.*\n?)*)/m.exec(text)?.[1] ?? '')
    .split('\n')
    .map((line) => /^\s+-\s+['"]?([^'"\s]+)/.exec(line)?.[1])
    .filter((glob): glob is string => glob !== undefined);
  return (dir) =>
    globs.some((glob) =>
      glob.endsWith('/*') ? posix.dirname(dir) === glob.slice(0, -2) : dir === glob,
    );
}

function workspacePackages(worktree: string, tree: Tree): WorkspacePackage[] {
  const inWorkspace = isWorkspaceDir(worktree);
  return [...tree.keys()]
    .filter((path) => path.endsWith('/package.json') && inWorkspace(posix.dirname(path)))
    .map((path) => {
      const json = (readJson(worktree, path) ?? {}) as PackageJson;
      const specs = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']
        .map((field) => json[field])
        .filter((deps): deps is Record<string, string> => typeof deps === 'object');
      return {
        dir: path.slice(0, -'/package.json'.length),
        name: typeof json['name'] === 'string' ? json['name'] : path,
        dependsOn: specs.flatMap((deps) =>
          Object.keys(deps).filter((name) => deps[name]!.startsWith('workspace:')),
        ),
      };
    });
}

/** Test files that passed in a vitest JSON report written in this repository. */
function passedIn(report: string): Set<string> {
  const { testResults } = JSON.parse(readFileSync(report, 'utf8')) as {
    testResults: { name: string; status: string }[];
  };
  return new Set(
    testResults
      .filter((file) => file.status === 'passed' && file.name.startsWith(repoRoot))
      .map((file) => file.name.slice(repoRoot.length)),
  );
}

/** A step of tutorial/steps.json, as far as checking it goes. */
interface StepChecks {
  branch: string;
  /** Test files that run in this step's branch whatever main's report says. */
  alwaysTest?: string[];
}

/** What a branch lints: everything, or with main's report what could lint otherwise than on main. */
function branchLint(clone: string, worktree: string, branch: string): LintPlan {
  if (values['main-report'] === undefined || values.full) return { eslint: 'all', prettier: 'all' };
  const tree = treeOf(clone, branch);
  const plan = planBranchLint({
    branch: tree,
    main: treeOf(clone, 'HEAD'),
    packages: workspacePackages(worktree, tree),
  });
  const count = (files: string[] | 'all') => (files === 'all' ? 'all' : files.length);
  console.log(
    `\n${branch}: ESLint on ${count(plan.eslint)} files, prettier on ${count(plan.prettier)}; main's lint covers the rest`,
  );
  return plan;
}

/** The test files a branch runs: all of them, or with main's report those that could differ. */
function branchTests(
  clone: string,
  worktree: string,
  step: StepChecks,
  previous: string | undefined,
): string[] | 'all' {
  const report = values['main-report'];
  if (report === undefined || values.full) return 'all';
  const branch = treeOf(clone, step.branch);
  const main = treeOf(clone, 'HEAD');
  const { run, reused } = planBranchTests({
    branch,
    main,
    packages: workspacePackages(worktree, branch),
    previous: previous === undefined ? undefined : treeOf(clone, previous),
    passedOnMain: passedIn(report),
    alwaysTest: step.alwaysTest ?? [],
  });
  const unit = run.filter((path) => path.endsWith('.unit.spec.ts')).length;
  console.log(
    `\n${step.branch}: ${run.length} test files to run (${unit} unit); ${reused.length} left to main's run, or to the earlier step that added them`,
  );
  return run;
}

const TSCONFIG = 'tsconfig.tutorial-check.json';
const ESLINT_CONFIG = 'eslint.tutorial-check.config.js';
const ROOT_LINT = 'eslint . && prettier --check .';

/**
 * How to type-check the worktree as one program (scripts/tutorial/reuse.ts, `oneProgram`), or
 * undefined where only its own `pnpm typecheck` will do: its root scripts or tsconfig are not
 * the standard ones, or a file declares something global that one program would share.
 */
function branchProgram(worktree: string, branch: string, tree: Tree): OneProgram | undefined {
  if ([...tree.keys()].some((path) => path.endsWith('.d.ts'))) return undefined;
  const ambient = spawnSync('git', ['grep', '-q', '-E', 'declare (global|module)', '--', '*.ts'], {
    cwd: worktree,
  });
  if (ambient.status !== 1) return undefined;
  const packages = workspacePackages(worktree, tree);
  const own = new Set(['tsconfig.json', ...packages.map((p) => `${p.dir}/tsconfig.json`)]);
  const tsconfigs = [...tree.keys()].filter((path) => posix.basename(path) === 'tsconfig.json');
  if (tsconfigs.some((path) => !own.has(path))) return undefined;
  const scripts = (dir: string) =>
    ((readJson(worktree, dir ? `${dir}/package.json` : 'package.json') ?? {}) as PackageJson)[
      'scripts'
    ] as Record<string, string> | undefined;
  const projects: Project[] = [{ dir: '', name: '' }, ...packages].map(({ dir }) => ({
    dir,
    tsconfig: readJson(worktree, dir ? `${dir}/tsconfig.json` : 'tsconfig.json'),
    typecheck: scripts(dir)?.['typecheck'],
  }));
  const byName = new Map(packages.map((p) => [p.name, p.dir]));
  const resolve = (dir: string, spec: string) => {
    const scope = spec.startsWith('@') ? 2 : 1;
    const name = spec.split('/').slice(0, scope).join('/');
    const path = spec.startsWith('.')
      ? posix.normalize(posix.join(dir, spec))
      : byName.has(name)
        ? posix.join(byName.get(name)!, spec.split('/').slice(scope).join('/'))
        : undefined;
    return path !== undefined && tree.has(path) ? path : undefined;
  };
  const program = oneProgram(projects, (path) => readJson(worktree, path), resolve);
  if (program === undefined || scripts('')?.['lint'] !== ROOT_LINT) return undefined;
  console.log(
    `\n${branch}: type-checked and linted as one program` +
      (program.alone.length ? `, but for ${program.alone.join(', ')}` : ''),
  );
  return program;
}

const PNPM = ['-y', 'pnpm@10'];

/**
 * Type-checks and lints a branch's worktree: as one program where it can be, else with its own
 * `pnpm typecheck` and `pnpm lint`.
 */
function typecheckAndLint(tree: string, program: OneProgram | undefined, lint: LintPlan): boolean {
  if (program === undefined)
    return (
      run(tree, 'typecheck', 'npx', [...PNPM, 'typecheck']) &&
      run(tree, 'lint', 'npx', [...PNPM, 'lint'])
    );
  const bin = (name: string) => join(tree, 'node_modules/.bin', name);
  // ESLint's typed rules get their types from the one program for the files it holds; the others
  // keep eslint.config.js's project service. It reports what `eslint .` reports.
  const typed = program.tsconfig.include.filter((glob) => /\.[cm]?tsx?$/.test(glob));
  const eslintConfig = [
    `import config from './eslint.config.js';`,
    `export default [`,
    `  ...config,`,
    `  { ignores: [${JSON.stringify(ESLINT_CONFIG)}] },`,
    `  {`,
    `    files: ${JSON.stringify(typed)},`,
    `    languageOptions: {`,
    `      parserOptions: {`,
    `        projectService: false,`,
    `        project: [${JSON.stringify(`./${TSCONFIG}`)}],`,
    `        tsconfigRootDir: import.meta.dirname,`,
    `      },`,
    `    },`,
    `  },`,
    `];`,
  ].join('\n');
  writeFileSync(join(tree, TSCONFIG), JSON.stringify(program.tsconfig, null, 2));
  writeFileSync(join(tree, ESLINT_CONFIG), eslintConfig);
  try {
    const alone = program.alone.flatMap((dir) => ['--filter', `./${dir}`]);
    if (alone.length > 0 && !run(tree, 'typecheck', 'npx', [...PNPM, ...alone, 'typecheck']))
      return false;
    if (!run(tree, 'typecheck', bin('tsc'), ['-p', TSCONFIG])) return false;
    const eslint = lint.eslint === 'all' ? ['.'] : ['--no-warn-ignored', ...lint.eslint];
    if (
      lint.eslint.length > 0 &&
      !run(tree, 'lint', bin('eslint'), ['-c', ESLINT_CONFIG, ...eslint])
    )
      return false;
  } finally {
    for (const file of [TSCONFIG, ESLINT_CONFIG]) rmSync(join(tree, file), { force: true });
  }
  const prettier = lint.prettier === 'all' ? ['.'] : ['--ignore-unknown', ...lint.prettier];
  return lint.prettier.length === 0 || run(tree, 'lint', bin('prettier'), ['--check', ...prettier]);
}

/** Runs a branch's unit tests, then its integration and end-to-end tests. */
function test(tree: string, tests: string[] | 'all'): boolean {
  const phase = (name: 'unit' | 'int+e2e', unit: boolean) => {
    const files =
      tests === 'all'
        ? unit
          ? ['--project', 'unit']
          : ['--project', 'integration', '--project', 'e2e']
        : tests.filter((path) => path.endsWith('.unit.spec.ts') === unit);
    // vitest leaves a core to itself (one file at a time on 2 cores); unit tests need no more.
    const workers = unit && !values.full ? [`--maxWorkers=${availableParallelism()}`] : [];
    return files.length === 0 || run(tree, name, 'npx', [...PNPM, 'test', ...workers, ...files]);
  };
  return phase('unit', true) && phase('int+e2e', false);
}

/** Generates the branches in a throwaway clone and runs each one's own checks there. */
function checkBranches(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'tutorial-check-'));
  const clone = join(dir, 'repo');
  try {
    git(repoRoot, ['clone', '--quiet', '--no-local', repoRoot, clone]);
    git(clone, ['checkout', '--quiet', '--detach']);
    const generating = Date.now();
    const branches = generateBranches(clone, true);
    generateSeconds = (Date.now() - generating) / 1000;
    const { steps } = JSON.parse(git(clone, ['show', 'HEAD:tutorial/steps.json'])) as {
      steps: StepChecks[];
    };
    const failed: string[] = [];
    branches.forEach((branch, i) => {
      const tree = join(dir, branch);
      git(clone, ['worktree', 'add', '--quiet', tree, branch]);
      const ok =
        run(tree, 'install', 'npx', [
          ...PNPM,
          'install',
          '--frozen-lockfile',
          '--prefer-offline',
          '--reporter=append-only',
        ]) &&
        typecheckAndLint(
          tree,
          values.full ? undefined : branchProgram(tree, branch, treeOf(clone, branch)),
          branchLint(clone, tree, branch),
        ) &&
        test(tree, branchTests(clone, tree, steps[i]!, branches[i - 1])) &&
        (!values.readme || run(tree, 'readme', 'npx', [...PNPM, 'readme:check']));
      console.log(`\n${ok ? 'PASS' : 'FAIL'} ${branch}`);
      if (!ok) failed.push(branch);
      if (!values.keep) rmSync(tree, { recursive: true, force: true });
    });
    printTimings();
    console.log(
      failed.length === 0
        ? `\nall ${branches.length} tutorial branches pass`
        : `\nfailed: ${failed.join(', ')}`,
    );
    return failed.length === 0;
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
}

/** Type-checks and lints the checkout itself, as one program where it can be. */
function checkThisCheckout(): boolean {
  const program = branchProgram(repoRoot, 'this checkout', treeOf(repoRoot, 'HEAD'));
  const ok = typecheckAndLint(repoRoot, program, { eslint: 'all', prettier: 'all' });
  printTimings(false);
  return ok;
}

if (values['this-checkout']) {
  process.exit(checkThisCheckout() ? 0 : 1);
} else if (values.check) {
  process.exit(checkBranches() ? 0 : 1);
} else {
  try {
    generateBranches(values.repo, values.force);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
