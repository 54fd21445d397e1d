import { describe, expect, it } from 'vitest';
import {
  oneProgram,
  planBranchLint,
  planBranchTests,
  ROOT_TYPECHECK,
  PACKAGE_TYPECHECK,
  type Project,
  type WorkspacePackage,
} from './reuse.js';

const packages: WorkspacePackage[] = [
  { dir: 'packages/events', name: '@x/events', dependsOn: [] },
  { dir: 'packages/bus', name: '@x/bus', dependsOn: ['@x/events'] },
  { dir: 'services/rss', name: '@x/rss', dependsOn: ['@x/bus'] },
  { dir: 'services/graph', name: '@x/graph', dependsOn: ['@x/events'] },
  { dir: 'system-tests', name: '@x/system-tests', dependsOn: [] },
];

const MAIN = new Map([
  ['proto/events.proto', 'p1'],
  ['package.json', 'root-main'],
  ['README.md', 'readme-main'],
  ['eslint.config.js', 'lint-config'],
  ['scripts/start.ts', 'start'],
  ['packages/events/src/index.ts', 'e1'],
  ['packages/events/src/events.unit.spec.ts', 'e2'],
  ['packages/bus/src/bus.ts', 'b1'],
  ['packages/bus/src/later-step.ts', 'b2'],
  ['packages/bus/src/bus.int.spec.ts', 'b3'],
  ['services/rss/src/app.unit.spec.ts', 'r1'],
  ['services/rss/src/feed.int.spec.ts', 'r2'],
  ['services/graph/src/app.unit.spec.ts', 'g1'],
  ['services/graph/src/app.int.spec.ts', 'g2'],
  ['system-tests/test/system.e2e.spec.ts', 's1'],
  ['tutorial/coupled/services/rss/src/app.ts', 'c1'],
]);
const TESTS = [...MAIN.keys()].filter((p) => p.includes('.spec.')).sort();
const UNIT_TESTS = TESTS.filter((p) => p.includes('.unit.'));
const ALL_PASSED = new Set(TESTS);

/** A branch: main without the tutorial sources, with its own README and package.json. */
function tree(changes: Record<string, string | null> = {}) {
  const files = new Map([...MAIN].filter(([path]) => !path.startsWith('tutorial/')));
  files.set('package.json', 'root-step');
  files.set('README.md', 'readme-step');
  for (const [path, blob] of Object.entries(changes)) {
    if (blob === null) files.delete(path);
    else files.set(path, blob);
  }
  return files;
}

interface Case {
  /** How the branch differs from main. */
  branch?: Record<string, string | null>;
  /** How the previous step's tree differs from this branch's (`{}`: not at all); absent: no previous step. */
  previous?: Record<string, string | null>;
  passedOnMain?: ReadonlySet<string>;
  alwaysTest?: string[];
}

function plan({ branch = {}, previous, passedOnMain = ALL_PASSED, alwaysTest }: Case) {
  const files = tree(branch);
  const before = previous && new Map(files);
  for (const [path, blob] of Object.entries(previous ?? {})) {
    if (blob === null) before!.delete(path);
    else before!.set(path, blob);
  }
  return planBranchTests({
    branch: files,
    main: MAIN,
    packages,
    previous: before,
    passedOnMain,
    alwaysTest,
  });
}

