import type { ArticlesCommands, CommandResult } from '@fairflax/publishing-api';
import mercurius, { type IResolvers, type MercuriusLoaders } from 'mercurius';
import { badUserInput, toGraphqlError } from './errors.js';

const { ErrorWithProps } = mercurius;
import {
  HistoryTooLong,
  type EventHistory,
  type HistoryRequest,
  type LoggedEvent,
} from './history.js';
import {
  checkCount,
  checkFirst,
  checkPosition,
  decodeCursor,
  encodeCursor,
  MAX_EVENTS,
  MAX_HISTORY,
} from './pagination.js';
import {
  sortTimeOf,
  type ArticleStatus,
  type ArticleView,
  type AuthorView,
  type GraphReadModel,
} from './read-model.js';
import type { ArticleSearch } from './search.js';

interface DraftArticleInput {
  title: string;
  body: string;
  category: string;
  authorId: string;
  articleId?: string | null;
  commandId?: string | null;
}

interface ReviseArticleInput {
  title?: string | null;
  body?: string | null;
  category?: string | null;
}

/** Optional GraphQL arguments arrive as null or not at all; commands want them left out. */
type Given<T> = { [K in keyof T]: Exclude<T[K], null> };
function given<T extends object>(args: T): Partial<Given<T>> {
  return Object.fromEntries(Object.entries(args).filter(([, v]) => v != null)) as Partial<Given<T>>;
}

/** So that a refusal names what the client sent; fields not listed keep their name, camel-cased. */
const ARGUMENTS: Record<string, Record<string, string>> = {
  draftArticle: {
    article_id: 'input.articleId',
    author_id: 'input.authorId',
    command_id: 'input.commandId',
    title: 'input.title',
    body: 'input.body',
    category: 'input.category',
  },
  reviseArticle: {
    article_id: 'id',
    title: 'input.title',
    body: 'input.body',
    category: 'input.category',
  },
  publishArticle: { article_id: 'id' },
  retractArticle: { article_id: 'id' },
  renameAuthor: { author_id: 'id' },
};

function argumentOf(mutation: string, wireField: string): string {
  return (
    ARGUMENTS[mutation]?.[wireField] ??
    wireField.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
  );
}

/** UTF-8 cannot hold a lone surrogate: articles would store U+FFFD instead of what was sent. */
function checkWellFormed(value: unknown, path = ''): void {
  if (typeof value === 'string') {
    if (!value.isWellFormed()) throw badUserInput(`${path} is not well-formed Unicode`, path);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value))
      checkWellFormed(inner, path ? `${path}.${key}` : key);
  }
}

/** int64 positions leave as strings, so that no client rounds them. */
const toGraphqlResult = (result: CommandResult) => ({
  ...result,
  globalPosition: String(result.globalPosition),
});

