import { describe, expect, it } from 'vitest';
import { planBranchTests, type WorkspacePackage } from './reuse.js';

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
  ['packages/events/src/index.ts', 'e1'],
  ['packages/events/src/events.unit.spec.ts', 'e2'],
  ['packages/bus/src/bus.ts', 'b1'],
  ['packages/bus/src/later-step.ts', 'b2'],
  ['packages/bus/src/bus.int.spec.ts', 'b3'],
  ['services/rss/src/app.unit.spec.ts', 'r1'],
  ['services/graph/src/app.unit.spec.ts', 'g1'],
  ['system-tests/test/system.e2e.spec.ts', 's1'],
  ['tutorial/coupled/services/rss/src/app.ts', 'c1'],
]);
const TESTS = [...MAIN.keys()].filter((p) => p.includes('.spec.'));
const ALL_PASSED = new Set(TESTS);

/** The branch: main without the tutorial sources, with its own README and package.json. */
function branch(changes: Record<string, string | null> = {}) {
  const tree = new Map([...MAIN].filter(([path]) => !path.startsWith('tutorial/')));
  tree.set('package.json', 'root-step');
  tree.set('README.md', 'readme-step');
  for (const [path, blob] of Object.entries(changes)) {
    if (blob === null) tree.delete(path);
    else tree.set(path, blob);
  }
  return tree;
}

const plan = (changes: Record<string, string | null>, passedOnMain = ALL_PASSED) =>
  planBranchTests({ branch: branch(changes), main: MAIN, packages, passedOnMain });

describe('which tests a tutorial branch runs itself', () => {
  it('runs none when every file tests can read is as on main and passed there', () => {
    expect(plan({})).toEqual({ run: [], reused: [...TESTS].sort() });
  });

  it('runs the tests of a changed package, of the packages depending on it, and every end-to-end test', () => {
    expect(plan({ 'packages/bus/src/bus.ts': 'b1-step' }).run).toEqual([
      'packages/bus/src/bus.int.spec.ts',
      'services/rss/src/app.unit.spec.ts',
      'system-tests/test/system.e2e.spec.ts',
    ]);
  });

  it('counts a file the branch lacks inside a package as a change of that package', () => {
    expect(plan({ 'packages/bus/src/later-step.ts': null }).run).toContain(
      'services/rss/src/app.unit.spec.ts',
    );
  });

  it('runs every test when a file outside the packages differs', () => {
    expect(plan({ 'proto/events.proto': 'p2' }).run).toEqual([...TESTS].sort());
  });

  it('runs a test that did not pass on main, and a test main does not have', () => {
    const passed = new Set(TESTS.filter((t) => !t.startsWith('services/graph')));
    const { run } = plan({ 'services/rss/src/new.unit.spec.ts': 'n1' }, passed);

    expect(run).toEqual([
      'services/graph/src/app.unit.spec.ts',
      'services/rss/src/app.unit.spec.ts',
      'services/rss/src/new.unit.spec.ts',
      'system-tests/test/system.e2e.spec.ts',
    ]);
  });
});
