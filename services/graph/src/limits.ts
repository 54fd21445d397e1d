import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import type { EnvReader } from '@fairflax/service-kit';
import {
  GraphQLError,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type DocumentNode,
  type ValidationRule,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { MAX_COUNT, MAX_EVENTS, MAX_HISTORY } from './pagination.js';

/** Checked before anything executes (the response size after): README, "GraphQL limits". */
export interface GraphqlLimits {
  maxDepth: number;
  maxAliases: number;
  /** A string literal is one token. */
  maxTokens: number;
  maxCost: number;
  maxResponseBytes: number;
}

export const DEFAULT_LIMITS: GraphqlLimits = {
  maxDepth: 12,
  maxAliases: 30,
  maxTokens: 2_000,
  maxCost: 12_000,
  maxResponseBytes: 10 * 1024 * 1024,
};

export function limitsFrom(env: EnvReader): GraphqlLimits {
  const d = DEFAULT_LIMITS;
  return {
    maxDepth: env.int('GRAPHQL_MAX_DEPTH', d.maxDepth, { min: 1, max: 1_000 }),
    maxAliases: env.int('GRAPHQL_MAX_ALIASES', d.maxAliases, { min: 0, max: 10_000 }),
    maxTokens: env.int('GRAPHQL_MAX_TOKENS', d.maxTokens, { min: 10, max: 1_000_000 }),
    maxCost: env.int('GRAPHQL_MAX_COST', d.maxCost, { min: 1, max: 100_000_000 }),
    maxResponseBytes: env.int('GRAPHQL_MAX_RESPONSE_BYTES', d.maxResponseBytes, {
      min: 1_024,
      max: 1_024 ** 3,
    }),
  };
}

export function limitError(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

/** Validation rules: they depend on the query text only. */
export function limitRules(limits: GraphqlLimits): ValidationRule[] {
  const report =
    (code: string, message: string) =>
    (context: { reportError(error: GraphQLError): void } | null) =>
      context?.reportError(limitError(code, message));
  return [
    maxDepthRule({
      n: limits.maxDepth,
      propagateOnRejection: false,
      onReject: [report('QUERY_TOO_DEEP', `query depth is limited to ${limits.maxDepth}`)],
    }),
    maxAliasesRule({
      n: limits.maxAliases,
      propagateOnRejection: false,
      onReject: [
        report('TOO_MANY_ALIASES', `a query may use at most ${limits.maxAliases} aliases`),
      ],
    }),
  ] as ValidationRule[];
}

/** A body can be 100,000 characters. */
export const BODY_WEIGHT = 200;
/** An event's data as JSON: a drafted article's carries its body. */
export const PAYLOAD_WEIGHT = 50;
/** Lists sized by a `first` argument, and its bound. */
const FIRST_BOUNDS: ReadonlyMap<string, number> = new Map([
  ['Query.events', MAX_EVENTS],
  ['Article.history', MAX_HISTORY],
]);
/** Introspection reads the schema in memory. */
export const INTROSPECTION_WEIGHT = 0.1;
/** For a list without a `count` argument (authors, stats). */
export const UNBOUNDED_LIST_SIZE = 20;

function introspectionListSizes(schema: GraphQLSchema): Map<string, number> {
  const types = Object.values(schema.getTypeMap());
  const longest = (lengths: number[]) => Math.max(1, ...lengths);
  const fieldsOf = types.flatMap((t) =>
    isObjectType(t) || isInterfaceType(t) ? [Object.values(t.getFields())] : [],
  );
  const implementations = types.filter(isAbstractType).map((t) => schema.getPossibleTypes(t));
  return new Map([
    ['__Schema.types', types.length],
    ['__Schema.directives', schema.getDirectives().length],
    ['__Type.fields', longest(fieldsOf.map((fields) => fields.length))],
    [
      '__Type.inputFields',
      longest(types.filter(isInputObjectType).map((t) => Object.keys(t.getFields()).length)),
    ],
    ['__Type.enumValues', longest(types.filter(isEnumType).map((t) => t.getValues().length))],
    ['__Type.interfaces', longest(types.filter(isObjectType).map((t) => t.getInterfaces().length))],
    ['__Type.possibleTypes', longest(implementations.map((list) => list.length))],
    ['__Field.args', longest(fieldsOf.flat().map((field) => field.args.length))],
    ['__Directive.args', longest(schema.getDirectives().map((d) => d.args.length))],
  ]);
}

const sizesBySchema = new WeakMap<GraphQLSchema, Map<string, number>>();

/** README, "GraphQL limits"; `count` is clamped, so a negative one buys its siblings no budget. */
function costEstimator(schema: GraphQLSchema): ComplexityEstimator {
  let sizes = sizesBySchema.get(schema);
  if (!sizes) sizesBySchema.set(schema, (sizes = introspectionListSizes(schema)));
  const introspectionSizes = sizes;
  return ({ type, field, args, childComplexity }) => {
    const introspection = type.name.startsWith('__');
    let own = introspection ? INTROSPECTION_WEIGHT : 1;
    if (type.name === 'Article' && field.name === 'body') own = BODY_WEIGHT;
    if (type.name === 'LoggedEvent' && field.name === 'payload') own = PAYLOAD_WEIGHT;
    const count: unknown = args['count'];
    const first: unknown = args['first'];
    const firstBound = FIRST_BOUNDS.get(`${type.name}.${field.name}`);
    let items = 1;
    if (typeof count === 'number') items = Math.min(Math.max(count, 1), MAX_COUNT);
    else if (firstBound !== undefined)
      items = typeof first === 'number' ? Math.min(Math.max(first, 1), firstBound) : firstBound;
    else if (introspection) items = introspectionSizes.get(`${type.name}.${field.name}`) ?? 1;
    else if (isList(field.type) && type.name !== 'ArticleConnection') items = UNBOUNDED_LIST_SIZE;
    return own + items * childComplexity;
  };
}

function isList(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

export function checkCost(
  limits: GraphqlLimits,
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined,
): number {
  let cost: number;
  try {
    cost = getComplexity({
      schema,
      query: document,
      estimators: [costEstimator(schema)],
      variables: variables ?? {},
      ...(operationName !== undefined && { operationName }),
      maxQueryNodes: limits.maxCost,
    });
  } catch (err) {
    throw limitError(
      'QUERY_TOO_COMPLEX',
      `the query could not be costed within ${limits.maxCost}: ${(err as Error).message}`,
    );
  }
  if (cost > limits.maxCost) {
    throw limitError(
      'QUERY_TOO_COMPLEX',
      `the query costs ${Math.ceil(cost)}, more than the limit of ${limits.maxCost}`,
    );
  }
  return cost;
}
