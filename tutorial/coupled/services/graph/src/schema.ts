export const schema = /* GraphQL */ `
  enum ArticleStatus {
    DRAFT
    PUBLISHED
    RETRACTED
  }

  type Author {
    id: ID!
    name: String!
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
    "RFC 3339, UTC"
    modified: String!
  }

  type Query {
    "null when no article has this id"
    article(id: ID!): Article
    "newest first; count from 1 to 50"
    articles(category: String, status: ArticleStatus = PUBLISHED, count: Int = 10): [Article!]!
  }

  input CreateArticleInput {
    title: String!
    body: String!
    category: String!
    authorId: ID!
    status: ArticleStatus = DRAFT
  }

  input UpdateArticleInput {
    title: String
    body: String
    category: String
    status: ArticleStatus
  }

  type Mutation {
    createArticle(input: CreateArticleInput!): Article!
    updateArticle(id: ID!, input: UpdateArticleInput!): Article!
  }
`;
