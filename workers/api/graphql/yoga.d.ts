/** Types of yoga.js: the part of graphql-yoga the endpoint uses, in its own terms. */
import type {
  DocumentNode,
  ExecutionArgs,
  ExecutionResult,
  GraphQLError,
  GraphQLSchema,
  ValidationRule,
} from "graphql";

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
  /** The envelop of one operation: our plugins' parse, validation rules and execution (graphql-ws uses it). */
  getEnveloped(initialContext: object): {
    schema: GraphQLSchema;
    parse: (source: string) => DocumentNode;
    validate: (schema: GraphQLSchema, document: DocumentNode) => readonly GraphQLError[];
    execute: (args: ExecutionArgs) => unknown;
    subscribe: (args: ExecutionArgs) => unknown;
  };
}

export function buildSchema(typeDefs: string, resolvers: object): GraphQLSchema;

export function createServer<Context>(options: {
  schema: GraphQLSchema;
  endpoint: string;
  graphiql: boolean;
  /** Our plugins (ServerPlugin) and graphql-armor's. */
  plugins: readonly unknown[];
}): YogaServer<Context>;
