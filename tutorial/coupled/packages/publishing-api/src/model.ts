/** The article as the coupled services exchange it (the gRPC message, camelCased). */
export const ARTICLE_STATUSES = ['DRAFT', 'PUBLISHED', 'RETRACTED'] as const;
export type ArticleStatus = (typeof ARTICLE_STATUSES)[number];

export interface Article {
  id: string;
  title: string;
  body: string;
  category: string;
  authorId: string;
  authorName: string;
  created: string;
  modified: string;
  status: ArticleStatus;
}

const WIRE_PREFIX = 'ARTICLE_STATUS_';

/** `ARTICLE_STATUS_PUBLISHED` -> `PUBLISHED`; undefined for UNSPECIFIED or an unknown value. */
export function statusFromWire(wire: unknown): ArticleStatus | undefined {
  if (typeof wire !== 'string' || !wire.startsWith(WIRE_PREFIX)) return undefined;
  const status = wire.slice(WIRE_PREFIX.length);
  return (ARTICLE_STATUSES as readonly string[]).includes(status)
    ? (status as ArticleStatus)
    : undefined;
}

export function statusToWire(status: ArticleStatus): string {
  return WIRE_PREFIX + status;
}
