import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateBranches, git } from './generate.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A tiny main: a coupled step under tutorial/coupled and a later step at the top level. */
function fixtureRepo(): string {
  const repo = mkdtempSync(join(tmpdir(), 'tutorial-gen-'));
  dirs.push(repo);
  const files: Record<string, string> = {
    'tutorial/steps.json': JSON.stringify({
      author: { name: 'Tutorial', email: 'tutorial@example.test' },
      steps: [
        {
          branch: 'master',
          title: 'Step 0: coupled',
          summary: 'The start.',
          add: ['shared', { from: 'tutorial/coupled/services', to: 'services' }],
          root: 'tutorial/steps/master',
        },
        {
          branch: 'event-sourcing',
          title: 'Step 1: events',
          summary: 'The lesson.',
          remove: ['services'],
          add: ['services', 'packages/events'],
          root: 'tutorial/steps/event-sourcing',
        },
      ],
    }),
    'tutorial/steps/master/README.md': 'step 0\n',
    'tutorial/steps/event-sourcing/README.md': 'step 1\n',
    'tutorial/coupled/services/rss/app.ts': 'coupled rss\n',
    'tutorial/coupled/services/rss/package.json': JSON.stringify({
      name: 'rss',
      dependencies: { events: 'workspace:*', x: '^1' },
    }),
    'services/rss/app.ts': 'event-sourced rss\n',
    'services/rss/package.json': JSON.stringify({
      name: 'rss',
      dependencies: { events: 'workspace:*', kafka: 'workspace:*' },
    }),
    'packages/events/package.json': JSON.stringify({ name: 'events' }),
    'shared/tool.ts': 'shared\n',
    'README.md': 'main readme\n',
  };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), content);
  }
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
  commitAll(repo, 'main');
  return repo;
}

function commitAll(repo: string, message: string): void {
  const env = {
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@example.test',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@example.test',
  };
  execFileSync('git', ['add', '-A'], { cwd: repo });
  execFileSync('git', ['commit', '-qm', message], { cwd: repo, env: { ...process.env, ...env } });
}

const show = (repo: string, ref: string) => git(repo, ['show', ref]);
const files = (repo: string, branch: string) =>
  git(repo, ['ls-tree', '-r', '--name-only', branch]).split('\n');

