import { describe, expect, it } from 'vitest';
import { EmbeddedFeed } from './feed.js';
import { openEventSource, TransportNotInStepError } from './transport.js';

const options = { service: 'rss', articlesAddress: '127.0.0.1:1', env: {} };

describe('openEventSource', () => {
  it('follows the articles feed for the embedded transport without loading any package', async () => {
    const loaded: string[] = [];
    const source = await openEventSource('embedded', options, (name) => {
      loaded.push(name);
      return Promise.reject(new Error('unexpected'));
    });
    expect(loaded).toEqual([]);
    expect(source.status()).toMatchObject({ connected: false, reconnects: 0 });
    await source.close();
    expect(EmbeddedFeed).toBeTypeOf('function');
  });

  it('says a transport is not part of this step when its adapter package is missing', async () => {
    const load = (name: string) => import(/* @vite-ignore */ name);
    await expect(openEventSource('kafka', options, load)).rejects.toThrowError(
      TransportNotInStepError,
    );
    await expect(openEventSource('kafka', options, load)).rejects.toThrowError(
      /transport "kafka" is not part of this tutorial step: its adapter @fairflax\/bus-kafka is not installed/,
    );
  });

  it('hands the options to an adapter package that is present', async () => {
    const seen: unknown[] = [];
    const adapter = {
      openEventSource: (o: unknown) => {
        seen.push(o);
        return Promise.resolve({
          batches: async function* () {},
          status: () => ({}),
          close: () => undefined,
        });
      },
    };
    await openEventSource('nats', options, () => Promise.resolve(adapter));
    expect(seen).toEqual([options]);
  });
});
