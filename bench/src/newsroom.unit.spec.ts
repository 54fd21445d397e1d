import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent } from '@fairflax/events';
import { generateNewsroomLog } from './newsroom.js';
import { AppendPayloads } from './payload.js';
import { seededRandom, TextSource } from './text.js';

describe('generateNewsroomLog', () => {
  const log = generateNewsroomLog(3_000);

  it('generates exactly the events asked for, at positions 1..n', () => {
    expect(log.events).toHaveLength(3_000);
    expect(log.events.map((e) => e.globalPosition)).toEqual(
      Array.from({ length: 3_000 }, (_, i) => i + 1),
    );
  });

  it('is the same log for the same seed, and another for another seed', () => {
    const again = generateNewsroomLog(3_000);
    expect(again.events.map((e) => e.eventId)).toEqual(log.events.map((e) => e.eventId));
    expect(Buffer.from(again.events[500]!.data)).toEqual(Buffer.from(log.events[500]!.data));
    expect(generateNewsroomLog(3_000, 8).counts).not.toEqual(log.counts);
  });

  it('numbers each stream 1, 2, 3 ... and starts every article with its draft', () => {
    const versions = new Map<string, number>();
    for (const e of log.events) {
      const next = (versions.get(e.streamId) ?? 0) + 1;
      expect(e.streamVersion).toBe(next);
      versions.set(e.streamId, next);
      if (next === 1) expect(['ArticleDrafted', 'AuthorRegistered']).toContain(e.type);
    }
  });

  it('only uses authors that were registered before', () => {
    const registered = new Set<string>();
    for (const e of log.events) {
      const event = decodeEvent(e.type, e.schemaVersion, e.data);
      if (event.type === 'AuthorRegistered') registered.add(event.data.authorId);
      if (event.type === 'ArticleDrafted' || event.type === 'AuthorRenamed') {
        expect(registered.has(event.data.authorId)).toBe(true);
      }
    }
  });

  it('looks like a newsroom: most articles published, some revised, a few retracted and renamed', () => {
    const { articles, published, revisions, retracted, authors } =
      generateNewsroomLog(20_000).counts;
    expect(published / articles).toBeGreaterThan(0.7);
    expect(published / articles).toBeLessThan(0.95);
    expect(revisions).toBeGreaterThan(articles / 2);
    expect(retracted).toBeGreaterThan(0);
    expect(retracted).toBeLessThan(published / 10);
    expect(authors).toBeGreaterThan(4);
  });
});

describe('AppendPayloads', () => {
  it('encodes drafts and revisions to about 360 bytes', () => {
    const payloads = new AppendPayloads();
    const at = '2026-01-01T00:00:00.000Z';
    for (let i = 0; i < 16; i++) {
      const drafted = encodeEvent(payloads.drafted(i, `run1-w0-${i}`, at)).data.length;
      const revised = encodeEvent(payloads.revised(i, `run1-w0-${i}`, at)).data.length;
      expect(drafted).toBeGreaterThan(320);
      expect(drafted).toBeLessThan(400);
      expect(revised).toBeGreaterThan(320);
      expect(revised).toBeLessThan(400);
    }
  });
});

describe('TextSource', () => {
  it('writes text of about the asked length, deterministically', () => {
    const a = new TextSource(seededRandom(5));
    const b = new TextSource(seededRandom(5));
    const text = a.text(200);
    expect(text).toBe(b.text(200));
    expect(text.length).toBeGreaterThanOrEqual(200);
    expect(text.length).toBeLessThanOrEqual(208);
    expect(text.split(' ').length).toBeGreaterThan(10);
  });
});
