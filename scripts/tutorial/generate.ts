/**
 * The tutorial branch generator: turns tutorial/steps.json into one git branch per step, with
 * git plumbing only (no checkout), so it is fast and leaves the working tree alone.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

interface StepManifest {
  branch: string;
  title: string;
  summary: string;
  remove?: string[];
  add: (string | { from: string; to: string })[];
  /** Paths under `add` that belong to a later step. */
  exclude?: string[];
  root?: string;
}
interface Manifest {
  author: { name: string; email: string };
  steps: StepManifest[];
}
interface TreeEntry {
  mode: string;
  sha: string;
}

export const git = (repo: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string) =>
  execFileSync('git', args, {
    cwd: repo,
    env: { ...process.env, ...env },
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  }).trim();

/** Every file of HEAD as path -> (mode, blob). */
function headFiles(repo: string): Map<string, TreeEntry> {
  const files = new Map<string, TreeEntry>();
  for (const line of git(repo, ['ls-tree', '-r', '-z', 'HEAD']).split('\0')) {
    if (!line) continue;
    const [meta, path] = line.split('\t') as [string, string];
    const [mode, , sha] = meta.split(' ') as [string, string, string];
    files.set(path, { mode, sha });
  }
  return files;
}

const under = (path: string, prefix: string) => path === prefix || path.startsWith(prefix + '/');

/** Applies one step to the previous step's tree (destination path -> blob). */
function stepTree(
  previous: Map<string, TreeEntry>,
  step: StepManifest,
  head: Map<string, TreeEntry>,
): Map<string, TreeEntry> {
  const tree = new Map(
    [...previous].filter(([path]) => !(step.remove ?? []).some((p) => under(path, p))),
  );
  const place = (from: string, to: string) => {
    let found = 0;
    for (const [path, entry] of head) {
      if (!under(path, from) || (step.exclude ?? []).some((x) => under(path, x))) continue;
      tree.set(to + path.slice(from.length), entry);
      found++;
    }
    if (found === 0) throw new Error(`step ${step.branch}: nothing in HEAD at "${from}"`);
  };
  for (const item of step.add) {
    if (typeof item === 'string') place(item, item);
    else place(item.from, item.to);
  }
  if (step.root) {
    for (const [path, entry] of head) {
      if (under(path, step.root)) tree.set(path.slice(step.root.length + 1), entry);
    }
  }
  return tree;
}

/** What `pnpm install` resolves from: manifests, workspace settings, patches. */
const resolvesFrom = (path: string) =>
  path === 'pnpm-workspace.yaml' ||
  path === 'pnpm-lock.yaml' ||
  path.endsWith('package.json') ||
  path.startsWith('patches/');

/**
 * The branch's own lockfile, so that its install changes nothing: main's lockfile, trimmed by
 * pnpm to the branch's packages (`install --lockfile-only`, no download but metadata).
 */
