export const schema = /* GraphQL */ `
  enum ArticleStatus {
    DRAFT
    PUBLISHED
    RETRACTED
  }

  type Author {
    id: ID!
    name: String!
    "this author's published articles, newest first; count from 1 to 50"
    articles(count: Int = 10): [Article!]!
  }

  type Article {
    id: ID!
    title: String!
    body: String!
    category: String!
    author: Author!
    status: ArticleStatus!
    "RFC 3339, UTC"
    created: String!
    "RFC 3339, UTC: the time of the article's latest event"
    modified: String!
    "RFC 3339, UTC; null while a draft"
    publishedAt: String
    "the article stream's version: pass it back as expectedVersion"
    version: Int!
    "its events, oldest first, positions > after; first from 1 to 500 (an article seen asOf a position: its events up to there)"
    history(first: Int = 100, after: Int): [LoggedEvent!]!
  }

  "one event of the articles log, as graph applied it"
  type LoggedEvent {
    "global position in the log"
    position: Int!
    "e.g. ArticleDrafted"
    type: String!
    "the stream (aggregate) it belongs to: article-<article id> or author-<author id>"
    stream: String!
    "RFC 3339, UTC: when articles recorded it"
    recordedAt: String!
    "the event's data as JSON text"
    payload: String!
  }

  type ArticleEdge {
    cursor: String!
    node: Article!
  }

  type PageInfo {
    "pass as after to get the next page; null on an empty page"
    endCursor: String
    hasNextPage: Boolean!
  }

  type ArticleConnection {
    edges: [ArticleEdge!]!
    nodes: [Article!]!
    pageInfo: PageInfo!
  }

  type Query {
    "null when no article has this id; asOf, a log position: the article as it was once graph had applied the log up to there (null if not drafted yet)"
    article(id: ID!, asOf: Int): Article
    "the log as graph applied it, newest first, positions < before; first from 1 to 200; type and stream filter exactly"
    events(first: Int = 50, before: Int, type: String, stream: String): [LoggedEvent!]!
    "newest first (drafts by created, others by publishedAt); count from 1 to 50"
    articles(
      category: String
      status: ArticleStatus = PUBLISHED
      count: Int = 10
      after: String
    ): ArticleConnection!
    "published articles matching text, best first: title matches (words by their beginning) before body matches (whole words)"
    search(text: String!, count: Int = 10): [Article!]!
    authors: [Author!]!
    "null when no author has this id"
    author(id: ID!): Author
  }

  """
  Where a command's events landed: a read service shows the write once the position its
  /healthz reports reaches globalPosition.
  """
  type CommandResult {
    streamId: String!
    streamVersion: Int!
    "a decimal string, exact beyond 2^53"
    globalPosition: String!
    "true when commandId had been handled before and nothing new was stored"
    duplicate: Boolean!
  }

  input DraftArticleInput {
    title: String!
    body: String!
    category: String!
    authorId: ID!
    "leave out to let articles pick one"
    articleId: ID
    "an idempotency key: repeating a command with the same id stores nothing new"
    commandId: ID
  }

  "only the fields given are changed"
  input ReviseArticleInput {
    title: String
    body: String
    category: String
  }

  """
  Mutations are commands sent to the articles service; the read side shows their effect once
  it has applied their globalPosition. expectedVersion, when given, makes a command fail with
  CONFLICT if the article has changed since that version.
  """
  type Mutation {
    draftArticle(input: DraftArticleInput!): CommandResult!
    reviseArticle(
      id: ID!
      input: ReviseArticleInput!
      expectedVersion: Int
      commandId: ID
    ): CommandResult!
    publishArticle(id: ID!, expectedVersion: Int, commandId: ID): CommandResult!
    retractArticle(id: ID!, reason: String!, expectedVersion: Int, commandId: ID): CommandResult!
    registerAuthor(name: String!, authorId: ID, commandId: ID): CommandResult!
    renameAuthor(id: ID!, name: String!, commandId: ID): CommandResult!
  }
`;