describe('which tests a tutorial branch runs itself', () => {
  it('runs none when nothing tests read differs from main: main has just run them all', () => {
    expect(plan({})).toEqual({ run: [], reused: TESTS });
  });

  it('runs every unit test when anything differs, those of unchanged packages too', () => {
    const { run } = plan({
      branch: { 'services/graph/src/app.ts': 'g-step' },
      previous: {},
    });

    expect(run).toEqual(UNIT_TESTS);
  });

  it('runs an integration test the step adds when its package or one it depends on differs', () => {
    const branch = { 'packages/bus/src/bus.ts': 'b1-step' };
    const { run } = plan({
      branch,
      previous: { 'packages/bus/src/bus.int.spec.ts': null },
    });

    expect(run).toEqual([...UNIT_TESTS, 'packages/bus/src/bus.int.spec.ts'].sort());
  });

  it('runs an integration or end-to-end test the step changes', () => {
    const branch = { 'packages/bus/src/bus.ts': 'b1-step' };
    const { run } = plan({
      branch,
      previous: {
        'services/rss/src/feed.int.spec.ts': 'r2-before',
        'system-tests/test/system.e2e.spec.ts': 's1-before',
      },
    });

    expect(run).toEqual(
      [
        ...UNIT_TESTS,
        'services/rss/src/feed.int.spec.ts',
        'system-tests/test/system.e2e.spec.ts',
      ].sort(),
    );
  });

  it('leaves to main an integration test the step adds whose packages are all as on main', () => {
    const branch = { 'packages/bus/src/bus.ts': 'b1-step' };
    const { run, reused } = plan({
      branch,
      previous: { 'services/graph/src/app.int.spec.ts': null },
    });

    expect(run).not.toContain('services/graph/src/app.int.spec.ts');
    expect(reused).toContain('services/graph/src/app.int.spec.ts');
  });

  it('leaves integration and end-to-end tests of an earlier step to that step, even where they could differ', () => {
    const branch = { 'packages/bus/src/bus.ts': 'b1-step' };
    const { run } = plan({ branch, previous: {} });

    expect(run).toEqual(UNIT_TESTS);
  });

  it('runs every test in the first step where its packages differ, an end-to-end test when any does', () => {
    expect(plan({ branch: { 'packages/bus/src/bus.ts': 'b1-step' } }).run).toEqual(
      [
        ...UNIT_TESTS,
        'packages/bus/src/bus.int.spec.ts',
        'services/rss/src/feed.int.spec.ts',
        'system-tests/test/system.e2e.spec.ts',
      ].sort(),
    );
  });

  it('counts a file the branch lacks inside a package as a change of that package', () => {
    expect(plan({ branch: { 'packages/bus/src/later-step.ts': null } }).run).toContain(
      'services/rss/src/feed.int.spec.ts',
    );
  });

  it('runs every test the step adds when a file outside the packages differs', () => {
    expect(plan({ branch: { 'proto/events.proto': 'p2' } }).run).toEqual(TESTS);
  });

  it("runs the step's alwaysTest list even where main's run covers them and an earlier step added them", () => {
    const alwaysTest = [
      'system-tests/test/system.e2e.spec.ts',
      'services/graph/src/app.int.spec.ts',
    ];

    expect(plan({ previous: {}, alwaysTest }).run).toEqual(alwaysTest.sort());
    expect(
      plan({
        branch: { 'packages/bus/src/bus.ts': 'b1-step' },
        previous: {},
        alwaysTest,
      }).run,
    ).toEqual([...UNIT_TESTS, ...alwaysTest].sort());
  });

  it('runs a test that did not pass on main, and a test main does not have', () => {
    const passed = new Set(TESTS.filter((t) => !t.startsWith('services/graph')));
    const branch = { 'services/rss/src/new.int.spec.ts': 'n1' };
    const { run } = plan({ branch, previous: {}, passedOnMain: passed });

    expect(run).toEqual(
      [
        ...UNIT_TESTS,
        'services/graph/src/app.int.spec.ts',
        'services/rss/src/new.int.spec.ts',
      ].sort(),
    );
  });
});

describe('what a tutorial branch lints itself', () => {
  const lint = (changes: Record<string, string | null>) =>
    planBranchLint({ branch: tree(changes), main: MAIN, packages });

  it('formats-checks only its own README and package.json when the rest is as on main', () => {
    expect(lint({})).toEqual({ eslint: [], prettier: ['README.md', 'package.json'] });
  });

  it('lints every file of a changed package, of the packages depending on it, and outside the packages', () => {
    expect(lint({ 'packages/bus/src/bus.ts': 'b1-step' })).toEqual({
      eslint: [
        'eslint.config.js',
        'packages/bus/src/bus.int.spec.ts',
        'packages/bus/src/bus.ts',
        'packages/bus/src/later-step.ts',
        'scripts/start.ts',
        'services/rss/src/app.unit.spec.ts',
        'services/rss/src/feed.int.spec.ts',
      ],
      prettier: ['README.md', 'package.json', 'packages/bus/src/bus.ts'],
    });
  });

  it('counts a file the branch lacks as a change of its package', () => {
    expect(lint({ 'packages/bus/src/later-step.ts': null }).eslint).toContain(
      'services/rss/src/app.unit.spec.ts',
    );
  });

  it('lints everything when the lint configuration differs', () => {
    expect(lint({ 'eslint.config.js': 'lint-step' })).toEqual({ eslint: 'all', prettier: 'all' });
  });
});

