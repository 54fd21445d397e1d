import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalStateStore } from './state-store.js';

const dirs: string[] = [];
const open: LocalStateStore[] = [];
const newDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'state-store-'));
  dirs.push(dir);
  return dir;
};
const openStore = (dir: string) => {
  const store = LocalStateStore.open(dir);
  open.push(store);
  return store;
};

afterEach(() => {
  for (const store of open.splice(0)) store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the local state store (a SQLite file)', () => {
  it('keeps keys per store and partition, with the changelog offset they reflect', () => {
    const dir = newDir();
    const store = openStore(dir);
    expect(store.checkpoint('counts', 0)).toBeUndefined();
    store.apply(
      'counts',
      0,
      [
        ['a', '1'],
        ['b', '1'],
      ],
      2,
    );
    store.apply('counts', 1, [['a', '7']], 1);
    store.apply(
      'counts',
      0,
      [
        ['a', '2'],
        ['b', null],
      ],
      4,
    );
    expect([
      store.get('counts', 0, 'a'),
      store.get('counts', 0, 'b'),
      store.get('counts', 1, 'a'),
    ]).toEqual(['2', undefined, '7']);
    expect([
      store.checkpoint('counts', 0),
      store.checkpoint('counts', 1),
      store.get('other', 0, 'a'),
    ]).toEqual([4, 1, undefined]);
    store.close();

    const reopened = openStore(dir);
    expect([
      reopened.get('counts', 0, 'a'),
      reopened.checkpoint('counts', 0),
      reopened.size('counts', 0),
    ]).toEqual(['2', 4, 1]);
    reopened.clear('counts', 0);
    expect([
      reopened.size('counts', 0),
      reopened.checkpoint('counts', 0),
      reopened.size('counts', 1),
    ]).toEqual([0, undefined, 1]);
  });

  it('refuses a second opener of the same directory, naming the owner', () => {
    const dir = newDir();
    openStore(dir);
    expect(() => LocalStateStore.open(dir)).toThrow(
      `state directory ${dir} is in use by process ${process.pid}`,
    );
  });

  it('lets the directory be opened again once its store is closed', () => {
    const dir = newDir();
    const first = LocalStateStore.open(dir);
    first.apply('counts', 0, [['a', '1']], 1);
    first.close();
    const second = openStore(dir);
    expect(second.get('counts', 0, 'a')).toBe('1');
  });
});
