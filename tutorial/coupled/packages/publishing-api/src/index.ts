export {
  createArticlesClient,
  type ArticlesClient,
  type CreateArticleInput,
  type ListArticlesQuery,
  type UpdateArticleInput,
} from './client.js';
export {
  ARTICLE_STATUSES,
  statusFromWire,
  statusToWire,
  type Article,
  type ArticleStatus,
} from './model.js';
export { ArticlesService, PROTO_PATH } from './proto.js';
