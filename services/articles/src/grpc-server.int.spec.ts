import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { openSqliteEventStore, type SqliteEventStore } from '@fairflax/event-store-sqlite';
import { ArticlesService } from '@fairflax/publishing-api';
import type { Logger } from '@fairflax/service-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ArticlesApplication } from './application.js';
import { bindGrpc, createGrpcServer } from './grpc-server.js';

interface Answer {
  code: grpc.status;
  details: string;
  field: grpc.MetadataValue[];
  result?: { streamVersion?: string; duplicate?: boolean };
}

/** A raw client: requests go out exactly as written here, fields the typed client would not send included. */
function rawClient(address: string) {
  const client = new ArticlesService(address, grpc.credentials.createInsecure());
  const answer =
    (resolve: (a: Answer) => void) => (err: grpc.ServiceError | null, result?: Answer['result']) =>
      resolve(
        err
          ? { code: err.code, details: err.details, field: err.metadata.get('field') }
          : { code: grpc.status.OK, details: '', field: [], ...(result && { result }) },
      );
  return {
    call: (method: string, request: object) =>
      new Promise<Answer>((resolve) => {
        const fn = client[method] as (
          req: object,
          cb: (err: grpc.ServiceError | null, res?: Answer['result']) => void,
        ) => void;
        fn.call(client, request, answer(resolve));
      }),
    /** Sends bytes as they are, to put what no protobuf encoder writes on the wire. */
    callRaw: (method: string, bytes: Buffer) =>
      new Promise<Answer>((resolve) => {
        const path = `/fairflax.publishing.v1.Articles/${method}`;
        const same = (b: Buffer) => b;
        client.makeUnaryRequest(path, same, same, bytes, (err: grpc.ServiceError | null) =>
          answer(resolve)(err),
        );
      }),
    close: () => client.close(),
  };
}

/** A length-delimited protobuf field: tag, length, bytes (all lengths here under 128). */
const field = (number: number, bytes: number[] | Buffer) =>
  Buffer.from([(number << 3) | 2, bytes.length, ...bytes]);

let dir: string;
let store: SqliteEventStore;
let server: grpc.Server;
let client: ReturnType<typeof rawClient>;
const logged: { obj: unknown; msg: string | undefined }[] = [];
const logger = {
  error: (obj: unknown, msg?: string) => logged.push({ obj, msg }),
  info: () => undefined,
  warn: () => undefined,
  debug: () => undefined,
} as unknown as Logger;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'articles-grpc-'));
  store = openSqliteEventStore(join(dir, 'events.sqlite'));
  const app = new ArticlesApplication(store, { now: () => new Date(), newId: randomUUID });
  server = createGrpcServer({ app, store, logger, newId: randomUUID });
  const port = await bindGrpc(server, '127.0.0.1:0');
  client = rawClient(`127.0.0.1:${port}`);
  await app.handleAuthor({ type: 'RegisterAuthor', data: { authorId: 'zoe', name: 'Zoë' } });
  await app.handleArticle({
    type: 'DraftArticle',
    data: { articleId: 'a1', title: 'T', body: 'B', category: 'business', authorId: 'zoe' },
  });
});

afterAll(async () => {
  client?.close();
  server?.forceShutdown();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  logged.length = 0;
});

/** Every command with a request that would be accepted, or fail on state, were one field not bad. */
const commands: {
  method: string;
  request: Record<string, string>;
  ids: Record<string, string>;
  versioned: boolean;
}[] = [
  {
    method: 'draftArticle',
    request: { articleId: 'fresh', title: 'T', body: 'B', category: 'business', authorId: 'zoe' },
    ids: { articleId: 'article_id', authorId: 'author_id' },
    versioned: false,
  },
  {
    method: 'reviseArticle',
    request: { articleId: 'a1', title: 'New title' },
    ids: { articleId: 'article_id' },
    versioned: true,
  },
  {
    method: 'publishArticle',
    request: { articleId: 'a1' },
    ids: { articleId: 'article_id' },
    versioned: true,
  },
  {
    method: 'retractArticle',
    request: { articleId: 'a1', reason: 'wrong' },
    ids: { articleId: 'article_id' },
    versioned: true,
  },
  {
    method: 'registerAuthor',
    request: { authorId: 'new-author', name: 'N' },
    ids: { authorId: 'author_id' },
    versioned: false,
  },
  {
    method: 'renameAuthor',
    request: { authorId: 'zoe', name: 'Zoë A' },
    ids: { authorId: 'author_id' },
    versioned: false,
  },
];

const badIds: [string, string][] = [
  ['a space', ' '],
  ['a tab', '\t'],
  ['leading whitespace', ' a1'],
  ['101 characters', 'x'.repeat(101)],
  ['10 KB', 'x'.repeat(10_240)],
  ['a control character', 'x\u0007y'],
  ['a zero-width space', 'x\u200by'],
  ['a lone surrogate', 'x\ud800y'],
];

const badCommandIds: [string, string][] = [
  ['10 KB', 'c'.repeat(10_240)],
  ['a space', 'c 1'],
  ['a NUL', 'c\u0000'],
  ['a lone surrogate', 'c\udc00'],
];

