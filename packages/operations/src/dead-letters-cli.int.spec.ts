import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openReadModel, ProjectionRunner, type Projection } from '@fairflax/projections';
import { eventLog } from '@fairflax/projections/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listDeadLetters } from './dead-letter-store.js';
import { DeadLetterParking } from './dead-letters.js';
import { runDeadLettersCli } from './dead-letters-cli.js';

/** Rejects authors called "poison"; keeps no tables of its own. */
const pickyProjection: Projection = {
  name: 'picky-v1',
  migrate: () => undefined,
  apply: (_db, { event }) => {
    if (event.type === 'AuthorRegistered' && event.data.name === 'poison')
      throw new Error('cannot place this author');
  },
};
const registered = (authorId: string, name = authorId) =>
  ({
    type: 'AuthorRegistered',
    data: { authorId, name, registeredAt: '2026-01-01T00:00:00.000Z' },
  }) as const;
const renamed = (authorId: string, name: string) =>
  ({
    type: 'AuthorRenamed',
    data: { authorId, name, previousName: '', renamedAt: '2026-01-02T00:00:00.000Z' },
  }) as const;

let dir: string;
let dbPath: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dead-letters-cli-'));
  dbPath = join(dir, 'picky.sqlite');
  const db = openReadModel(dbPath);
  new ProjectionRunner(db, pickyProjection, {
    middleware: [new DeadLetterParking(pickyProjection.name)],
  }).applyBatch(
    eventLog()([
      registered('a'),
      registered('b', 'poison'),
      renamed('b', 'B2'),
      registered('c', 'poison'),
    ]),
  );
  db.close();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = runDeadLettersCli({
    service: 'picky',
    projection: 'picky-v1',
    defaultDbPath: dbPath,
    args,
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  });
  return { code, stdout, stderr };
}

const replayRequested = () => {
  const db = openReadModel(dbPath);
  try {
    return listDeadLetters(db).map((l) => [l.event.streamId, l.replayRequested]);
  } finally {
    db.close();
  }
};

describe('dead-letters list', () => {
  it('prints each parked event with its position, stream, type, reason, attempts and error, then a summary', () => {
    const { code, stdout } = cli('list');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^POSITION\s+STREAM\s+TYPE\s+REASON\s+ATTEMPTS\s+ERROR$/);
    expect(lines.slice(1, -1).map((l) => l.trim().split(/\s{2,}/))).toEqual([
      ['2', 'author-b', 'AuthorRegistered', 'failed', '1', 'Error: cannot place this author'],
      ['3', 'author-b', 'AuthorRenamed', 'sequenced', '0', expect.stringMatching(/position 2\b/)],
      ['4', 'author-c', 'AuthorRegistered', 'failed', '1', 'Error: cannot place this author'],
    ]);
    expect(lines.at(-1)).toBe('3 parked events in 2 streams');
  });

  it('shows one stream with --stream, and machine-readable events with --json', () => {
    expect(cli('list', '--stream', 'author-c').stdout).toMatch(
      /author-c[^\n]*\n1 parked event in 1 stream\n$/,
    );
    const json = JSON.parse(cli('list', '--json', '--stream', 'author-b').stdout);
    expect(json).toMatchObject([
      {
        globalPosition: 2,
        streamId: 'author-b',
        type: 'AuthorRegistered',
        reason: 'failed',
        replayRequested: false,
      },
      { globalPosition: 3, streamId: 'author-b', type: 'AuthorRenamed', reason: 'sequenced' },
    ]);
    expect(Buffer.from(json[0].data, 'base64').length).toBeGreaterThan(0);
  });

  it('says so when nothing is parked', () => {
    expect(cli('list', '--stream', 'author-a')).toEqual({
      code: 0,
      stdout: 'no parked events\n',
      stderr: '',
    });
  });
});

describe('dead-letters replay', () => {
  it('marks one stream for the running service to replay and says how much it marked', () => {
    const { code, stdout } = cli('replay', '--stream', 'author-b');
    expect(code).toBe(0);
    expect(stdout).toBe(
      'requested replay of 2 events in 1 stream; the running picky applies them within a second\n',
    );
    expect(replayRequested()).toEqual([
      ['author-b', true],
      ['author-b', true],
      ['author-c', false],
    ]);
    expect(cli('list').stdout).toMatch(/; 2 awaiting replay \(\*\)\n$/);
  });

  it('marks every stream with --all', () => {
    expect(cli('replay', '--all').stdout).toMatch(/^requested replay of 3 events in 2 streams;/);
    expect(replayRequested().every(([, requested]) => requested)).toBe(true);
  });

  it('fails with a clear message for a stream that has nothing parked', () => {
    const { code, stderr } = cli('replay', '--stream', 'author-zz');
    expect(code).toBe(1);
    expect(stderr).toMatch(/no parked events in stream author-zz/);
  });
});

describe('dead-letters arguments', () => {
  it.each([
    [[], /missing command/],
    [['purge'], /unknown command "purge"/],
    [['replay'], /either --stream <id> or --all/],
    [['replay', '--all', '--stream', 'author-b'], /either --stream <id> or --all/],
    [['list', '--all'], /--all goes with replay/],
    [['replay', '--all', '--json'], /--json goes with list/],
    [['list', '--verbose'], /--verbose/],
    [['list', 'extra'], /unexpected argument "extra"/],
    [['list', '--stream'], /--stream/],
  ])('rejects %j with exit status 2 and the usage', (args, message) => {
    const { code, stdout, stderr } = cli(...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/usage:/);
  });

  it('fails with exit status 1, creating nothing, when the read model file does not exist', () => {
    const missing = join(dir, 'nowhere', 'none.sqlite');
    const { code, stderr } = cli('list', '--db', missing);
    expect(code).toBe(1);
    expect(stderr).toContain(`no read model at ${missing}`);
    expect(existsSync(join(dir, 'nowhere'))).toBe(false);
  });
});
