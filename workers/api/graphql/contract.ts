/**
 * Declarations of the GraphQL endpoint for the gateway and the OpenAPI
 * document: `POST /graphql` (queries and mutations; route class
 * `order_entry`, the strictest any request to it may need), `GET /graphql`
 * (queries only; class `account`) and `GET /graphql/schema.graphql` (the
 * SDL). All three are public at the route: each field checks its
 * operation's scope. The handlers are in `index.ts`.
 */
import { z } from "@hono/zod-openapi";
import { defineRoute } from "../openapi/define.ts";
import { COMMON_HEADERS, problems } from "../openapi/schemas.ts";

const tags = ["graphql"];

const GraphQLRequest = z
  .object({
    query: z.string().openapi({ example: '{ ticker(symbol: "BTC-USD") { last best_bid best_ask } }' }),
    variables: z.record(z.string(), z.unknown()).nullable().optional(),
    operationName: z.string().nullable().optional(),
    extensions: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .openapi("GraphQLRequest");

const GraphQLResponse = z
  .object({
    data: z.record(z.string(), z.unknown()).nullable().optional(),
    errors: z
      .array(
        z.object({
          message: z.string(),
          path: z.array(z.union([z.string(), z.number()])).optional(),
          extensions: z
            .object({ code: z.string(), status: z.number().int() })
            .catchall(z.unknown())
            .openapi({ description: "`code`: the REST problem code; `status`: its HTTP status." }),
        }),
      )
      .optional(),
  })
  .openapi("GraphQLResponse");

const answer = {
  description:
    "The GraphQL result. Errors of fields (refusals, validation) answer 200 beside the other fields' data; a " +
    "document refused before it runs (syntax, limits) answers 400, too-large variables 413.",
  headers: COMMON_HEADERS,
  content: {
    "application/graphql-response+json": { schema: GraphQLResponse },
    "application/json": { schema: GraphQLResponse },
  },
};

const description =
  "GraphQL over HTTP (graphql-yoga): the operations of the REST API as queries and mutations, with the same " +
  "scopes (per field), validation and error codes (`extensions.code`). See docs/graphql.md.";

export const postGraphql = defineRoute({
  method: "post",
  path: "/graphql",
  operationId: "graphqlPost",
  tags,
  summary: "Run a GraphQL query or mutation",
  description,
  scope: "public",
  routeClass: "order_entry",
  request: { body: { required: true, content: { "application/json": { schema: GraphQLRequest } } } },
  responses: { 200: answer, ...problems(400, 401, 413, 415, 429) },
});

export const getGraphql = defineRoute({
  method: "get",
  path: "/graphql",
  operationId: "graphqlGet",
  tags,
  summary: "Run a GraphQL query (no mutations over GET)",
  description: `${description} In development, a browser asking for HTML gets GraphiQL.`,
  scope: "public",
  routeClass: "account",
  request: {
    query: z.object({
      query: z.string().optional(),
      variables: z.string().optional().openapi({ description: "JSON object." }),
      operationName: z.string().optional(),
      extensions: z.string().optional().openapi({ description: "JSON object." }),
    }),
  },
  responses: { 200: answer, ...problems(400, 401, 405, 429) },
});

export const getGraphqlSchema = defineRoute({
  method: "get",
  path: "/graphql/schema.graphql",
  operationId: "graphqlSchema",
  tags,
  summary: "The GraphQL schema (SDL)",
  scope: "public",
  routeClass: "system",
  responses: {
    200: { description: "The schema.", headers: COMMON_HEADERS, content: { "text/plain": { schema: z.string() } } },
  },
});

export const GRAPHQL_CONTRACTS = [postGraphql, getGraphql, getGraphqlSchema] as const;
