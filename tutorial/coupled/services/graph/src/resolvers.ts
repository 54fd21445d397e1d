import type {
  Article,
  ArticlesClient,
  ArticleStatus,
  CreateArticleInput,
  UpdateArticleInput,
} from '@fairflax/coupled-publishing-api';
import type { IResolvers } from 'mercurius';
import { isNotFound, toGraphqlError } from './errors.js';

/** Every field of every query is a synchronous round trip to articles: the coupling. */
export function buildResolvers(articles: ArticlesClient): IResolvers {
  const forward = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      throw toGraphqlError(err);
    }
  };
  return {
    Query: {
      article: async (_: unknown, { id }: { id: string }) => {
        try {
          return await articles.getArticle(id);
        } catch (err) {
          if (isNotFound(err)) return null;
          throw toGraphqlError(err);
        }
      },
      articles: (
        _: unknown,
        args: { category?: string | null; status?: ArticleStatus | null; count?: number | null },
      ) =>
        forward(() =>
          articles.listArticles({
            ...(args.category != null && { category: args.category }),
            ...(args.status != null && { status: args.status }),
            ...(args.count != null && { count: args.count }),
          }),
        ),
    },
    Mutation: {
      createArticle: (_: unknown, { input }: { input: CreateArticleInput }) =>
        forward(() => articles.createArticle(input)),
      updateArticle: (_: unknown, { id, input }: { id: string; input: UpdateArticleInput }) =>
        forward(() =>
          articles.updateArticle(
            id,
            Object.fromEntries(Object.entries(input).filter(([, v]) => v != null)),
          ),
        ),
    },
    Article: {
      author: (article: Article) => ({ id: article.authorId, name: article.authorName }),
    },
  };
}