const cases = commands.flatMap(({ method, request, ids, versioned }) => [
  ...Object.entries(ids).flatMap(([key, wire]) => [
    ...badIds.map(([what, value]) => ({
      method,
      what: `${wire} with ${what}`,
      wire,
      request: { ...request, [key]: value },
    })),
    // An empty article/author id asks the service to pick one for a draft or registration.
    ...((method === 'draftArticle' && key === 'articleId') || method === 'registerAuthor'
      ? []
      : [{ method, what: `${wire} empty`, wire, request: { ...request, [key]: '' } }]),
  ]),
  ...badCommandIds.map(([what, commandId]) => ({
    method,
    what: `command_id with ${what}`,
    wire: 'command_id',
    request: { ...request, commandId },
  })),
  ...(versioned
    ? [
        {
          method,
          what: 'expected_version -1',
          wire: 'expected_version',
          request: { ...request, expectedVersion: -1 },
        },
      ]
    : []),
]);

describe('the articles gRPC commands', () => {
  it.each(cases)(
    '$method answers INVALID_ARGUMENT naming $what, and stores nothing',
    async ({ method, wire, request }) => {
      const head = await store.headPosition();
      const answer = await client.call(method, request);
      expect(answer.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(answer.field).toEqual([wire]);
      expect(answer.details).toContain(wire);
      expect(await store.headPosition()).toBe(head);
      expect(logged).toEqual([]);
    },
  );

  it('refuses a string field that is not UTF-8 on the wire instead of storing U+FFFD', async () => {
    const head = await store.headPosition();
    const articleId = field(2, Buffer.from('a1'));
    const invalid: [string, Buffer, string][] = [
      [
        'a stray byte in a title',
        Buffer.concat([articleId, field(3, [0x78, 0xff, 0x79])]),
        'title',
      ],
      [
        'an encoded surrogate in a body',
        Buffer.concat([articleId, field(4, [0xed, 0xa0, 0x80])]),
        'body',
      ],
      ['an encoded surrogate in the article id', field(2, [0x61, 0xed, 0xb0, 0x80]), 'article_id'],
      [
        'a stray byte in a title after a two-byte expected_version',
        Buffer.concat([articleId, Buffer.from([0x30, 0xac, 0x02]), field(3, [0xc3])]),
        'title',
      ],
    ];
    for (const [, bytes, wire] of invalid) {
      const answer = await client.callRaw('ReviseArticle', bytes);
      expect(answer).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, field: [wire] });
      expect(answer.details).toBe(`${wire} is not well-formed UTF-8`);
    }
    expect(await store.headPosition()).toBe(head);
  });

  it.each([
    ['title', 'reviseArticle', { articleId: 'a1', title: 'T\ud800' }],
    ['reason', 'retractArticle', { articleId: 'a1', reason: '\udfffwrong' }],
    ['name', 'renameAuthor', { authorId: 'zoe', name: 'Zo\ud800' }],
    ['category', 'draftArticle', { title: 'T', body: 'B', category: 'x\ud800', authorId: 'zoe' }],
  ])('refuses a lone surrogate a client put in a %s', async (wire, method, request) => {
    const head = await store.headPosition();
    const answer = await client.call(method, request);
    expect(answer).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, field: [wire] });
    expect(await store.headPosition()).toBe(head);
  });

  it('answers INTERNAL and logs the method and error when a handler throws before its promise exists', async () => {
    const throwing = {
      handleArticle: () => {
        throw new TypeError('not a promise');
      },
    } as unknown as ArticlesApplication;
    const other = createGrpcServer({ app: throwing, store, logger, newId: randomUUID });
    const port = await bindGrpc(other, '127.0.0.1:0');
    const otherClient = rawClient(`127.0.0.1:${port}`);
    try {
      const answer = await otherClient.call('publishArticle', { articleId: 'a1' });
      expect(answer).toMatchObject({ code: grpc.status.INTERNAL, details: 'internal error' });
      expect(logged).toEqual([
        {
          obj: { err: expect.any(TypeError) as unknown, method: 'PublishArticle' },
          msg: 'command failed',
        },
      ]);
    } finally {
      otherClient.close();
      other.forceShutdown();
    }
  });

  it('applies 100 concurrent revisions without an expected version, and answers repeats as duplicates', async () => {
    const [first] = await store.readStream('article-a1');
    expect(first).toBeDefined();
    const before = (await store.readStream('article-a1')).length;
    const revise = (i: number) =>
      client.call('reviseArticle', { articleId: 'a1', title: `Title ${i}`, commandId: `rev-${i}` });
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => revise(i)));
    expect(answers.map((a) => a.code)).toEqual(Array(100).fill(grpc.status.OK));
    expect(answers.map((a) => Number(a.result?.streamVersion)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 100 }, (_, i) => before + 1 + i),
    );
    expect((await store.readStream('article-a1')).length).toBe(before + 100);
    const again = await revise(7);
    expect(again.result).toEqual({ ...answers[7]!.result, duplicate: true });
  });

  it('keeps an id derived from the command id valid, so a retried draft is a repeat', async () => {
    const request = {
      title: 'T',
      body: 'B',
      category: 'business',
      authorId: 'zoe',
      commandId: 'draft-1 ',
    };
    expect(await client.call('draftArticle', request)).toMatchObject({ field: ['command_id'] });
    const ok = { ...request, commandId: 'draft-1' };
    const first = await client.call('draftArticle', ok);
    const again = await client.call('draftArticle', ok);
    expect(first.code).toBe(grpc.status.OK);
    expect(again.result).toMatchObject({ duplicate: true });
  });
});
