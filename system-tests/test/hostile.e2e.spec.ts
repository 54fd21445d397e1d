import { fileURLToPath } from 'node:url';
import { startSystem, type RunningSystem } from '@fairflax/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const servicesDir = fileURLToPath(new URL('../../services', import.meta.url));

interface GraphqlAnswer {
  status: number;
  body: {
    data?: Record<string, { globalPosition: string; streamVersion: number } | null> | null;
    errors?: { message: string; extensions?: { code?: string; field?: string } }[];
  };
}

/**
 * The newsroom as a hostile client meets it: the real GraphQL write API in front of the real
 * articles service, every argument carried over gRPC and back.
 */
describe('the newsroom against hostile clients, as real processes', { timeout: 90_000 }, () => {
  let system: RunningSystem;

  const graphql = async (
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<GraphqlAnswer> => {
    const res = await fetch(system.url('graph', '/graphql'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, body: (await res.json()) as GraphqlAnswer['body'] };
  };
  const draft = (articleId: string, title = 'Tide tables') =>
    graphql(
      `
        mutation ($input: DraftArticleInput!) {
          draftArticle(input: $input) {
            streamVersion
            globalPosition
          }
        }
      `,
      {
        input: {
          articleId,
          title,
          body: 'High water at noon',
          category: 'environment',
          authorId: 'a1',
        },
      },
    );

  beforeAll(async () => {
    system = await startSystem(servicesDir);
    const author = await graphql(
      'mutation { registerAuthor(authorId: "a1", name: "Ada") { streamId } }',
    );
    expect(author.body.errors).toBeUndefined();
  }, 90_000);
  afterAll(() => system?.stop());

  it.each([
    ['an id with a space', 'publishArticle(id: "a b")', 'id'],
    ['an id of 101 characters', `publishArticle(id: "${'x'.repeat(101)}")`, 'id'],
    ['an id of 10 KB', `publishArticle(id: "${'x'.repeat(10_240)}")`, 'id'],
    [
      'a command id of 10 KB',
      `publishArticle(id: "x1", commandId: "${'c'.repeat(10_240)}")`,
      'commandId',
    ],
    [
      'a negative expected version',
      'publishArticle(id: "x1", expectedVersion: -1)',
      'expectedVersion',
    ],
    ['an id with a control character', 'publishArticle(id: "x\\u0007y")', 'id'],
    [
      'a draft id with a control character',
      'draftArticle(input: { articleId: "x\\u0007y", title: "T", body: "B", category: "business", authorId: "a1" })',
      'input.articleId',
    ],
  ])('answers %s with BAD_USER_INPUT naming the argument', async (_, mutation, field) => {
    const answer = await graphql(`mutation { ${mutation} { streamVersion } }`);

    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([
      expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field } }),
    ]);
  });

  it('refuses a lone surrogate in a title, and stores nothing for it', async () => {
    const refused = await draft('surrogate', 'Tide \ud800 tables');
    const article = await graphql('{ article(id: "surrogate") { id } }');

    expect(refused.body.errors).toEqual([
      expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field: 'input.title' } }),
    ]);
    expect(article.body.data).toEqual({ article: null });
  });

  it('applies 100 concurrent revisions without expectedVersion: the version rises by exactly 100', async () => {
    const drafted = await draft('contended');
    expect(drafted.body.errors).toBeUndefined();

    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        graphql(
          `mutation { reviseArticle(id: "contended", input: { title: "Take ${i}" }) { streamVersion } }`,
        ),
      ),
    );

    expect(answers.flatMap((a) => a.body.errors ?? [])).toEqual([]);
    const versions = answers.map((a) => a.body.data!['reviseArticle']!.streamVersion);
    expect(versions.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 2));
  });

  it('lets exactly one of 20 concurrent revisions with the same expectedVersion win', async () => {
    await draft('raced');

    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        graphql(
          `mutation { reviseArticle(id: "raced", input: { title: "Take ${i}" }, expectedVersion: 1) { streamVersion } }`,
        ),
      ),
    );

    expect(answers.filter((a) => a.body.errors === undefined)).toHaveLength(1);
    expect(answers.flatMap((a) => a.body.errors ?? []).map((e) => e.extensions?.code)).toEqual(
      Array.from({ length: 19 }, () => 'CONFLICT'),
    );
  });

  it('refuses a 50-level query and an alias bomb at once, and keeps /healthz answering', async () => {
    let selection = 'name';
    for (let level = 0; level < 25; level++)
      selection = `articles(count: 50) { title body author { ${selection} } }`;
    const bomb = Array.from(
      { length: 1_000 },
      (_, i) => `a${i}: search(text: "wind", count: 50) { body }`,
    );

    const [deep, aliases, health] = await Promise.all([
      graphql(`{ article(id: "contended") { author { ${selection} } } }`),
      graphql(`{ ${bomb.join(' ')} }`),
      fetch(system.url('graph', '/healthz')),
    ]);

    expect(deep.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_DEEP');
    expect(aliases.body.errors?.[0]?.extensions?.code).toBe('TOO_MANY_TOKENS');
    expect(health.status).toBe(200);
  });
});
