import { describe, expect, it } from 'vitest';
import Database, { DRIVER_PACKAGE } from './index.js';

describe('@fairflax/sqlite', () => {
  it('loads the better-sqlite3 major that suits this Node and runs statements', () => {
    const major = Number(process.versions.node.split('.')[0]);
    expect(DRIVER_PACKAGE).toBe(major >= 22 ? 'better-sqlite3-napi' : 'better-sqlite3');
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (x INTEGER) STRICT');
    const insert = db.prepare<[number]>('INSERT INTO t VALUES (?)');
    for (let i = 0; i < 100; i++) insert.run(i);
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 100 });
    db.close();
  });
});
