/**
 * Generates the tutorial: one local git branch per step declared in tutorial/steps.json, each
 * the previous step plus one commit, built from the files of the current commit (HEAD).
 *
 *   pnpm tutorial:branches            create the branches; refuses to overwrite existing ones
 *   pnpm tutorial:branches --force    replace existing branches
 *   pnpm tutorial:branches --check    generate into a temporary clone and run each branch's
 *                                     install, type-check and tests there
 *
 * Only committed files are used, so the branches are reproducible from a commit: the same
 * HEAD gives the same branch commits (dates and author come from HEAD and the manifest).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateBranches, git } from './tutorial/generate.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    force: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    repo: { type: 'string', default: repoRoot },
    keep: { type: 'boolean', default: false },
  },
});

function run(cwd: string, command: string, args: string[]): boolean {
  console.log(`\n$ (${cwd.split('/').pop()}) ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, {
    cwd,
    stdio: 'inherit',
    env: { ...process.env, CI: 'true' },
  });
  return result.status === 0;
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
      const ok =
        run(tree, 'npx', [
          ...pnpm,
          'install',
          '--prefer-offline',
          '--no-frozen-lockfile',
          '--reporter=append-only',
        ]) &&
        run(tree, 'npx', [...pnpm, 'typecheck']) &&
        run(tree, 'npx', [...pnpm, 'test']);
      console.log(`\n${ok ? 'PASS' : 'FAIL'} ${branch}`);
      if (!ok) failed.push(branch);
      if (!values.keep) rmSync(tree, { recursive: true, force: true });
    }
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
