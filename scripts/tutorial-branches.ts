/**
 * Generates the tutorial: one local git branch per step declared in tutorial/steps.json, each
 * the previous step plus one commit, built from the files of the current commit (HEAD).
 *
 *   pnpm tutorial:branches            create the branches; refuses to overwrite existing ones
 *   pnpm tutorial:branches --force    replace existing branches
 *   pnpm tutorial:branches --check    generate into a temporary clone and run each branch's
 *                                     install, type-check, lint and tests there
 *     --main-report <vitest json>     main's test report of the same commit: a branch then runs
 *                                     only the tests that could behave otherwise than on main
 *     --full                          every test of every branch, whatever main's report says
 *
 * Only committed files are used, so the branches are reproducible from a commit: the same
 * HEAD gives the same branch commits (dates and author come from HEAD and the manifest).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateBranches, git } from './tutorial/generate.js';
import { planBranchTests, type Tree, type WorkspacePackage } from './tutorial/reuse.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    force: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    repo: { type: 'string', default: repoRoot },
    keep: { type: 'boolean', default: false },
    'main-report': { type: 'string' },
    full: { type: 'boolean', default: false },
  },
});

/** Seconds each phase of each branch took, printed as a table at the end of a check. */
const timings: { branch: string; phase: string; seconds: number; ok: boolean }[] = [];

function run(cwd: string, phase: string, command: string, args: string[]): boolean {
  const branch = cwd.split('/').pop() ?? cwd;
  console.log(`\n$ (${branch}) ${command} ${args.join(' ')}`);
  const started = Date.now();
  const result = spawnSync(command, args, {
    cwd,
    stdio: 'inherit',
    env: { ...process.env, CI: 'true' },
  });
  const ok = result.status === 0;
  timings.push({ branch, phase, seconds: Math.round((Date.now() - started) / 1000), ok });
  return ok;
}

function printTimings(): void {
  const phases = [...new Set(timings.map((t) => t.phase))];
  const branches = [...new Set(timings.map((t) => t.branch))];
  console.log(`\n| branch | ${phases.join(' | ')} | total |`);
  console.log(`| --- | ${phases.map(() => '---').join(' | ')} | --- |`);
  for (const branch of branches) {
    const mine = timings.filter((t) => t.branch === branch);
    const cell = (phase: string) => {
      const t = mine.find((m) => m.phase === phase);
      return t ? `${t.seconds}s${t.ok ? '' : ' FAIL'}` : '-';
    };
    const total = mine.reduce((sum, t) => sum + t.seconds, 0);
    console.log(`| ${branch} | ${phases.map(cell).join(' | ')} | ${total}s |`);
  }
}

function treeOf(repo: string, revision: string): Tree {
  const tree = new Map<string, string>();
  for (const line of git(repo, ['ls-tree', '-r', '-z', revision]).split('\0')) {
    const [meta, path] = line.split('\t');
    if (meta && path) tree.set(path, meta.split(' ')[2]!);
  }
  return tree;
}

function workspacePackages(worktree: string, tree: Tree): WorkspacePackage[] {
  return [...tree.keys()]
    .filter((path) => path.endsWith('/package.json'))
    .map((path) => {
      const json = JSON.parse(readFileSync(join(worktree, path), 'utf8')) as Record<
        string,
        Record<string, string> | string | undefined
      >;
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

/** The branch's test command: every test, or with main's report only those that could differ. */
function branchTests(clone: string, branch: string, tree: string): string[] | undefined {
  const report = values['main-report'];
  if (report === undefined || values.full) return [];
  const branchTree = treeOf(clone, branch);
  const { run, reused } = planBranchTests({
    branch: branchTree,
    main: treeOf(clone, 'HEAD'),
    packages: workspacePackages(tree, branchTree),
    passedOnMain: passedIn(report),
  });
  console.log(
    `\n${branch}: ${run.length} test files to run; ${reused.length} passed on main with everything they read unchanged`,
  );
  return run.length === 0 ? undefined : run;
}

/** Generates the branches in a throwaway clone and runs each one's own checks there. */
function checkBranches(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'tutorial-check-'));
  const clone = join(dir, 'repo');
  try {
    git(repoRoot, ['clone', '--quiet', '--no-local', repoRoot, clone]);
    git(clone, ['checkout', '--quiet', '--detach']);
    const branches = generateBranches(clone, true);
    const failed: string[] = [];
    for (const branch of branches) {
      const tree = join(dir, branch);
      git(clone, ['worktree', 'add', '--quiet', tree, branch]);
      const pnpm = ['-y', 'pnpm@10'];
      const installed =
        run(tree, 'install', 'npx', [
          ...pnpm,
          'install',
          '--prefer-offline',
          '--no-frozen-lockfile',
          '--reporter=append-only',
        ]) &&
        run(tree, 'typecheck', 'npx', [...pnpm, 'typecheck']) &&
        run(tree, 'lint', 'npx', [...pnpm, 'lint']);
      const tests = installed ? branchTests(clone, branch, tree) : [];
      const ok =
        installed && (tests === undefined || run(tree, 'test', 'npx', [...pnpm, 'test', ...tests]));
      console.log(`\n${ok ? 'PASS' : 'FAIL'} ${branch}`);
      if (!ok) failed.push(branch);
      if (!values.keep) rmSync(tree, { recursive: true, force: true });
    }
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

if (values.check) {
  process.exit(checkBranches() ? 0 : 1);
} else {
  try {
    generateBranches(values.repo, values.force);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
