/** Types of yoga.js: the part of graphql-yoga the endpoint uses, in its own terms. */
import type { DocumentNode, ExecutionResult, GraphQLSchema, ValidationRule } from "graphql";

/** The hooks of a yoga (envelop) plugin that ours use. */
export interface ServerPlugin {
  onParams?: (payload: { params: { query?: string; variables?: unknown } }) => void;
  onValidate?: (payload: { addValidationRule: (rule: ValidationRule) => void }) => void;
  onResultProcess?: (payload: {
    result: ExecutionResult | ExecutionResult[] | AsyncIterable<unknown>;
    setResult: (result: ExecutionResult) => void;
  }) => void;
  onParse?: (payload: { params: { source: string | DocumentNode } }) => void;
}

export interface YogaServer<Context> {
  fetch(request: Request, context: Context): Promise<Response>;
}

export function buildSchema(typeDefs: string, resolvers: object): GraphQLSchema;

export function createServer<Context>(options: {
  schema: GraphQLSchema;
  endpoint: string;
  graphiql: boolean;
  /** Our plugins (ServerPlugin) and graphql-armor's. */
  plugins: readonly unknown[];
}): YogaServer<Context>;
