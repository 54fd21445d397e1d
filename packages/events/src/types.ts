/** The domain events, as plain typed objects. `type` is the protobuf message name. */
export interface AuthorRegistered {
  type: 'AuthorRegistered';
  data: { authorId: string; name: string; registeredAt: string };
}
export interface AuthorRenamed {
  type: 'AuthorRenamed';
  data: { authorId: string; name: string; previousName: string; renamedAt: string };
}
export interface ArticleDrafted {
  type: 'ArticleDrafted';
  data: {
    articleId: string;
    title: string;
    body: string;
    category: string;
    authorId: string;
    authorName: string;
    draftedAt: string;
  };
}
export interface ArticleRevised {
  type: 'ArticleRevised';
  data: { articleId: string; title?: string; body?: string; category?: string; revisedAt: string };
}
export interface ArticlePublished {
  type: 'ArticlePublished';
  data: { articleId: string; publishedAt: string };
}
export interface ArticleRetracted {
  type: 'ArticleRetracted';
  data: { articleId: string; reason: string; retractedAt: string };
}

export type AuthorEvent = AuthorRegistered | AuthorRenamed;
export type ArticleEvent = ArticleDrafted | ArticleRevised | ArticlePublished | ArticleRetracted;
export type FairflaxEvent = AuthorEvent | ArticleEvent;
export type FairflaxEventType = FairflaxEvent['type'];

/** The prefix is the aggregate (and, over Kafka, the topic). */
export const articleStream = (articleId: string) => `article-${articleId}`;
export const authorStream = (authorId: string) => `author-${authorId}`;