describe('generateBranches', () => {
  it('builds each step as the previous one plus one commit, placing folders where the manifest says', () => {
    const repo = fixtureRepo();
    const lines: string[] = [];
    expect(generateBranches(repo, false, (l) => lines.push(l))).toEqual([
      'master',
      'event-sourcing',
    ]);
    expect(lines).toEqual([
      expect.stringMatching(/^created master .* 4 files {2}Step 0: coupled$/),
      '  the step: 4 files, +2 code, +0 tests, +1 docs, +1 config',
      expect.stringMatching(/^created event-sourcing .*Step 1: events$/),
      '  diff from the step before: 4 files, +1 code, +0 tests, +1 docs, +2 config',
    ]);

    expect(files(repo, 'master')).toEqual([
      'README.md',
      'services/rss/app.ts',
      'services/rss/package.json',
      'shared/tool.ts',
    ]);
    expect(show(repo, 'master:services/rss/app.ts')).toBe('coupled rss');
    expect(show(repo, 'master:README.md')).toBe('step 0');
    expect(show(repo, 'event-sourcing:services/rss/app.ts')).toBe('event-sourced rss');
    expect(show(repo, 'event-sourcing:README.md')).toBe('step 1');
    expect(files(repo, 'event-sourcing')).not.toContain('tutorial/steps.json');

    expect(git(repo, ['rev-list', '--count', 'event-sourcing'])).toBe('2');
    expect(git(repo, ['rev-parse', 'event-sourcing^'])).toBe(git(repo, ['rev-parse', 'master']));
    expect(git(repo, ['log', '-1', '--format=%B', 'event-sourcing'])).toBe(
      'Step 1: events\n\nThe lesson.',
    );
    expect(git(repo, ['diff', '--name-only', 'master', 'event-sourcing']).split('\n')).toEqual([
      'README.md',
      'packages/events/package.json',
      'services/rss/app.ts',
      'services/rss/package.json',
    ]);
  });

  it("takes a step's own version of a seam file from its folder, and a later step can put main's back", () => {
    const repo = fixtureRepo();
    const manifest = JSON.parse(show(repo, 'HEAD:tutorial/steps.json'));
    manifest.steps.push({
      branch: 'kafka',
      title: 'Step 2: kafka',
      summary: 'A transport.',
      add: ['services/rss/transports.ts'],
      root: 'tutorial/steps/kafka',
    });
    const seams: Record<string, string> = {
      'tutorial/steps.json': JSON.stringify(manifest),
      'services/rss/transports.ts': 'embedded, kafka\n',
      'tutorial/steps/event-sourcing/services/rss/transports.ts': 'embedded\n',
      'tutorial/steps/kafka/README.md': 'step 2\n',
    };
    for (const [path, content] of Object.entries(seams)) {
      mkdirSync(dirname(join(repo, path)), { recursive: true });
      writeFileSync(join(repo, path), content);
    }
    commitAll(repo, 'seams');
    generateBranches(repo, false, () => undefined);
    expect(show(repo, 'event-sourcing:services/rss/transports.ts')).toBe('embedded');
    expect(show(repo, 'kafka:services/rss/transports.ts')).toBe('embedded, kafka');
    expect(git(repo, ['diff', '--name-only', 'event-sourcing', 'kafka']).split('\n')).toEqual([
      'README.md',
      'services/rss/transports.ts',
    ]);
    // The package.json of a step is what main holds: nothing is rewritten.
    expect(JSON.parse(show(repo, 'event-sourcing:services/rss/package.json'))).toEqual({
      name: 'rss',
      dependencies: { events: 'workspace:*', kafka: 'workspace:*' },
    });
  });

  it('refuses to replace existing branches unless forced, and gives the same commits for the same HEAD', () => {
    const repo = fixtureRepo();
    generateBranches(repo, false, () => undefined);
    const first = git(repo, ['rev-parse', 'event-sourcing']);
    expect(() => generateBranches(repo, false, () => undefined)).toThrowError(
      /already exist: master, event-sourcing \(use --force/,
    );
    const lines: string[] = [];
    generateBranches(repo, true, (l) => lines.push(l));
    expect(lines[0]).toMatch(/^replaced master/);
    expect(git(repo, ['rev-parse', 'event-sourcing'])).toBe(first);
  });

  it('names the step and path when the manifest points at nothing', () => {
    const repo = fixtureRepo();
    const manifest = JSON.parse(show(repo, 'HEAD:tutorial/steps.json'));
    manifest.steps[1].add.push('packages/missing');
    writeFileSync(join(repo, 'tutorial/steps.json'), JSON.stringify(manifest));
    commitAll(repo, 'broken');
    expect(() => generateBranches(repo, false, () => undefined)).toThrowError(
      'step event-sourcing: nothing in HEAD at "packages/missing"',
    );
  });

  it("gives each branch main's lockfile trimmed to its own packages, which its frozen install accepts", () => {
    const repo = fixtureRepo();
    const workspace: Record<string, string> = {
      'pnpm-workspace.yaml': 'packages:\n  - services/*\n  - packages/*\n',
      'package.json': JSON.stringify({ name: 'root', private: true }),
      'services/rss/package.json': JSON.stringify({
        name: 'rss',
        dependencies: { events: 'workspace:*' },
      }),
      'tutorial/coupled/services/rss/package.json': JSON.stringify({ name: 'rss' }),
    };
    for (const [path, content] of Object.entries(workspace)) {
      mkdirSync(dirname(join(repo, path)), { recursive: true });
      writeFileSync(join(repo, path), content);
    }
    const manifest = JSON.parse(show(repo, 'HEAD:tutorial/steps.json'));
    manifest.steps[0].add.push('pnpm-workspace.yaml', 'pnpm-lock.yaml', 'package.json');
    writeFileSync(join(repo, 'tutorial/steps.json'), JSON.stringify(manifest));
    const pnpm = ['-y', 'pnpm@10', 'install', '--lockfile-only', '--prefer-offline'];
    execFileSync('npx', pnpm, { cwd: repo, stdio: 'ignore' });
    commitAll(repo, 'workspace');
    expect(show(repo, 'HEAD:pnpm-lock.yaml')).toContain('packages/events');

    generateBranches(repo, false, () => undefined);
    const master = show(repo, 'master:pnpm-lock.yaml');
    expect(master).toContain('services/rss');
    expect(master).not.toContain('packages/events');
    expect(show(repo, 'event-sourcing:pnpm-lock.yaml')).toContain('packages/events');

    const tree = mkdtempSync(join(tmpdir(), 'tutorial-gen-tree-'));
    dirs.push(tree);
    git(repo, ['worktree', 'add', '-q', tree, 'master']);
    execFileSync('npx', ['-y', 'pnpm@10', 'install', '--frozen-lockfile', '--prefer-offline'], {
      cwd: tree,
      stdio: 'ignore',
    });
    expect(git(tree, ['status', '--porcelain', '--', 'pnpm-lock.yaml'])).toBe('');
  });
});