describe('one type-check program for a branch', () => {
  const files: Record<string, unknown> = {
    'tsconfig.base.json': { $comment: 'shared', extends: './packages/tsconfig/base.json' },
    'packages/tsconfig/base.json': { compilerOptions: { strict: true } },
    'other/base.json': { compilerOptions: { strict: false } },
  };
  const read = (path: string) => files[path];
  const resolve = (dir: string, spec: string) =>
    spec === '@x/tsconfig/base.json'
      ? 'packages/tsconfig/base.json'
      : [...(dir ? dir.split('/') : []), ...spec.split('/')]
          .reduce<string[]>(
            (parts, part) =>
              part === '..' ? parts.slice(0, -1) : part === '.' ? parts : [...parts, part],
            [],
          )
          .join('/');
  const root: Project = {
    dir: '',
    typecheck: ROOT_TYPECHECK,
    tsconfig: {
      extends: './tsconfig.base.json',
      compilerOptions: { noEmit: true },
      include: ['scripts/**/*.ts', 'vitest.config.ts'],
    },
  };
  const pkg = (dir: string, tsconfig: unknown, typecheck = PACKAGE_TYPECHECK): Project => ({
    dir,
    tsconfig,
    typecheck,
  });
  const standard = {
    extends: '@x/tsconfig/base.json',
    compilerOptions: { rootDir: '.', outDir: 'dist' },
    include: ['src/**/*.ts', './test/**/*.ts'],
  };

  it("holds the root's files and every package's, on the settings they all extend", () => {
    const program = oneProgram(
      [
        root,
        pkg('packages/bus', standard),
        pkg('infra/kafka', {
          extends: '../../tsconfig.base.json',
          compilerOptions: { noEmit: true },
          include: ['*.ts'],
        }),
      ],
      read,
      resolve,
    );

    expect(program).toEqual({
      tsconfig: {
        extends: './packages/tsconfig/base.json',
        compilerOptions: { noEmit: true },
        include: [
          'scripts/**/*.ts',
          'vitest.config.ts',
          'packages/bus/src/**/*.ts',
          'packages/bus/test/**/*.ts',
          'infra/kafka/*.ts',
        ],
      },
      alone: [],
    });
  });

  it('leaves a package to check on its own when its settings or its script differ', () => {
    const program = oneProgram(
      [
        root,
        pkg('packages/a', { ...standard, compilerOptions: { strict: false } }),
        pkg('packages/b', { ...standard, extends: '../../other/base.json' }),
        pkg('packages/c', { ...standard, include: ['../elsewhere/**/*.ts'] }),
        pkg('packages/d', { ...standard, files: ['x.ts'] }),
        pkg('packages/e', standard, 'tsc -p tsconfig.json --noEmit && tsc -p tsconfig.test.json'),
        pkg('packages/f', undefined),
        pkg('packages/g', standard),
      ],
      read,
      resolve,
    );

    expect(program?.alone).toEqual([
      'packages/a',
      'packages/b',
      'packages/c',
      'packages/d',
      'packages/e',
      'packages/f',
    ]);
    expect(program?.tsconfig.include).toContain('packages/g/src/**/*.ts');
  });

  it('leaves out a package with no typecheck script: the branch does not check it either', () => {
    const bench: Project = { dir: 'bench', tsconfig: standard, typecheck: undefined };
    const program = oneProgram([root, bench], read, resolve);

    expect(program?.alone).toEqual([]);
    expect(program?.tsconfig.include).toEqual(['scripts/**/*.ts', 'vitest.config.ts']);
  });

  it("takes the settings the root's tsconfig extends, and gives up without a standard root", () => {
    const elsewhere = { ...(root.tsconfig as object), extends: './other/base.json' };

    expect(oneProgram([{ ...root, tsconfig: elsewhere }], read, resolve)?.tsconfig.extends).toBe(
      './other/base.json',
    );
    expect(oneProgram([{ ...root, typecheck: 'tsc -b' }], read, resolve)).toBeUndefined();
    expect(
      oneProgram([{ ...root, tsconfig: { ...elsewhere, references: [] } }], read, resolve),
    ).toBeUndefined();
    expect(oneProgram([pkg('packages/bus', standard)], read, resolve)).toBeUndefined();
  });
});
