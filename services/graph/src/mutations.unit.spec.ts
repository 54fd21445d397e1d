import { Metadata, status } from '@grpc/grpc-js';
import fc from 'fast-check';
import type { CommandResult } from '@fairflax/publishing-api';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import {
  graphReadSide,
  postGraphql,
  recordingCommands,
  type CommandCall,
} from '../test/support.js';

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

  it.each([
    ['publishArticle(id: "x1")', 'article_id', 'id'],
    [
      'reviseArticle(id: "x1", input: { title: "T" }, expectedVersion: -1)',
      'expected_version',
      'expectedVersion',
    ],
    ['retractArticle(id: "x1", reason: "r", commandId: "c")', 'command_id', 'commandId'],
    ['renameAuthor(id: "a1", name: "N")', 'author_id', 'id'],
    ['registerAuthor(name: "N", authorId: "a b")', 'author_id', 'authorId'],
    [
      'draftArticle(input: { title: "T", body: "B", category: "c", authorId: "a1", articleId: "x y" })',
      'article_id',
      'input.articleId',
    ],
    [
      'draftArticle(input: { title: "T", body: "B", category: "c", authorId: "a1" })',
      'category',
      'input.category',
    ],
  ])(
    'names the argument of %s that articles refused as %s',
    async (mutation, wireField, argument) => {
      const metadata = new Metadata();
      metadata.set('field', wireField);
      const refusal = Object.assign(
        grpcError(status.INVALID_ARGUMENT, `${wireField} must be valid`),
        {
          metadata,
        },
      );
      const g = await graphWith(() => Promise.reject(refusal));
      app = g.app;

      const res = await postGraphql(app, `mutation { ${mutation} { streamId } }`);

      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        expect.objectContaining({
          message: `${argument} must be valid`,
          extensions: { code: 'BAD_USER_INPUT', field: argument },
        }),
      ]);
    },
  );

  const loneSurrogate = fc
    .tuple(fc.string(), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string())
    .map(([before, unit, after]) => before + String.fromCharCode(unit) + after)
    .filter((text) => !text.isWellFormed());

  it.each([
    [
      'draftArticle',
      'input',
      'input.title',
      (text: string) => ({ title: text, body: 'B', category: 'c', authorId: 'a1' }),
    ],
    [
      'draftArticle',
      'input',
      'input.authorId',
      (text: string) => ({ title: 'T', body: 'B', category: 'c', authorId: text }),
    ],
    ['reviseArticle', 'input', 'input.body', (text: string) => ({ body: text })],
    ['registerAuthor', 'name', 'name', (text: string) => text],
    ['renameAuthor', 'id', 'id', (text: string) => text],
    ['retractArticle', 'reason', 'reason', (text: string) => text],
    ['publishArticle', 'commandId', 'commandId', (text: string) => text],
  ] as const)(
    'refuses ill-formed Unicode in %s %s with BAD_USER_INPUT naming %s, sending nothing',
    async (mutation, variable, field, value) => {
      const g = await graphWith(() => Promise.resolve(RESULT));
      app = g.app;
      const signatures: Record<string, string> = {
        draftArticle: '($input: DraftArticleInput!) { draftArticle(input: $input)',
        reviseArticle: '($input: ReviseArticleInput!) { reviseArticle(id: "x1", input: $input)',
        registerAuthor: '($name: String!) { registerAuthor(name: $name)',
        renameAuthor: '($id: ID!) { renameAuthor(id: $id, name: "N")',
        retractArticle: '($reason: String!) { retractArticle(id: "x1", reason: $reason)',
        publishArticle: '($commandId: ID) { publishArticle(id: "x1", commandId: $commandId)',
      };
      const query = `mutation ${signatures[mutation]} { streamId } }`;

      await fc.assert(
        fc.asyncProperty(loneSurrogate, async (text) => {
          const res = await postGraphql(app!, query, { [variable]: value(text) });
          expect(res.body.errors).toEqual([
            expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field } }),
          ]);
        }),
        { numRuns: 25 },
      );
      expect(g.commands.calls).toEqual([]);
    },
  );
});