function branchLockfile(repo: string, tree: Map<string, TreeEntry>): TreeEntry | undefined {
  if (!tree.has('pnpm-lock.yaml') || !tree.has('pnpm-workspace.yaml')) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'tutorial-lock-'));
  try {
    for (const [path, { sha }] of tree) {
      if (!resolvesFrom(path)) continue;
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), execFileSync('git', ['cat-file', 'blob', sha], { cwd: repo }));
    }
    execFileSync(
      'npx',
      ['-y', 'pnpm@10', 'install', '--lockfile-only', '--prefer-offline', '--reporter=silent'],
      { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    return { mode: '100644', sha: git(repo, ['hash-object', '-w', join(dir, 'pnpm-lock.yaml')]) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const isTest = (path: string) =>
  /\.spec\.ts$/.test(path) ||
  /(^|\/)test\//.test(path) ||
  /^(system-tests|packages\/testkit)\//.test(path);

/** Lines a step adds, by kind: what `git diff --numstat` counts as added, lockfile aside. */
export function stepSize(repo: string, from: string | undefined, to: string): string {
  const numstat = from
    ? git(repo, ['diff', '--numstat', from, to])
    : git(repo, ['show', '--numstat', '--format=', to]);
  const added = { code: 0, tests: 0, docs: 0, config: 0 };
  let files = 0;
  for (const line of numstat.split('\n').filter(Boolean)) {
    const [plus, , path] = line.split('\t') as [string, string, string];
    files++;
    if (path === 'pnpm-lock.yaml' || plus === '-') continue;
    const kind = isTest(path)
      ? 'tests'
      : path.endsWith('.md')
        ? 'docs'
        : /\.(json|ya?ml)$/.test(path) || path.startsWith('.')
          ? 'config'
          : 'code';
    added[kind] += Number(plus);
  }
  return `${files} files, +${added.code} code, +${added.tests} tests, +${added.docs} docs, +${added.config} config`;
}

function writeTree(repo: string, tree: Map<string, TreeEntry>): string {
  const index = join(mkdtempSync(join(tmpdir(), 'tutorial-index-')), 'index');
  try {
    const env = { GIT_INDEX_FILE: index };
    const info =
      [...tree].map(([path, { mode, sha }]) => `${mode} ${sha}\t${path}`).join('\n') + '\n';
    git(repo, ['update-index', '--add', '--index-info'], env, info);
    return git(repo, ['write-tree'], env);
  } finally {
    rmSync(join(index, '..'), { recursive: true, force: true });
  }
}

/**
 * Creates one branch per step of `tutorial/steps.json` at HEAD of `repo`, each the previous
 * step plus one commit. Refuses to replace existing branches unless `force`. Returns what it
 * created, in order, and logs one line per branch through `log`.
 */
export function generateBranches(
  repo: string,
  force: boolean,
  log: (line: string) => void = console.log,
): string[] {
  const manifest = JSON.parse(git(repo, ['show', 'HEAD:tutorial/steps.json'])) as Manifest;
  const head = headFiles(repo);
  const date = git(repo, ['log', '-1', '--format=%cI', 'HEAD']);
  const existing = new Set(
    git(repo, ['branch', '--format=%(refname:short)']).split('\n').filter(Boolean),
  );
  const clashes = manifest.steps.map((s) => s.branch).filter((b) => existing.has(b));
  if (clashes.length > 0 && !force) {
    throw new Error(`branches already exist: ${clashes.join(', ')} (use --force to replace them)`);
  }
  if (git(repo, ['status', '--porcelain'])) {
    log('note: uncommitted changes are not part of the generated branches (they use HEAD)');
  }
  const env = {
    GIT_AUTHOR_NAME: manifest.author.name,
    GIT_AUTHOR_EMAIL: manifest.author.email,
    GIT_COMMITTER_NAME: manifest.author.name,
    GIT_COMMITTER_EMAIL: manifest.author.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  };
  const current = git(repo, ['rev-parse', '--abbrev-ref', 'HEAD']);
  let tree = new Map<string, TreeEntry>();
  let parent: string | undefined;
  const created: string[] = [];
  for (const step of manifest.steps) {
    tree = stepTree(tree, step, head);
    const mainLockfile = head.get('pnpm-lock.yaml');
    if (mainLockfile && tree.has('pnpm-lock.yaml')) tree.set('pnpm-lock.yaml', mainLockfile);
    const lockfile = branchLockfile(repo, tree);
    if (lockfile) tree.set('pnpm-lock.yaml', lockfile);
    const branchTree = new Map(tree);
    const treeSha = writeTree(repo, branchTree);
    const message = `${step.title}\n\n${step.summary}\n`;
    const commit = git(
      repo,
      ['commit-tree', treeSha, ...(parent ? ['-p', parent] : []), '-F', '-'],
      env,
      message,
    );
    if (step.branch === current)
      throw new Error(`refusing to replace the checked-out branch ${current}`);
    git(repo, ['branch', '-f', step.branch, commit]);
    log(
      `${existing.has(step.branch) ? 'replaced' : 'created'} ${step.branch.padEnd(16)} ${commit.slice(0, 10)}  ${branchTree.size} files  ${step.title}`,
    );
    log(
      `  ${parent ? 'diff from the step before' : 'the step'}: ${stepSize(repo, parent, commit)}`,
    );
    created.push(step.branch);
    parent = commit;
  }
  return created;
}
