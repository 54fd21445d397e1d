import { status } from '@grpc/grpc-js';
import type { CommandResult } from '@fairflax/publishing-api';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { graphReadSide, postGraphql, recordingCommands, type CommandCall } from './testing.js';

const RESULT: CommandResult = {
  streamId: 'article-x1',
  streamVersion: 3,
  globalPosition: 9_007_199_254_740_991,
  duplicate: false,
};

async function graphWith(answer: (call: CommandCall) => Promise<CommandResult>) {
  const side = graphReadSide();
  const commands = recordingCommands(answer);
  const app = await buildApp({ db: side.db, runner: side.runner, search: side.search, commands });
  return { app, commands, side };
}

const grpcError = (code: status, details: string) =>
  Object.assign(new Error('x'), { code, details });

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
});

describe('graph mutations', () => {
  it('forwards draftArticle to articles and answers with where its events landed, the position as a string', async () => {
    const g = await graphWith(() => Promise.resolve(RESULT));
    app = g.app;

    const { status: code, body } = await postGraphql(
      app,
      `mutation ($input: DraftArticleInput!) {
        draftArticle(input: $input) { streamId streamVersion globalPosition duplicate }
      }`,
      { input: { title: 'T', body: 'B', category: 'business', authorId: 'a1', commandId: 'c-1' } },
    );

    expect(code).toBe(200);
    expect(body.data).toEqual({
      draftArticle: {
        streamId: 'article-x1',
        streamVersion: 3,
        globalPosition: '9007199254740991',
        duplicate: false,
      },
    });
    expect(g.commands.calls).toEqual([
      {
        method: 'draftArticle',
        command: { title: 'T', body: 'B', category: 'business', authorId: 'a1', commandId: 'c-1' },
      },
    ]);
  });

  it('sends each mutation as its command, leaving out the arguments the client did not give', async () => {
    const g = await graphWith(() => Promise.resolve(RESULT));
    app = g.app;

    const { body } = await postGraphql(
      app,
      `mutation {
        revise: reviseArticle(id: "x1", input: { title: "New", body: null }, expectedVersion: 2) { streamVersion }
        publish: publishArticle(id: "x1") { streamVersion }
        retract: retractArticle(id: "x1", reason: "wrong", expectedVersion: 4, commandId: "c-9") { streamVersion }
        register: registerAuthor(name: "Ada", authorId: "a1") { streamVersion }
        rename: renameAuthor(id: "a1", name: "Ada King") { streamVersion }
      }`,
    );

    expect(body.errors).toBeUndefined();
    expect(g.commands.calls).toEqual([
      { method: 'reviseArticle', command: { articleId: 'x1', title: 'New', expectedVersion: 2 } },
      { method: 'publishArticle', command: { articleId: 'x1' } },
      {
        method: 'retractArticle',
        command: { articleId: 'x1', reason: 'wrong', expectedVersion: 4, commandId: 'c-9' },
      },
      { method: 'registerAuthor', command: { name: 'Ada', authorId: 'a1' } },
      { method: 'renameAuthor', command: { authorId: 'a1', name: 'Ada King' } },
    ]);
  });

  it.each([
    [status.INVALID_ARGUMENT, 'BAD_USER_INPUT', 400, 'title is required'],
    [status.NOT_FOUND, 'NOT_FOUND', 404, 'article x1 does not exist'],
    [
      status.FAILED_PRECONDITION,
      'CONFLICT',
      409,
      'article x1 is retracted and cannot be published',
    ],
    [status.ABORTED, 'CONFLICT', 409, 'expected version 2, found 3'],
    [status.UNAVAILABLE, 'SERVICE_UNAVAILABLE', 503, 'the articles service is unavailable'],
    [status.DEADLINE_EXCEEDED, 'SERVICE_UNAVAILABLE', 503, 'the articles service is unavailable'],
    [status.INTERNAL, 'INTERNAL_SERVER_ERROR', 500, 'internal error'],
    [status.UNKNOWN, 'INTERNAL_SERVER_ERROR', 500, 'internal error'],
  ])(
    'maps gRPC status %i from articles to %s (HTTP %i)',
    async (grpcCode, code, httpStatus, message) => {
      const details =
        grpcCode === status.INTERNAL || grpcCode === status.UNKNOWN
          ? 'stack trace with secrets'
          : message;
      const g = await graphWith(() => Promise.reject(grpcError(grpcCode, details)));
      app = g.app;

      const res = await postGraphql(app, 'mutation { publishArticle(id: "x1") { streamVersion } }');

      expect(res.status).toBe(httpStatus);
      expect(res.body.data).toBeNull();
      expect(res.body.errors).toEqual([expect.objectContaining({ message, extensions: { code } })]);
    },
  );

  it('reports a draft without a title as BAD_USER_INPUT with the reason articles gave', async () => {
    const g = await graphWith(() =>
      Promise.reject(
        Object.assign(new Error('x'), {
          code: status.INVALID_ARGUMENT,
          details: 'title is required',
        }),
      ),
    );
    app = g.app;

    const res = await postGraphql(
      app,
      'mutation { draftArticle(input: { title: "", body: "B", category: "business", authorId: "a1" }) { streamId } }',
    );

    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]).toMatchObject({
      message: 'title is required',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});
