import type { FairflaxEvent } from '@fairflax/events';
import { describe, expect, it } from 'vitest';
import { openReadModel, ProjectionRunner } from '@fairflax/projections';
import { deliveriesOf } from '@fairflax/projections/testing';
import { awaitMinPosition, PositionWaiters } from './read-your-writes.js';

const noop = { name: 'noop', migrate: () => undefined, apply: () => undefined };
const event: FairflaxEvent = {
  type: 'AuthorRegistered',
  data: { authorId: 'a', name: 'A', registeredAt: 't' },
};

describe('awaitMinPosition', () => {
  const runner = () => new ProjectionRunner(openReadModel(':memory:'), noop);
  const waiters = () => new PositionWaiters(runner());

  it('lets a request without a minimum position through at once', async () => {
    await expect(awaitMinPosition(waiters(), undefined)).resolves.toEqual({ ok: true });
  });

  it('rejects a minimum position or timeout that is not a plain integer with 400', async () => {
    await expect(awaitMinPosition(waiters(), '-1')).resolves.toMatchObject({
      ok: false,
      status: 400,
    });
    await expect(awaitMinPosition(waiters(), '1e3')).resolves.toMatchObject({
      ok: false,
      status: 400,
    });
    await expect(awaitMinPosition(waiters(), '1', 'soon')).resolves.toMatchObject({
      ok: false,
      status: 400,
    });
  });

  it('answers 503 naming both positions when the read model does not catch up in time', async () => {
    const check = await awaitMinPosition(waiters(), '7', '20');
    expect(check).toMatchObject({ ok: false, status: 503 });
    expect(check.ok === false && check.detail).toMatch(
      /at position 0, behind the requested 7 after waiting 20 ms/,
    );
  });

  it('waits for the position and then lets the request through', async () => {
    const r = runner();
    const pending = awaitMinPosition(new PositionWaiters(r), '1', '5000');
    r.applyBatch(deliveriesOf([event]));
    await expect(pending).resolves.toEqual({ ok: true });
  });
});
