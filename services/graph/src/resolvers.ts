import type { ArticlesCommands, CommandResult } from '@fairflax/publishing-api';
import mercurius, { type IResolvers, type MercuriusLoaders } from 'mercurius';
import { badUserInput, toGraphqlError } from './errors.js';
import { checkCount, decodeCursor, encodeCursor } from './pagination.js';
import {
  sortTimeOf,
  type ArticleStatus,
  type ArticleView,
  type AuthorView,
  type GraphReadModel,
} from './read-model.js';
import type { ArticleSearch } from './search.js';
import type { ArticleStatsView } from './stats.js';

const { ErrorWithProps } = mercurius;

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

/** int64 positions leave as strings, so that no client rounds them. */
const toGraphqlResult = (result: CommandResult) => ({
  ...result,
  globalPosition: String(result.globalPosition),
});

/**
 * Queries read graph's own read model and search index: no query calls articles. Mutations
 * are commands forwarded to articles over gRPC; their effect shows up here once the read model
 * has applied their globalPosition.
 */
export function buildResolvers(
  readModel: GraphReadModel,
  search: ArticleSearch,
  articles: ArticlesCommands,
  stats?: ArticleStatsView,
): IResolvers {
  const statsSince = (kind: 'category' | 'author', since: string | null | undefined) => {
    if (!stats) {
      throw new ErrorWithProps(
        `${kind}Stats comes from the stream processor, which runs on the Kafka transport (TRANSPORT=kafka)`,
        { code: 'NOT_AVAILABLE' },
        501,
      );
    }
    const from = since == null ? new Date(Date.now() - 24 * 3_600_000) : new Date(since);
    if (Number.isNaN(from.getTime()))
      throw badUserInput(`since "${since}" is not an RFC 3339 time`);
    return stats.list(kind, from.toISOString());
  };
  const forward = async (call: () => Promise<CommandResult>) => {
    try {
      return toGraphqlResult(await call());
    } catch (err) {
      throw toGraphqlError(err);
    }
  };
  return {
    Query: {
      article: (_: unknown, { id }: { id: string }) => readModel.article(id) ?? null,
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
        const edges = page.articles.map((node) => ({
          cursor: encodeCursor({ time: sortTimeOf(node), id: node.id }),
          node,
        }));
        return {
          edges,
          nodes: page.articles,
          pageInfo: { endCursor: edges.at(-1)?.cursor ?? null, hasNextPage: page.hasNextPage },
        };
      },
      search: (_: unknown, args: { text: string; count?: number | null }) => {
        if (args.text.trim() === '') throw badUserInput('text must not be blank');
        const count = checkCount(args.count);
        // The index only holds published articles; the status check guards the gap anyway.
        return readModel
          .articlesByIds(search.search(args.text, count))
          .filter((a) => a.status === 'PUBLISHED');
      },
      authors: () => readModel.authors(),
      author: (_: unknown, { id }: { id: string }) => readModel.author(id) ?? null,
      categoryStats: (_: unknown, { since }: { since?: string | null }) =>
        statsSince('category', since),
      authorStats: (_: unknown, { since }: { since?: string | null }) =>
        statsSince('author', since),
    },
    Mutation: {
      draftArticle: (_: unknown, { input }: { input: DraftArticleInput }) => {
        const { articleId, commandId, ...fields } = input;
        return forward(() =>
          articles.draftArticle({ ...fields, ...given({ articleId, commandId }) }),
        );
      },
      reviseArticle: (
        _: unknown,
        args: {
          id: string;
          input: ReviseArticleInput;
          expectedVersion?: number | null;
          commandId?: string | null;
        },
      ) =>
        forward(() =>
          articles.reviseArticle({
            articleId: args.id,
            ...given(args.input),
            ...given({ expectedVersion: args.expectedVersion, commandId: args.commandId }),
          }),
        ),
      publishArticle: (
        _: unknown,
        args: { id: string; expectedVersion?: number | null; commandId?: string | null },
      ) =>
        forward(() =>
          articles.publishArticle({
            articleId: args.id,
            ...given({ expectedVersion: args.expectedVersion, commandId: args.commandId }),
          }),
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
        forward(() =>
          articles.retractArticle({
            articleId: args.id,
            reason: args.reason,
            ...given({ expectedVersion: args.expectedVersion, commandId: args.commandId }),
          }),
        ),
      registerAuthor: (
        _: unknown,
        args: { name: string; authorId?: string | null; commandId?: string | null },
      ) =>
        forward(() =>
          articles.registerAuthor({
            name: args.name,
            ...given({ authorId: args.authorId, commandId: args.commandId }),
          }),
        ),
      renameAuthor: (_: unknown, args: { id: string; name: string; commandId?: string | null }) =>
        forward(() =>
          articles.renameAuthor({
            authorId: args.id,
            name: args.name,
            ...given({ commandId: args.commandId }),
          }),
        ),
    },
    Article: {
      // The name was copied into the article row from events: no lookup, no call.
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

/**
 * `Author.articles` for every author in a response with one SQL query, instead of one per
 * author (the N+1 problem of `authors { articles { ... } }`). A bad count fails only its field.
 */
export function buildLoaders(readModel: GraphReadModel): MercuriusLoaders {
  return {
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