/** No query calls articles; a mutation's effect shows here once its globalPosition is applied. */
export function buildResolvers(
  readModel: GraphReadModel,
  history: EventHistory,
  search: ArticleSearch,
  articles: ArticlesCommands,
): IResolvers {
  const forward = async <A extends object>(
    mutation: string,
    args: A,
    call: (args: A) => Promise<CommandResult>,
  ) => {
    checkWellFormed(args);
    try {
      return toGraphqlResult(await call(args));
    } catch (err) {
      throw toGraphqlError(err, (wireField) => argumentOf(mutation, wireField));
    }
  };
  return {
    Query: {
      article: (_: unknown, args: { id: string; asOf?: number | null }) => {
        const asOf = checkPosition(args.asOf, 'asOf');
        if (asOf === undefined) return readModel.article(args.id) ?? null;
        try {
          return history.articleAsOf(args.id, asOf) ?? null;
        } catch (err) {
          if (!(err instanceof HistoryTooLong)) throw err;
          throw new ErrorWithProps(`${err.message}; graph folds no more for one query`, {
            code: 'HISTORY_TOO_LONG',
          });
        }
      },
      events: (
        _: unknown,
        args: {
          first?: number | null;
          before?: number | null;
          type?: string | null;
          stream?: string | null;
        },
      ): LoggedEvent[] =>
        history.events({
          first: checkFirst(args.first, 50, MAX_EVENTS),
          ...given({
            before: checkPosition(args.before, 'before'),
            type: args.type,
            stream: args.stream,
          }),
        }),
      articles: (
        _: unknown,
        args: {
          category?: string | null;
          status?: ArticleStatus | null;
          count?: number | null;
          after?: string | null;
        },
      ) => {
        const count = checkCount(args.count);
        const page = readModel.articlesPage({
          status: args.status ?? 'PUBLISHED',
          count,
          ...(args.category != null && { category: args.category }),
          ...(args.after != null && { after: decodeCursor(args.after) }),
        });
        const cursorOf = (node: ArticleView) =>
          encodeCursor({ time: sortTimeOf(node), id: node.id });
        const last = page.articles.at(-1);
        return {
          // Cursors are encoded only for a query that selects the edges.
          get edges() {
            return page.articles.map((node) => ({ cursor: cursorOf(node), node }));
          },
          nodes: page.articles,
          pageInfo: {
            endCursor: last === undefined ? null : cursorOf(last),
            hasNextPage: page.hasNextPage,
          },
        };
      },
      search: async (_: unknown, args: { text: string; count?: number | null }) => {
        if (args.text.trim() === '') throw badUserInput('text must not be blank');
        const count = checkCount(args.count);
        const ids = await search.search(args.text, count);
        // The index only holds published articles; the status check guards the gap anyway.
        return readModel.articlesByIds(ids).filter((a) => a.status === 'PUBLISHED');
      },
      authors: () => readModel.authors(),
      author: (_: unknown, { id }: { id: string }) => readModel.author(id) ?? null,
    },
    Mutation: {
      draftArticle: (_: unknown, args: { input: DraftArticleInput }) =>
        forward('draftArticle', args, ({ input: { articleId, commandId, ...fields } }) =>
          articles.draftArticle({ ...fields, ...given({ articleId, commandId }) }),
        ),
      reviseArticle: (
        _: unknown,
        args: {
          id: string;
          input: ReviseArticleInput;
          expectedVersion?: number | null;
          commandId?: string | null;
        },
      ) =>
        forward('reviseArticle', args, ({ id, input, expectedVersion, commandId }) =>
          articles.reviseArticle({
            articleId: id,
            ...given(input),
            ...given({ expectedVersion, commandId }),
          }),
        ),
      publishArticle: (
        _: unknown,
        args: { id: string; expectedVersion?: number | null; commandId?: string | null },
      ) =>
        forward('publishArticle', args, ({ id, expectedVersion, commandId }) =>
          articles.publishArticle({ articleId: id, ...given({ expectedVersion, commandId }) }),
        ),
      retractArticle: (
        _: unknown,
        args: {
          id: string;
          reason: string;
          expectedVersion?: number | null;
          commandId?: string | null;
        },
      ) =>
        forward('retractArticle', args, ({ id, reason, expectedVersion, commandId }) =>
          articles.retractArticle({
            articleId: id,
            reason,
            ...given({ expectedVersion, commandId }),
          }),
        ),
      registerAuthor: (
        _: unknown,
        args: { name: string; authorId?: string | null; commandId?: string | null },
      ) =>
        forward('registerAuthor', args, ({ name, authorId, commandId }) =>
          articles.registerAuthor({ name, ...given({ authorId, commandId }) }),
        ),
      renameAuthor: (_: unknown, args: { id: string; name: string; commandId?: string | null }) =>
        forward('renameAuthor', args, ({ id, name, commandId }) =>
          articles.renameAuthor({ authorId: id, name, ...given({ commandId }) }),
        ),
    },
    Article: {
      author: (article: ArticleView): AuthorView => ({
        id: article.authorId,
        name: article.authorName,
      }),
    },
  };
}

interface AuthorArticlesQuery {
  obj: AuthorView;
  params: { count?: number | null };
}

interface ArticleHistoryQuery {
  obj: ArticleView;
  params: { first?: number | null; after?: number | null };
}

/** One SQL query per distinct (first, after, asOf) among the articles of a list. */
function loadHistories(history: EventHistory, queries: ArticleHistoryQuery[]) {
  const answers: (LoggedEvent[] | Error)[] = [];
  const groups = new Map<string, { request: HistoryRequest; indexes: number[] }>();
  queries.forEach(({ obj, params }, i) => {
    try {
      const request = {
        first: checkFirst(params.first, 100, MAX_HISTORY),
        after: checkPosition(params.after, 'after') ?? 0,
        upTo: obj.asOf ?? Number.MAX_SAFE_INTEGER,
      };
      const key = `${request.first}/${request.after}/${request.upTo}`;
      const group = groups.get(key) ?? { request, indexes: [] };
      group.indexes.push(i);
      groups.set(key, group);
    } catch (err) {
      answers[i] = err as Error;
    }
  });
  for (const { request, indexes } of groups.values()) {
    const ids = indexes.map((i) => queries[i]!.obj.id);
    const byArticle = history.articleHistories([...new Set(ids)], request);
    for (const i of indexes) answers[i] = byArticle.get(queries[i]!.obj.id) ?? [];
  }
  return answers;
}

/** `Author.articles` and `Article.history` in one SQL query for a list; a bad count fails only its field. */
export function buildLoaders(readModel: GraphReadModel, history: EventHistory): MercuriusLoaders {
  return {
    Article: {
      history: (queries: ArticleHistoryQuery[]) => Promise.resolve(loadHistories(history, queries)),
    },
    Author: {
      // Mercurius expects a promise from a loader, even when the answer is at hand.
      articles: (queries: AuthorArticlesQuery[]) => {
        const counts = queries.map(({ params }) => {
          try {
            return checkCount(params.count);
          } catch (err) {
            return err as Error;
          }
        });
        const valid = counts.filter((c): c is number => typeof c === 'number');
        const authorIds = [
          ...new Set(queries.filter((_, i) => typeof counts[i] === 'number').map((q) => q.obj.id)),
        ];
        const byAuthor = readModel.publishedArticlesByAuthors(authorIds, Math.max(0, ...valid));
        // graphql-js turns an Error returned for a field into that field's error.
        return Promise.resolve(
          queries.map(({ obj }, i) => {
            const count = counts[i];
            return typeof count === 'number' ? (byAuthor.get(obj.id) ?? []).slice(0, count) : count;
          }),
        );
      },
    },
  };
}
