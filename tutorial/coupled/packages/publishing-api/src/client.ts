import * as grpc from '@grpc/grpc-js';
import { type Article, type ArticleStatus, statusFromWire, statusToWire } from './model.js';
import { ArticlesService } from './proto.js';

export interface ListArticlesQuery {
  category?: string;
  status?: ArticleStatus;
  count?: number;
}

export interface CreateArticleInput {
  title: string;
  body: string;
  category: string;
  authorId: string;
  status?: ArticleStatus;
}

export interface UpdateArticleInput {
  title?: string;
  body?: string;
  category?: string;
  status?: ArticleStatus;
}

/** Promise-based client for the coupled Articles gRPC service. */
export interface ArticlesClient {
  getArticle(id: string): Promise<Article>;
  listArticles(query: ListArticlesQuery): Promise<Article[]>;
  createArticle(input: CreateArticleInput): Promise<Article>;
  updateArticle(id: string, input: UpdateArticleInput): Promise<Article>;
  close(): void;
}

type WireArticle = Omit<Article, 'status'> & { status: string };

function fromWire(wire: WireArticle): Article {
  const status = statusFromWire(wire.status);
  if (!status) throw new Error(`articles returned an unknown status ${String(wire.status)}`);
  return {
    id: wire.id,
    title: wire.title ?? '',
    body: wire.body ?? '',
    category: wire.category ?? '',
    authorId: wire.authorId ?? '',
    authorName: wire.authorName ?? '',
    created: wire.created,
    modified: wire.modified,
    status,
  };
}

/** Every call carries a deadline: without one, a hung articles service would hang every reader. */
export function createArticlesClient(address: string, deadlineMs = 2_000): ArticlesClient {
  const client = new ArticlesService(address, grpc.credentials.createInsecure());
  const call = <T>(method: string, request: object): Promise<T> =>
    new Promise((resolve, reject) => {
      const fn = client[method] as (
        req: object,
        options: grpc.CallOptions,
        cb: (err: grpc.ServiceError | null, res: T) => void,
      ) => void;
      fn.call(client, request, { deadline: Date.now() + deadlineMs }, (err, res) =>
        err ? reject(err) : resolve(res),
      );
    });
  const withStatus = <T extends { status?: ArticleStatus }>(input: T) => ({
    ...input,
    status: input.status === undefined ? undefined : statusToWire(input.status),
  });
  return {
    getArticle: async (id) => fromWire(await call<WireArticle>('getArticle', { id })),
    listArticles: async (query) => {
      const res = await call<{ articles?: WireArticle[] }>('listArticles', withStatus(query));
      return (res.articles ?? []).map(fromWire);
    },
    createArticle: async (input) =>
      fromWire(await call<WireArticle>('createArticle', withStatus(input))),
    updateArticle: async (id, input) =>
      fromWire(await call<WireArticle>('updateArticle', { id, ...withStatus(input) })),
    close: () => client.close(),
  };
}
